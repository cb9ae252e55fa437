import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EvolveError, type ErrorCode } from '../errors.js';

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

export interface RedisLeaseOptions {
  /** How long the lease outlives its last renewal (a dead worker's lease expires after this; default 30 s). */
  ttlMs?: number;
  /** How often it is renewed while held; well under ttlMs. */
  renewEveryMs?: number;
  /** Who holds it, for the busy message (host and pid by default). */
  owner?: string;
  /**
   * How long acquire waits for a held lease to be released or to expire
   * before it gives up as busy (default 0: at once). A worker that took a
   * dead worker's job over waits out the dead one's lease here instead of
   * spending an attempt and a backoff.
   */
  waitMs?: number;
}

/** What the lease is for, in the busy message, and the (transient) code of that error. */
export interface LeaseSubject {
  what: string;
  busyCode: Extract<ErrorCode, 'BACKFILL_PARTITION_BUSY' | 'STEP_BUSY'>;
}

const WAIT_POLL_MS = 200;

/** tryAcquire never builds a busy error, so it needs no subject. */
const NO_SUBJECT: LeaseSubject = { what: 'this role', busyCode: 'STEP_BUSY' };

/**
 * One runner of a piece of work at a time, across processes. BullMQ hands a
 * job to another worker when the first one's lock lapses (an event loop
 * stalled past the lock duration, a process stopped), while the first may
 * still be working: the lease is the fence. The second runner waits (or its
 * attempt fails as busy and is retried), and a runner that loses its lease
 * is told by `signal` and by `assertHeld`, which it calls before each side
 * effect.
 */
export class RedisLease {
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly token: string;
  private readonly lost = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly subject: LeaseSubject,
    options: RedisLeaseOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(100, Math.floor(this.ttlMs / 4));
    this.token = `${options.owner ?? `pid ${process.pid}`} ${randomUUID()}`;
  }

  /** Takes the lease (waiting up to `waitMs` for it), or throws the subject's busy error (transient). */
  static async acquire(
    redis: Redis,
    key: string,
    subject: LeaseSubject,
    options: RedisLeaseOptions = {},
  ): Promise<RedisLease> {
    const lease = new RedisLease(redis, key, subject, options);
    const deadline = Date.now() + (options.waitMs ?? 0);
    while ((await redis.set(key, lease.token, 'PX', lease.ttlMs, 'NX')) !== 'OK') {
      if (Date.now() >= deadline) throw await lease.busy();
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
    lease.timer = setInterval(() => void lease.renew(), lease.renewEveryMs);
    lease.timer.unref();
    return lease;
  }

  /**
   * Takes the lease if it is free now, else resolves undefined: for a role
   * only one process plays at a time (the Slack writer, a reconcile run),
   * where a busy lease is the normal case, not an error.
   */
  static async tryAcquire(
    redis: Redis,
    key: string,
    options: Omit<RedisLeaseOptions, 'waitMs'> = {},
  ): Promise<RedisLease | undefined> {
    const lease = new RedisLease(redis, key, NO_SUBJECT, options);
    if ((await redis.set(key, lease.token, 'PX', lease.ttlMs, 'NX')) !== 'OK') return undefined;
    lease.timer = setInterval(() => void lease.renew(), lease.renewEveryMs);
    lease.timer.unref();
    return lease;
  }

  /** Still ours as far as this process knows (the last renewal kept it). */
  get held(): boolean {
    return !this.lost.signal.aborted;
  }

  /** Stops renewing without releasing, as a process that dies would: the lease lapses after its TTL. */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Aborted when the lease is found taken by another runner or gone: stop writing at once. */
  get signal(): AbortSignal {
    return this.lost.signal;
  }

  /**
   * Asks Redis whether this runner still holds the lease; throws the busy
   * error if not. Called right before a side effect a second runner could
   * repeat (a job submitted twice), so a runner that was frozen while the
   * other took over learns it before acting, not at its next renewal.
   */
  async assertHeld(): Promise<void> {
    if (!this.lost.signal.aborted && (await this.redis.get(this.key)) === this.token) return;
    this.lose();
    throw await this.busy();
  }

  private async busy(): Promise<EvolveError> {
    const [holder, ttl] = await Promise.all([this.redis.get(this.key), this.redis.pttl(this.key)]);
    const who =
      holder === null
        ? 'none now; this runner lost it'
        : `${holder.split(' ')[0] ?? 'unknown'}, lease for ${Math.max(0, Math.ceil(ttl / 1000))} s more`;
    return new EvolveError(
      this.subject.busyCode,
      `${this.subject.what} is being run by another worker (${who}); this attempt is retried once the lease is free.`,
    );
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
    if (!this.lost.signal.aborted) this.lost.abort(new Error('lease lost'));
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
