import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, INPUT_IDS, VIEW_IDS } from '../../src/bot/blocks/action-ids.js';
import { DEMO, demoNames } from '../../src/demo/setup-demo.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import type { PlaygroundConfig } from '../../src/playground/playground-server.js';
import type { PlaygroundMessage, PlaygroundState } from '../../src/playground/playground-state.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { freePort } from '../support/free-port.js';
import { deleteTopicsStartingWith } from '../support/kafka-test-client.js';
import { milestoneProblems } from '../support/milestone-problems.js';
import { PERIODIC_LINES, storyMilestones } from '../support/story-milestones.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { WorkerChild } from '../support/worker-child.js';

const OWNER = DEMO.owner.id;
const APPROVER = DEMO.approver.id;
const STATE_WAIT_MS = 150_000;
/** Some 250 keys to rewrite: the backfill is still going when `npm start` is killed. */
const BACKFILL_RATE = 10;

const MILESTONES = storyMilestones({ owner: OWNER, approver: APPROVER });

/**
 * `npm start` as a newcomer runs it (playground, bot and worker in one
 * process, the demo pipeline), here against the running stack (so it
 * starts nothing) with a Redis prefix, queues, playground port and demo
 * names of its own. Driven through the playground's HTTP API, as the page
 * does; SIGKILLed (its whole process group) mid-backfill and started again.
 */
describe('`npm start` SIGKILLed mid-backfill and started again: the playground shows the same thread, continued', () => {
  const e = stackEndpoints();
  const run = uniqueName('npmstart');
  const prefix = `${run}:`;
  const keys = new RedisKeys(prefix);
  const demoPrefix = uniqueName('npmdemo').toLowerCase();
  const names = demoNames(demoPrefix);
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const flink = new FlinkAdapter(rest, new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl }));
  const env: Record<string, string> = {
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
    EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
    EVOLVE_REDIS_URL: e.redisUrl,
    EVOLVE_REDIS_PREFIX: prefix,
    EVOLVE_QUEUE_NAMESPACE: run,
    EVOLVE_DEPLOY_STABLE_MS: '3000',
    EVOLVE_LOG_LEVEL: 'warn',
  };
  const started: WorkerChild[] = [];
  let redis: Redis;
  let url: string;
  let port: number;

  const api = async <T>(path: string, body?: object): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      ...(body
        ? {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }
        : {}),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const state = (user: string) => api<PlaygroundState>(`api/state?user=${user}`);
  const command = (user: string, text: string) => api('api/command', { user, text });

  /** Ready when the playground answers: it starts last, after the bot, the worker and the demo. */
  const startNpm = async (label: string) => {
    const child = await WorkerChild.launch(
      label,
      'npm',
      ['start', '--', '--playground-port', String(port), '--demo-prefix', demoPrefix],
      env,
      async () => (await fetch(`${url}api/config`).catch(() => undefined))?.ok === true,
    );
    started.push(child);
    return child;
  };

  beforeAll(async () => {
    redis = new Redis(e.redisUrl);
    port = await freePort();
    url = `http://127.0.0.1:${port}/`;
  });

  afterAll(async () => {
    for (const c of started) {
      await c.killAndWait();
      console.log(`[npm-start] ${c.label} printed:\n${c.output.join('\n')}`);
    }
    const jobs = await rest.listJobs().catch(() => []);
    for (const job of jobs.filter((j) => j.name.includes(names.pipeline) && j.state === 'RUNNING'))
      await flink.cancel(job.jid).catch(() => undefined);
    await rest.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, prefix);
      await deleteKeysWithPrefix(redis, `bull:${run}-`);
      await redis.quit();
    }
    await deleteTopicsStartingWith(`${demoPrefix}.`);
  });

  const statusOf = async (id: string): Promise<string | undefined> => {
    const data = await redis.hget(keys.evolution(id), 'data');
    return data === null ? undefined : (JSON.parse(data) as { status: string }).status;
  };
  /** The evolution's card and thread as the page shows them to `user`. */
  const thread = async (id: string, user = OWNER) => {
    const card = (await state(user)).messages.find((m) => m.text.includes(id));
    return card ? { card, replies: card.replies } : undefined;
  };
  const reply = (id: string, what: string, pattern: RegExp, user = OWNER) =>
    until(
      what,
      async () => (await thread(id, user))?.replies.find((m) => pattern.test(m.text)),
      STATE_WAIT_MS,
      250,
    );
  const transcript = (
    messages: readonly (PlaygroundMessage & { replies: PlaygroundMessage[] })[],
  ) =>
    messages
      .flatMap((m) => [
        `${m.ts} ${m.text.split('\n')[0]}${m.edited ? ' (edited)' : ''}`,
        ...m.replies.map(
          (r) => `  ↳ ${r.ts} ${r.text.split('\n')[0]}${r.edited ? ' (edited)' : ''}`,
        ),
      ])
      .join('\n');

  it('develop -> approve -> backfill in the playground; killed mid-backfill; after the restart the thread is the same one, continued, each milestone once', async () => {
    const t0 = Date.now();
    const first = await startNpm('npm-start-1');
    const ready1 = Date.now() - t0;
    const config = await api<PlaygroundConfig>('api/config');
    expect(config.channel.id).toBe(DEMO.channel);

    // develop: the modal, with the demo's v2 SQL (the page's "Use the demo v2 SQL" button).
    await command(OWNER, `/evolve develop ${names.pipeline}`);
    const view = await until(
      'the develop modal',
      async () => {
        const v = (await state(OWNER)).view;
        return v?.view.callback_id === VIEW_IDS.develop ? v : undefined;
      },
      60_000,
      250,
    );
    const submitted = await api<{ ok: boolean }>('api/views/submit', {
      user: OWNER,
      viewId: view.id,
      values: {
        [INPUT_IDS.developSql.block]: { [INPUT_IDS.developSql.action]: config.demoFill!.sql },
      },
    });
    expect(submitted.ok).toBe(true);
    const card = await until(
      'the status card in the channel',
      // The card names the pipeline and its evolution (the welcome names the pipeline only).
      async () =>
        (await state(OWNER)).messages.find(
          (m) => m.text.includes(names.pipeline) && /ev-[a-z0-9]+-[a-z0-9]+/.test(m.text),
        ),
      60_000,
      250,
    );
    const id = /(ev-[a-z0-9]+-[a-z0-9]+)/.exec(card.text)![1]!;
    await reply(id, 'shadow running', /^Shadow job \w+ is RUNNING/);

    await command(OWNER, `/evolve deploy ${names.pipeline}`);
    const approval = await until(
      'the approval request',
      async () =>
        (await thread(id))?.replies.find((m) =>
          JSON.stringify(m.blocks ?? []).includes(ACTION_IDS.approve),
        ),
      STATE_WAIT_MS,
      250,
    );
    await api('api/click', { user: APPROVER, ts: approval.ts, actionId: ACTION_IDS.approve });
    await reply(id, 'v2 live', /^v2 is live: job/);

    await command(OWNER, `/evolve backfill ${names.pipeline} rate=${BACKFILL_RATE}`);
    await reply(id, 'the backfill started', /^Backfill \S+ started by/);
    expect(await statusOf(id)).toBe('BACKFILLING');
    const before = (await thread(id))!;
    await first.killAndWait();

    const t1 = Date.now();
    await startNpm('npm-start-2');
    const ready2 = Date.now() - t1;
    // Right after the restart: the same card, and in place the replies seen before the kill.
    // The page shows a post before the save it waits for; one the kill caught in between was
    // not answered, so the writer posts it again (the thread must then show it once, later).
    const restored = (await thread(id))!;
    const seen = before.replies.map((r) => r.ts);
    const kept = restored.replies.map((r) => r.ts).filter((ts) => seen.includes(ts));
    expect(restored.card.ts).toBe(before.card.ts);
    expect(kept).toEqual(seen.slice(0, kept.length));
    expect(kept.length).toBeGreaterThanOrEqual(seen.length - 1);

    await until(
      'the evolution COMPLETED',
      async () => ((await statusOf(id)) === 'COMPLETED' ? true : undefined),
      STATE_WAIT_MS,
      500,
    );
    await reply(id, 'the completion', /^Backfill complete and verified/);
    await until(
      'the card to say Completed',
      async () => ((await thread(id))?.card.text.includes('Completed') ? true : undefined),
      60_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await state(OWNER);
    const texts = (await thread(id))!.replies.map((m) => m.text.split('\n')[0]!);
    console.log(
      `[npm-start] ready in ${Math.round(ready1 / 1000)} s, again in ${Math.round(ready2 / 1000)} s after the SIGKILL (${seen.length} replies then, ${kept.length} of them restored in place); the playground's channel at the end:\n${transcript(after.messages)}`,
    );
    // The worker died with the bot: the partitions it was indexing are indexed again by the
    // restarted one, and the thread hears that run's progress too (same records, same words).
    expect(milestoneProblems(texts, MILESTONES, PERIODIC_LINES)).toEqual([]);
    // Nothing the page showed before the kill is lost.
    const firstLines = before.replies.map((r) => r.text.split('\n')[0]!);
    expect(firstLines.filter((t) => !texts.includes(t))).toEqual([]);
    expect(after.messages.filter((m) => m.text.includes(id))).toHaveLength(1);
  }, 600_000);
});
