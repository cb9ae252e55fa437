import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EvolveError } from '../errors.js';

/** Renews only a lease still held by this owner (compare, then extend). */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Releases only a lease still held by this owner: never another worker's. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface PartitionLeaseOptions {
  /** How long the lease outlives its last renewal (a dead worker's lease expires after this; default 30 s, as the job lock). */
  ttlMs?: number;
  /** How often it is renewed while held; well under ttlMs. */
  renewEveryMs?: number;
  /** Who holds it, for the busy message (host and pid by default). */
  owner?: string;
}

/**
 * One runner per backfill partition at a time. BullMQ hands a job to another
 * worker when the first one's lock lapses (an event loop stalled past the
 * lock duration), while the first may still be emitting: two emitters on one
 * partition would interleave their checkpoints. The lease is the fence: the
 * second runner waits (its attempt fails as busy and is retried), and a
 * runner that loses its lease stops at once (`signal` aborts).
 */
export class PartitionLease {
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly token: string;
  private readonly lost = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    options: PartitionLeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(100, Math.floor(this.ttlMs / 4));
    this.token = `${options.owner ?? `pid ${process.pid}`} ${randomUUID()}`;
  }

  /** Takes the lease, or throws BACKFILL_PARTITION_BUSY (transient: the job is retried later). */
  static async acquire(
    redis: Redis,
    key: string,
    what: string,
    options: PartitionLeaseOptions = {},
  ): Promise<PartitionLease> {
    const lease = new PartitionLease(redis, key, options);
    const taken = await redis.set(key, lease.token, 'PX', lease.ttlMs, 'NX');
    if (taken !== 'OK') {
      const holder = await redis.get(key);
      const ttl = await redis.pttl(key);
      throw new EvolveError(
        'BACKFILL_PARTITION_BUSY',
        `${what} is being run by another worker (${holder?.split(' ')[0] ?? 'unknown'}, lease for ${Math.max(0, Math.ceil(ttl / 1000))} s more); this attempt is retried once the lease is free.`,
      );
    }
    lease.timer = setInterval(() => void lease.renew(), lease.renewEveryMs);
    lease.timer.unref();
    return lease;
  }

  /** Aborted when the lease is found taken by another runner or gone: stop writing at once. */
  get signal(): AbortSignal {
    return this.lost.signal;
  }

  private async renew(): Promise<void> {
    try {
      const ok = await this.redis.eval(RENEW, 1, this.key, this.token, this.ttlMs);
      if (ok !== 1) this.lose();
    } catch {
      // Redis unreachable: keep running until the lease would have expired
      // anyway; the next successful renewal (or its failure) decides.
    }
  }

  private lose(): void {
    if (this.timer) clearInterval(this.timer);
    this.lost.abort(new Error('partition lease lost'));
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
