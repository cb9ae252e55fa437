import type { Redis } from 'ioredis';
import type { UserNames } from '../evolution/ports/user-names.js';
import { RedisKeys } from './redis-keys.js';

/** Names change rarely; one that has not been seen again for this long is asked again (or shown as its id). */
export const USER_NAMES_TTL_MS = 90 * 24 * 3600_000;
const MAX_NAME_LENGTH = 80;

/** The installation's UserNames in one Redis hash (id -> name), shared by the bot and the CLI. */
export class RedisUserNames implements UserNames {
  private readonly key: string;
  /** What this process wrote already: a person sending ten commands is one write, not ten. */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.key = new RedisKeys(keyPrefix).userNames();
  }

  async namesOf(ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const values = await this.redis.hmget(this.key, ...unique);
    const names = new Map<string, string>();
    unique.forEach((id, i) => {
      const name = values[i];
      if (name) names.set(id, name);
    });
    return names;
  }

  async remember(id: string, name: string): Promise<void> {
    // Printed as is in a terminal: no control characters (escape sequences), and short.
    const clean = name
      .replace(/\p{Cc}/gu, '')
      .trim()
      .slice(0, MAX_NAME_LENGTH);
    if (!clean || this.written.get(id) === clean) return;
    await this.redis.multi().hset(this.key, id, clean).pexpire(this.key, USER_NAMES_TTL_MS).exec();
    this.written.set(id, clean);
  }
}
