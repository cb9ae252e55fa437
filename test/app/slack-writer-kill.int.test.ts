import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evolution } from '../../src/evolution/evolution.js';
import { FakeSlackApi } from '../../src/slack-fake/index.js';
import { SlackStreamNotifier } from '../../src/slack-writer/slack-stream-notifier.js';
import { RedisSlackThreads } from '../../src/slack-writer/slack-threads.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { WorkerChild } from '../support/worker-child.js';

const CHANNEL = 'C0KILL';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `evolve bot` as a real OS process, SIGKILLed while it posts a thread at
 * Slack's pace; a second `evolve bot` takes over once the lease lapses.
 */
describe('`evolve bot` killed with SIGKILL mid-thread (real processes, fake Slack, real Redis)', () => {
  const e = stackEndpoints();
  const run = uniqueName('botkill');
  const prefix = `${run}:`;
  const keys = new RedisKeys(prefix);
  const fake = new FakeSlackApi();
  const children: WorkerChild[] = [];
  let redis: Redis;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = new Redis(e.redisUrl);
    env = {
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: prefix,
      EVOLVE_QUEUE_NAMESPACE: run,
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
      EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: await fake.start(),
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: 'bot-kill-signing-secret',
    };
  });

  afterAll(async () => {
    for (const c of children) c.kill();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await fake.stop();
  });

  /** Ready when it holds the writer lease (a fact in Redis, not a log line). */
  const startBot = async (label: string, after?: string) => {
    const child = await WorkerChild.start(
      label,
      { ...env, EVOLVE_PORT: String(await freePort()) },
      async () => {
        const holder = await redis.get(keys.slackWriterLease());
        return holder !== null && holder !== after;
      },
      'bot',
    );
    children.push(child);
    return { child, holder: (await redis.get(keys.slackWriterLease()))! };
  };

  const replies = async (ev: Evolution) => {
    const ids = await new RedisSlackThreads(redis, keys).get(ev.id);
    return ids ? fake.workspace.threadReplies(CHANNEL, ids.threadTs).map((m) => m.text) : [];
  };

  it('nothing lost, nothing doubled, in order', async () => {
    const appender = new SlackStreamNotifier(redis, keys);
    const base = anEvolutionIn('BACKFILLING', new FakeClock(Date.now()));
    const ev: Evolution = { ...base, id: uniqueName('ev'), slack: { channel: CHANNEL } };
    const lines = Array.from({ length: 16 }, (_, i) => `Backfill progress ${i + 1}/16`);
    const first = await startBot('bot-1');
    for (const text of lines.slice(0, 12)) {
      await appender.postMilestone(ev, { kind: 'backfillProgress', text });
    }
    await until(
      '4 replies from the first bot',
      async () => ((await replies(ev)).length >= 4 ? true : undefined),
      60_000,
      20,
    );
    first.child.kill();
    const killedAt = Date.now();
    const atKill = (await replies(ev)).length;
    for (const text of lines.slice(12)) {
      await appender.postMilestone(ev, { kind: 'backfillProgress', text });
    }
    await startBot('bot-2', first.holder);
    const tookOverMs = Date.now() - killedAt;
    await until(
      'every line in the thread',
      async () => ((await replies(ev)).length >= lines.length ? true : undefined),
      90_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const thread = await replies(ev);
    console.log(
      `[bot-kill] SIGKILL after ${atKill} of ${lines.length} replies; the second bot held the lease ${tookOverMs} ms later; thread: ${thread.length} replies; threads asked whether a reply was posted: ${fake.callsOf('conversations.replies').length}`,
    );
    expect(atKill).toBeLessThan(12);
    expect(thread).toEqual(lines);
    expect(fake.workspace.channelHistory(CHANNEL)).toHaveLength(1);
  });
});
