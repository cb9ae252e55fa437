import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Evolution } from '../../src/evolution/evolution.js';
import { THREAD_GONE_LINE } from '../../src/slack-writer/slack-entry-poster.js';
import { createSlackWriter, type SlackWriter } from '../../src/slack-writer/create-slack-writer.js';
import { SlackStreamNotifier } from '../../src/slack-writer/slack-stream-notifier.js';
import { RedisSlackThreads } from '../../src/slack-writer/slack-threads.js';
import { FakeSlackApi } from '../../src/slack-fake/index.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';

let fake: FakeSlackApi;
let apiUrl: string;
let prefix: string;
let keys: RedisKeys;
const connections: Redis[] = [];
const writers: SlackWriter[] = [];

function connect(): Redis {
  const r = new Redis(stackEndpoints().redisUrl, { maxRetriesPerRequest: null });
  connections.push(r);
  return r;
}

/** A Slack writer as a bot process runs it, on its own Redis connection. */
async function startWriter(
  o: { minIntervalMs?: number; leaseMs?: number } = {},
): Promise<SlackWriter> {
  const w = createSlackWriter({
    botToken: fake.botToken,
    slackApiUrl: apiUrl,
    redis: connect(),
    keyPrefix: prefix,
    minIntervalMs: o.minIntervalMs ?? 0,
    leaseMs: o.leaseMs ?? 1_000,
    blockMs: 200,
    retryDelayMs: 200,
  });
  writers.push(w);
  await w.start();
  return w;
}

function evolution(id: string, channel = 'C0EVOLVE'): Evolution {
  const ev = anEvolutionIn('SHADOW_RUNNING', new FakeClock());
  return { ...ev, id, slack: { channel } };
}

async function threadOf(ev: Evolution) {
  const ids = await new RedisSlackThreads(connections[0]!, keys).get(ev.id);
  if (!ids) return undefined;
  return {
    ids,
    replies: fake.workspace.threadReplies(ids.channel, ids.threadTs).map((m) => m.text),
  };
}

/** Waits until the thread has `n` replies, then a little more to catch doubles posted late. */
async function repliesOnce(ev: Evolution, n: number): Promise<string[]> {
  await until(
    `${n} replies in ${ev.id}'s thread`,
    async () => {
      const t = await threadOf(ev);
      return t && t.replies.length >= n ? true : undefined;
    },
    30_000,
    50,
  );
  await new Promise((r) => setTimeout(r, 500));
  return (await threadOf(ev))!.replies;
}

beforeEach(async () => {
  fake = new FakeSlackApi();
  apiUrl = await fake.start();
  prefix = `${uniqueName('slackw')}:`;
  keys = new RedisKeys(prefix);
});

afterEach(async () => {
  for (const w of writers.splice(0)) await w.writer.abandon().catch(() => undefined);
  await deleteKeysWithPrefix(connections[0]!, prefix).catch(() => undefined);
  for (const r of connections.splice(0)) r.disconnect();
  await fake.stop();
});

describe('Slack stream and writer (real Redis, fake Slack Web API)', () => {
  it('two appending processes, one writer: every milestone once, in stream order, per thread', async () => {
    const [a, b] = [connect(), connect()];
    const worker = new SlackStreamNotifier(a, keys);
    const cli = new SlackStreamNotifier(b, keys);
    const one = evolution('ev-one');
    const two = evolution('ev-two', 'C0OTHER');
    await startWriter({ minIntervalMs: 20 });
    await Promise.all([
      (async () => {
        for (let i = 1; i <= 15; i++) {
          await worker.postMilestone(one, { kind: 'info', text: `one ${i} (worker)` });
          await worker.postMilestone(two, { kind: 'info', text: `two ${i} (worker)` });
        }
      })(),
      (async () => {
        for (let i = 1; i <= 15; i++) {
          await cli.postMilestone(one, { kind: 'info', text: `one ${i} (cli)` });
          await cli.updateStatusCard({ ...one, status: i === 15 ? 'LIVE' : 'DEPLOYING' });
        }
      })(),
    ]);
    // The order the stream recorded: the only order there is across processes.
    const recorded = (await a.xrange(keys.slackStream(), '-', '+'))
      .map(([, f]) => JSON.parse(f[f.indexOf('body') + 1]!) as { text?: string })
      .map((m) => m.text)
      .filter((t): t is string => t !== undefined);

    // Cards and milestones carry the evolution without its SQL (hashes only): entries stay small.
    const raw = await a.xrange(keys.slackStream(), '-', '+');
    expect(raw.some(([, f]) => f.join(' ').includes(one.v2.sql))).toBe(false);
    const largest = Math.max(...raw.map(([, f]) => f.join('').length));
    console.log(`largest entry: ${largest} characters`);

    const repliesOne = await repliesOnce(one, 30);
    const repliesTwo = await repliesOnce(two, 15);
    console.log(`thread of ev-one: ${repliesOne.length} replies; ev-two: ${repliesTwo.length}`);
    expect(repliesOne).toEqual(recorded.filter((t) => t.startsWith('one ')));
    expect(repliesTwo).toEqual(recorded.filter((t) => t.startsWith('two ')));
    const t = (await threadOf(one))!;
    expect(fake.workspace.channelHistory('C0EVOLVE').map((m) => m.ts)).toEqual([t.ids.cardTs]);
    await until(
      'the card shows the last status',
      async () =>
        fake.workspace.message('C0EVOLVE', t.ids.cardTs)?.text.includes('Live') ? true : undefined,
      10_000,
      50,
    );
    const edits = fake.workspace.message('C0EVOLVE', t.ids.cardTs)!.editCount;
    console.log(`card of ev-one: 15 status changes appended, ${edits} edits sent`);
    expect(await a.xpending(keys.slackStream(), 'slack-writer')).toEqual([0, null, null, null]);
  });

  it('a writer killed mid-stream (no acks) and a new one: nothing lost, nothing doubled', async () => {
    const r = connect();
    const notifier = new SlackStreamNotifier(r, keys);
    const ev = evolution('ev-kill');
    const texts = Array.from({ length: 40 }, (_, i) => `step ${i + 1}`);
    for (const text of texts) await notifier.postMilestone(ev, { kind: 'info', text });
    const first = await startWriter({ minIntervalMs: 30, leaseMs: 1_000 });
    await until(
      'some replies posted',
      async () => {
        const t = await threadOf(ev);
        return t && t.replies.length >= 8 ? true : undefined;
      },
      30_000,
      10,
    );
    await first.writer.abandon();
    const atKill = (await threadOf(ev))!.replies.length;
    const [pendingAtKill] = (await r.xpending(keys.slackStream(), 'slack-writer')) as [number];
    const killedAt = Date.now();
    await startWriter({ minIntervalMs: 30, leaseMs: 1_000 });
    const replies = await repliesOnce(ev, texts.length);
    console.log(
      `killed after ${atKill} replies with ${pendingAtKill} entries pending; the new writer took over and finished in ${Date.now() - killedAt} ms`,
    );
    expect(atKill).toBeLessThan(texts.length);
    expect(pendingAtKill).toBeGreaterThan(0);
    expect(replies).toEqual(texts);
    expect(fake.workspace.channelHistory('C0EVOLVE')).toHaveLength(1);
  });

  it('a writer stopped gracefully mid-stream hands the lease back: the next one continues at once', async () => {
    const r = connect();
    const notifier = new SlackStreamNotifier(r, keys);
    const ev = evolution('ev-stop');
    const texts = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    for (const text of texts) await notifier.postMilestone(ev, { kind: 'info', text });
    const first = await startWriter({ minIntervalMs: 50, leaseMs: 10_000 });
    await until(
      'some replies posted',
      async () => ((await threadOf(ev))?.replies.length ?? 0) >= 5 || undefined,
      30_000,
      10,
    );
    const stopStarted = Date.now();
    await first.stop();
    const stopMs = Date.now() - stopStarted;
    const atStop = (await threadOf(ev))!.replies.length;
    const resumedAt = Date.now();
    await startWriter({ minIntervalMs: 50, leaseMs: 10_000 });
    await until(
      'the next writer posts',
      async () => ((await threadOf(ev))?.replies.length ?? 0) > atStop || undefined,
      30_000,
      10,
    );
    const takeoverMs = Date.now() - resumedAt;
    const replies = await repliesOnce(ev, texts.length);
    console.log(
      `stopped after ${atStop} replies in ${stopMs} ms; the next writer's first post ${takeoverMs} ms after its start (lease 10 000 ms)`,
    );
    expect(atStop).toBeLessThan(texts.length);
    expect(takeoverMs).toBeLessThan(5_000);
    expect(replies).toEqual(texts);
  });

  it('an entry posted whose ack was lost is acknowledged by the next writer, not posted again', async () => {
    const r = connect();
    const notifier = new SlackStreamNotifier(r, keys);
    const ev = evolution('ev-ack');
    await notifier.postMilestone(ev, { kind: 'info', text: 'posted before the crash' });
    await notifier.postMilestone(ev, { kind: 'info', text: 'not posted yet' });
    // A writer that died after Slack accepted the first entry and it was recorded, before XACK.
    await r.xgroup('CREATE', keys.slackStream(), 'slack-writer', '0');
    const read = (await r.xreadgroup(
      'GROUP',
      'slack-writer',
      'dead-writer',
      'COUNT',
      1,
      'STREAMS',
      keys.slackStream(),
      '>',
    )) as [string, [string, string[]][]][];
    const firstId = read[0]![1][0]![0];
    await r.hset(keys.slackStreamPosted(), firstId, '1.000001');

    await startWriter();
    const replies = await repliesOnce(ev, 1);
    expect(replies).toEqual(['not posted yet']);
    expect(await r.xpending(keys.slackStream(), 'slack-writer')).toEqual([0, null, null, null]);
    expect(await r.hlen(keys.slackStreamPosted())).toBe(0);
  });

  it('a writer killed between the post and its record: the next one finds the reply by its entry id, and posts what is not there', async () => {
    const r = connect();
    const notifier = new SlackStreamNotifier(r, keys);
    const ev = evolution('ev-intent');
    await startWriter();
    await notifier.postMilestone(ev, { kind: 'info', text: 'thread opened' });
    await repliesOnce(ev, 1);
    await writers.pop()!.stop();
    await notifier.postMilestone(ev, { kind: 'info', text: 'reached Slack, not recorded' });
    await notifier.postMilestone(ev, { kind: 'info', text: 'intent only' });
    const [[firstId], [secondId]] = (await r.xrevrange(keys.slackStream(), '+', '-', 'COUNT', 2))
      .map(([id]) => [id])
      .reverse() as [[string], [string]];
    // The dead writer: both entries taken, both marked "posting", only the first reached Slack.
    await r.xreadgroup(
      'GROUP',
      'slack-writer',
      'dead-writer',
      'COUNT',
      2,
      'STREAMS',
      keys.slackStream(),
      '>',
    );
    await r.hset(keys.slackStreamPosted(), firstId, '', secondId, '');
    const ids = (await new RedisSlackThreads(r, keys).get(ev.id))!;
    await fake.workspace.postMessage({
      channel: ids.channel,
      threadTs: ids.threadTs,
      text: 'reached Slack, not recorded',
      metadata: { event_type: 'evolve_thread_entry', event_payload: { entry: firstId } },
    });

    await startWriter();
    const replies = await repliesOnce(ev, 3);
    console.log(`looked up in the thread: ${fake.callsOf('conversations.replies').length} times`);
    expect(replies).toEqual(['thread opened', 'reached Slack, not recorded', 'intent only']);
    expect(await r.xpending(keys.slackStream(), 'slack-writer')).toEqual([0, null, null, null]);
  });

  it('a thread Slack no longer has is posted again with a line saying so, and the thread continues there', async () => {
    const r = connect();
    const notifier = new SlackStreamNotifier(r, keys);
    const ev = evolution('ev-gone');
    await startWriter();
    await notifier.ensureThread(ev);
    await notifier.postMilestone(ev, { kind: 'info', text: 'before' });
    await repliesOnce(ev, 1);
    const old = (await threadOf(ev))!.ids;
    // What a restarted playground showed: the channel emptied under the bot.
    fake.workspace.deleteMessage(old.channel, old.cardTs);

    await notifier.postMilestone(ev, { kind: 'info', text: 'after' });
    await notifier.postMilestone(ev, { kind: 'info', text: 'and on' });
    await until(
      'a new thread',
      async () => {
        const t = await threadOf(ev);
        return t && t.ids.threadTs !== old.threadTs ? true : undefined;
      },
      10_000,
      50,
    );
    expect(await repliesOnce(ev, 3)).toEqual([THREAD_GONE_LINE, 'after', 'and on']);
    expect(
      fake.callsOf('chat.postMessage').filter((c) => c.error === 'thread_not_found'),
    ).toHaveLength(1);
  });

  it('a post Slack refused for a passing reason is retried in order; one refused for good is skipped', async () => {
    const r = connect();
    const notifier = new SlackStreamNotifier(r, keys);
    const ev = evolution('ev-retry');
    await notifier.ensureThread(ev);
    fake.refuseNext('chat.postMessage', 'internal_error', (a) => a.text === 'first');
    fake.refuseNext('chat.postMessage', 'invalid_blocks', (a) => a.text === 'poisoned');
    for (const text of ['first', 'poisoned', 'third']) {
      await notifier.postMilestone(ev, { kind: 'info', text });
    }
    await startWriter();
    expect(await repliesOnce(ev, 2)).toEqual(['first', 'third']);
    expect(
      fake
        .callsOf('chat.postMessage')
        .filter((c) => c.error)
        .map((c) => c.error),
    ).toEqual(['internal_error', 'invalid_blocks']);
  });
});
