import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolveError, isTransientError } from '../../src/errors.js';
import { PartitionLease } from '../../src/jobs/partition-lease.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

describe('PartitionLease on the real Redis', () => {
  const prefix = `${uniqueName('lease')}:`;
  let redis: Redis;
  let n = 0;
  const key = () => `${prefix}p${n++}`;

  beforeAll(() => {
    redis = new Redis(stackEndpoints().redisUrl);
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('lets one runner in; a second is refused as busy (retried later), naming the holder', async () => {
    const k = key();
    const first = await PartitionLease.acquire(redis, k, 'Partition 0 of backfill r1', {
      owner: 'host-a:101',
    });
    const second = await PartitionLease.acquire(redis, k, 'Partition 0 of backfill r1', {
      owner: 'host-b:202',
    }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(EvolveError);
    expect((second as EvolveError).code).toBe('BACKFILL_PARTITION_BUSY');
    expect((second as EvolveError).userMessage).toMatch(
      /^Partition 0 of backfill r1 is being run by another worker \(host-a:101, lease for \d+ s more\)/,
    );
    expect(isTransientError(second), 'a busy partition is waited for, not failed').toBe(true);
    await first.release();
    const third = await PartitionLease.acquire(redis, k, 'p', { owner: 'host-b:202' });
    expect(await redis.get(k)).toMatch(/^host-b:202 /);
    await third.release();
    expect(await redis.exists(k)).toBe(0);
  });

  it('is renewed while held, so it outlives its TTL', async () => {
    const k = key();
    const lease = await PartitionLease.acquire(redis, k, 'p', { ttlMs: 600, renewEveryMs: 100 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await redis.exists(k)).toBe(1);
    expect(lease.signal.aborted).toBe(false);
    await lease.release();
  });

  it('a runner whose lease expired and was taken by another stops, and its release leaves the new lease alone', async () => {
    const k = key();
    const stale = await PartitionLease.acquire(redis, k, 'p', {
      ttlMs: 10_000,
      renewEveryMs: 100,
    });
    // As if the first runner's renewals had stopped long enough for the lease to lapse.
    await redis.del(k);
    const fresh = await PartitionLease.acquire(redis, k, 'p', { owner: 'host-b:202' });
    await new Promise((r) => setTimeout(r, 400));
    expect(stale.signal.aborted, 'the stale runner is told to stop').toBe(true);
    await stale.release();
    expect(await redis.get(k), 'the new runner keeps its lease').toMatch(/^host-b:202 /);
    expect(fresh.signal.aborted).toBe(false);
    await fresh.release();
  });
});
