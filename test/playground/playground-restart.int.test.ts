import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/create-runtime.js';
import { startSlackBot, type SlackBotProcess } from '../../src/app/start-slack-bot.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import {
  FakeSlackApi,
  persistWorkspaceInRedis,
  type PersistedWorkspace,
} from '../../src/slack-fake/index.js';
import { THREAD_GONE_LINE } from '../../src/slack-writer/slack-entry-poster.js';
import { RedisSlackThreads } from '../../src/slack-writer/slack-threads.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

const SECRET = 'playground-restart-signing-secret';
const CHANNEL = 'C0PGRESTART';

/**
 * `npm start` stopped and started again, as the playground runs it: the
 * bot's Slack writer in front of a fake Slack whose workspace is kept in
 * Redis. The "restart" is a new FakeSlackApi on the same port restoring
 * what the first one saved, and a new bot. No Flink: the worker's reports
 * are appended by hand.
 */
describe('the playground restarted: the bot continues its threads in place (real Redis, fake Slack, signed HTTP bot)', () => {
  const e = stackEndpoints();
  const run = uniqueName('pgrestart');
  const prefix = `${run}:`;
  const key = new RedisKeys(prefix).playgroundWorkspace();
  let flinkStub: Server;
  let config: Config;
  let worker: Runtime;
  let redis: Redis;
  let fake: FakeSlackApi | undefined;
  let kept: PersistedWorkspace | undefined;
  let bot: SlackBotProcess | undefined;
  let port = 0;

  /** One `npm start`: a fake Slack restored from Redis before the bot starts. */
  const startPlaygroundSlack = async () => {
    fake = new FakeSlackApi();
    kept = await persistWorkspaceInRedis({ workspace: fake.workspace, redis, key });
    const apiUrl = await fake.start(port);
    port = Number(new URL(apiUrl).port);
    config = loadConfig({
      ...common(),
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: apiUrl,
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
    });
    bot = await startSlackBot(config, { namespace: run, keyPrefix: prefix, port: 0 });
    return { fake, restored: kept.restored };
  };
  const stopPlaygroundSlack = async () => {
    await bot?.stop();
    await fake?.stop();
    await kept?.stop();
    bot = undefined;
    fake = undefined;
    kept = undefined;
  };
  let flinkUrl = '';
  const common = () => ({
    EVOLVE_REDIS_URL: e.redisUrl,
    EVOLVE_REDIS_PREFIX: prefix,
    EVOLVE_QUEUE_NAMESPACE: run,
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: flinkUrl,
    EVOLVE_FLINK_GATEWAY_URL: flinkUrl,
  });

  beforeAll(async () => {
    // Flink is never needed here; whatever asks gets a 500 at once.
    flinkStub = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((resolve) => flinkStub.listen(0, '127.0.0.1', resolve));
    flinkUrl = `http://127.0.0.1:${(flinkStub.address() as AddressInfo).port}`;
    worker = await createRuntime(loadConfig(common()), { namespace: run, keyPrefix: prefix });
    redis = new Redis(e.redisUrl);
  });

  afterEach(stopPlaygroundSlack);

  afterAll(async () => {
    await worker.queues.obliterate().catch(() => undefined);
    await worker.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    flinkStub.close();
  });

  async function anActiveEvolution(): Promise<Evolution> {
    const pipeline = aPipeline({
      name: uniqueName('pgr').toLowerCase(),
      flink: { restUrl: flinkUrl, gatewayUrl: flinkUrl },
      owners: ['U0OWNER1'],
      approvers: ['U0APPR1'],
    });
    await worker.service.registerFromFile(pipeline);
    const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock(Date.now()), pipeline, {
      slack: { channel: CHANNEL },
    });
    return worker.workflow.evolutions.create({ ...ev, approval: undefined });
  }

  const threadIds = async (ev: Evolution) =>
    new RedisSlackThreads(redis, new RedisKeys(prefix)).get(ev.id);
  const replyTexts = (f: FakeSlackApi, threadTs: string) =>
    f.workspace.threadReplies(CHANNEL, threadTs).map((m) => m.text.split('\n')[0]);

  it('after a restart the same card and thread are in the channel and the next milestone lands in that thread, with no "gone" line', async () => {
    const ev = await anActiveEvolution();
    const first = (await startPlaygroundSlack()).fake;
    await worker.workflow.notifier.postMilestone(ev, {
      kind: 'shadowStarted',
      text: 'Shadow running',
    });
    await worker.workflow.notifier.updateStatusCard(ev);
    await vi.waitFor(
      async () => {
        const ids = await threadIds(ev);
        expect(ids && replyTexts(first, ids.threadTs)).toEqual(['Shadow running']);
      },
      { timeout: 20_000, interval: 100 },
    );
    const before = (await threadIds(ev))!;
    await stopPlaygroundSlack();

    const { fake: second, restored } = await startPlaygroundSlack();
    console.log(`[playground-restart] restored ${restored} messages from Redis`);
    expect(second.workspace.message(CHANNEL, before.cardTs)?.text).toContain(ev.id);
    await worker.workflow.notifier.postMilestone(ev, { kind: 'info', text: 'After the restart' });
    await worker.workflow.notifier.updateStatusCard(ev);
    await vi.waitFor(
      () =>
        expect(replyTexts(second, before.threadTs)).toEqual([
          'Shadow running',
          'After the restart',
        ]),
      { timeout: 20_000, interval: 100 },
    );
    // Long enough for a "gone" line or a second card to show up behind the outbox's 1 s pacing.
    await new Promise((r) => setTimeout(r, 1_500));
    const after = (await threadIds(ev))!;
    const replies = replyTexts(second, before.threadTs);
    console.log(`[playground-restart] thread after the restart: ${JSON.stringify(replies)}`);
    expect(after).toEqual(before);
    expect(replies).toEqual(['Shadow running', 'After the restart']);
    expect(replies).not.toContain(THREAD_GONE_LINE);
    expect(
      second.workspace.channelHistory(CHANNEL).filter((m) => m.text.includes(ev.id)),
    ).toHaveLength(1);
    const topLevelPosts = second
      .callsOf('chat.postMessage')
      .filter((c) => c.ok && c.args.thread_ts === undefined);
    expect(topLevelPosts).toEqual([]);
  });
});
