import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  compareTs,
  FakeSlackApi,
  persistWorkspaceInRedis,
  type FakeMessage,
} from '../../src/slack-fake/index.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

const C = 'C0KEPT';

function posted(m: FakeMessage | 'thread_not_found'): FakeMessage {
  if (m === 'thread_not_found') throw new Error('thread_not_found');
  return m;
}

describe('the playground workspace kept in Redis (real Redis, own prefix)', () => {
  const prefix = `${uniqueName('pgkeep')}:`;
  const key = new RedisKeys(prefix).playgroundWorkspace();
  const redis = new Redis(stackEndpoints().redisUrl);

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('a workspace saved by one fake is restored by the next: channel, thread replies, edits, and new posts sort after the old', async () => {
    const first = new FakeSlackApi();
    const kept = await persistWorkspaceInRedis({ workspace: first.workspace, redis, key });
    expect(kept.restored).toBe(0);
    const card = posted(first.workspace.postMessage({ channel: C, text: 'card v1' }));
    const reply = posted(
      first.workspace.postMessage({ channel: C, text: 'Shadow running', threadTs: card.ts }),
    );
    first.workspace.updateMessage({ channel: C, ts: card.ts, text: 'card v2' });
    posted(first.workspace.postMessage({ channel: C, text: 'another top-level' }));
    // Saved after the burst without anyone asking: the debounced save.
    await vi.waitFor(async () => expect(await redis.get(key)).toContain('another top-level'), {
      timeout: 5_000,
    });
    await kept.stop();
    const before = first.workspace.snapshot().channels;
    console.log(`[keep] saved ${(await redis.strlen(key)).toLocaleString('en')} bytes of JSON`);

    // A new process: a fresh fake whose clock is behind the old one's last ts.
    const second = new FakeSlackApi({ now: () => 1_600_000_000_000 });
    const again = await persistWorkspaceInRedis({ workspace: second.workspace, redis, key });
    expect(again.restored).toBe(3);
    expect(second.workspace.snapshot().channels).toEqual(before);
    expect(second.workspace.message(C, card.ts)).toMatchObject({ text: 'card v2', editCount: 1 });
    expect(second.workspace.threadReplies(C, card.ts).map((m) => m.text)).toEqual([
      'Shadow running',
    ]);

    const next = posted(
      second.workspace.postMessage({ channel: C, text: 'after restart', threadTs: card.ts }),
    );
    expect(compareTs(next.ts, reply.ts)).toBeGreaterThan(0);
    expect(second.workspace.threadReplies(C, card.ts).map((m) => m.text)).toEqual([
      'Shadow running',
      'after restart',
    ]);
    await again.stop();

    const third = new FakeSlackApi();
    const last = await persistWorkspaceInRedis({ workspace: third.workspace, redis, key });
    expect(third.workspace.threadReplies(C, card.ts).map((m) => m.text)).toEqual([
      'Shadow running',
      'after restart',
    ]);
    await last.stop();
  });

  it('saving before answering: what a Web API call was answered ok for is in Redis when the answer arrives', async () => {
    const fake = new FakeSlackApi();
    const own = `${prefix}answered:`;
    const answeredKey = new RedisKeys(own).playgroundWorkspace();
    // A debounce that never fires within the test: only the save before answering can have saved it.
    const kept = await persistWorkspaceInRedis({
      workspace: fake.workspace,
      redis,
      key: answeredKey,
      saveDelayMs: 600_000,
    });
    fake.saveBeforeAnswering(() => kept.flush());
    const client = new WebClient(fake.botToken, {
      slackApiUrl: await fake.start(),
      retryConfig: { retries: 0 },
    });
    try {
      const card = await client.chat.postMessage({ channel: C, text: 'card' });
      const reply = await client.chat.postMessage({
        channel: C,
        text: 'Backfill started',
        thread_ts: card.ts!,
      });
      await client.chat.update({ channel: C, ts: card.ts!, text: 'card, edited' });
      // Read at once, as a process SIGKILLed right after the answer would have left it.
      const saved = JSON.parse((await redis.get(answeredKey)) ?? '{}') as {
        messages?: FakeMessage[];
      };
      expect(saved.messages?.map((m) => [m.ts, m.text])).toEqual([
        [card.ts, 'card, edited'],
        [reply.ts, 'Backfill started'],
      ]);
    } finally {
      await kept.stop();
      await fake.stop();
    }
  });

  it('starts empty from a value it cannot read instead of failing the start', async () => {
    await redis.set(key, '{"version":0}');
    const fake = new FakeSlackApi();
    const kept = await persistWorkspaceInRedis({ workspace: fake.workspace, redis, key });
    expect(kept.restored).toBe(0);
    expect(fake.workspace.channels()).toEqual([]);
    await kept.stop();
  });
});
