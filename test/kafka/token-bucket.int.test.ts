import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { uniqueName } from '../support/unique-name.js';
import { TokenBucket } from '../../src/kafka/token-bucket.js';
import { deleteRedisKeys, testRedis } from './kafka-test-kit.js';

const connections: Redis[] = [];
const prefixes: string[] = [];

function connection(): Redis {
  const r = testRedis();
  connections.push(r);
  return r;
}

afterEach(async () => {
  for (const p of prefixes.splice(0)) await deleteRedisKeys(connections[0]!, p);
});
afterAll(async () => {
  for (const r of connections) await r.quit();
});

/** A worker that takes `chunk` tokens in a loop and counts the records it was allowed to send. */
function worker(
  bucket: TokenBucket,
  chunk: number,
  signal: AbortSignal,
): { granted: () => number; done: Promise<void> } {
  let granted = 0;
  const done = (async () => {
    while (!signal.aborted) {
      try {
        await bucket.take(chunk, signal);
      } catch {
        return;
      }
      granted += chunk;
    }
  })();
  return { granted: () => granted, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TokenBucket', () => {
  it('two workers on two connections together stay within 10% of the rate over 10 s', async () => {
    const key = uniqueName('bucket-two-workers');
    prefixes.push(key);
    const rate = 800;
    await new TokenBucket(connection(), key).configure({ rate });
    const stop = new AbortController();
    const a = worker(new TokenBucket(connection(), key), 40, stop.signal);
    const b = worker(new TokenBucket(connection(), key), 25, stop.signal);
    await sleep(1000);
    const before = a.granted() + b.granted();
    const t0 = performance.now();
    await sleep(10_000);
    const after = a.granted() + b.granted();
    const seconds = (performance.now() - t0) / 1000;
    stop.abort();
    await Promise.all([a.done, b.done]);
    const measured = (after - before) / seconds;
    expect(measured).toBeGreaterThan(rate * 0.9);
    expect(measured).toBeLessThan(rate * 1.1);
    // Both workers got a share: the bucket is shared, not per worker.
    expect(a.granted()).toBeGreaterThan(0);
    expect(b.granted()).toBeGreaterThan(0);
  }, 30_000);

  it('applies a rate change, pause and resume to running workers', async () => {
    const key = uniqueName('bucket-control');
    prefixes.push(key);
    const control = new TokenBucket(connection(), key, { pausedPollMs: 50 });
    await control.configure({ rate: 100 });
    const stop = new AbortController();
    const w = worker(new TokenBucket(connection(), key, { pausedPollMs: 50 }), 10, stop.signal);
    await sleep(2000);
    const slow = w.granted();
    expect(slow).toBeLessThan(100 * 2 * 1.3);

    await control.setRate(2000);
    const c0 = w.granted();
    await sleep(2000);
    expect(w.granted() - c0).toBeGreaterThan(2000 * 2 * 0.7);

    await control.pause();
    await sleep(300); // one reservation already granted may still finish
    const paused = w.granted();
    await sleep(1500);
    expect(w.granted()).toBe(paused);
    expect(await control.state()).toEqual({ rate: 2000, paused: true });

    await control.resume();
    await sleep(1000);
    const resumed = w.granted() - paused;
    expect(resumed).toBeGreaterThan(1000);
    // No burst from the time spent paused: at most one second of tokens plus one chunk.
    expect(resumed).toBeLessThan(2000 * 1.3 + 10);
    stop.abort();
    await w.done;
  }, 30_000);

  it('writes the field it is given in the reservation, returns the rate, and writes it while paused too', async () => {
    const key = uniqueName('bucket-write');
    prefixes.push(key);
    const redis = connection();
    const bucket = new TokenBucket(redis, key, { pausedPollMs: 50 });
    await bucket.configure({ rate: 1000, burst: 1000 });
    const checkpoint = `${key}:checkpoint`;
    await sleep(300); // tokens in hand: one script, no wait
    const rate = await bucket.take(100, undefined, {
      key: checkpoint,
      field: 'progress',
      value: 'a',
    });
    expect(rate).toBe(1000);
    expect(await redis.hget(checkpoint, 'progress')).toBe('a');

    await bucket.pause();
    const stop = new AbortController();
    const waiting = bucket
      .take(10, stop.signal, { key: checkpoint, field: 'progress', value: 'b' })
      .catch((err: unknown) => err);
    await sleep(200);
    // Paused: nothing granted, but the acknowledged progress is recorded all the same.
    expect(await redis.hget(checkpoint, 'progress')).toBe('b');
    stop.abort();
    expect(await waiting).toMatchObject({ code: 'BACKFILL_ABORTED' });
  });
});
