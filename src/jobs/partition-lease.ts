import type { Redis } from 'ioredis';
import { RedisLease, type RedisLeaseOptions } from '../store/redis-lease.js';

export type PartitionLeaseOptions = RedisLeaseOptions;
export type PartitionLease = RedisLease;

/**
 * One runner per backfill partition at a time: two emitters on one
 * partition would interleave their checkpoints. A second runner's attempt
 * fails as BACKFILL_PARTITION_BUSY (transient: retried later), and a runner
 * that loses its lease stops at once (`signal` aborts).
 */
export const PartitionLease = {
  acquire(
    redis: Redis,
    key: string,
    what: string,
    options: PartitionLeaseOptions = {},
  ): Promise<PartitionLease> {
    return RedisLease.acquire(redis, key, { what, busyCode: 'BACKFILL_PARTITION_BUSY' }, options);
  },
};
