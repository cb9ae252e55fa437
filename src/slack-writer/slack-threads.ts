import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis-keys.js';

/** Where an evolution's thread is in Slack. */
export interface SlackThreadIds {
  channel: string;
  threadTs: string;
  cardTs: string;
}

/** The writer's memory of threads; in Redis so a restarted bot continues the same thread. */
export interface SlackThreads {
  get(evolutionId: string): Promise<SlackThreadIds | undefined>;
  set(evolutionId: string, ids: SlackThreadIds): Promise<void>;
  forget(evolutionId: string): Promise<void>;
}

const KEEP_SECONDS = 90 * 24 * 3600;

/**
 * Kept apart from the evolution record on purpose: the writer updating that
 * record (compare-and-set on its version) would race the workers' steps.
 */
export class RedisSlackThreads implements SlackThreads {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(evolutionId: string): Promise<SlackThreadIds | undefined> {
    const h = await this.redis.hgetall(this.keys.slackThread(evolutionId));
    if (!h.channel || !h.threadTs || !h.cardTs) return undefined;
    return { channel: h.channel, threadTs: h.threadTs, cardTs: h.cardTs };
  }

  async set(evolutionId: string, ids: SlackThreadIds): Promise<void> {
    const key = this.keys.slackThread(evolutionId);
    await this.redis
      .multi()
      .hset(key, { ...ids })
      .expire(key, KEEP_SECONDS)
      .exec();
  }

  async forget(evolutionId: string): Promise<void> {
    await this.redis.del(this.keys.slackThread(evolutionId));
  }
}
