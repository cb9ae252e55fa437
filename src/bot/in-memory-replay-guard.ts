import type { ReplayGuard } from './replay-guard.js';

/**
 * One process's memory of deliveries: the default when no shared guard is
 * given (tests, the playground). Several bot processes need the Redis one.
 */
export class InMemoryReplayGuard implements ReplayGuard {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  firstSeen(id: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    this.forgetExpired(now);
    const expiry = this.expiries.get(id);
    if (expiry !== undefined && expiry > now) return Promise.resolve(false);
    this.expiries.set(id, now + ttlMs);
    return Promise.resolve(true);
  }

  /** A full scan: one process sees a few thousand deliveries in a replay window at most. */
  private forgetExpired(now: number): void {
    for (const [id, expiry] of this.expiries) {
      if (expiry <= now) this.expiries.delete(id);
    }
  }
}
