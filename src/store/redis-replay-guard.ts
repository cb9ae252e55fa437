import type { Redis } from 'ioredis';
import type { ReplayGuard } from '../bot/replay-guard.js';
import { RedisKeys } from './redis-keys.js';

/**
 * The replay guard shared by every bot process of an installation: one
 * `SET NX PX` per delivery, so the first process to see it wins and the key
 * lapses by itself once a replay would be refused for its age anyway.
 */
export class RedisReplayGuard implements ReplayGuard {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix?: string,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  async firstSeen(id: string, ttlMs: number): Promise<boolean> {
    const set = await this.redis.set(
      this.keys.slackDelivery(id),
      '1',
      'PX',
      Math.max(1, Math.ceil(ttlMs)),
      'NX',
    );
    return set === 'OK';
  }
}
