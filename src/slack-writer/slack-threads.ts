import type { KnownBlock } from '@slack/types';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../store/redis-keys.js';

/** Where an evolution's thread is in Slack. */
export interface SlackThreadIds {
  channel: string;
  threadTs: string;
  cardTs: string;
}

/** The approval request the writer posted in a thread: what its buttons sit in. */
export interface PostedApproval {
  ts: string;
  blocks: KnownBlock[];
  /** The decision it already shows, once its buttons gave way. */
  closed?: string;
}

/** The writer's memory of threads; in Redis so a restarted bot continues the same thread. */
export interface SlackThreads {
  get(evolutionId: string): Promise<SlackThreadIds | undefined>;
  set(evolutionId: string, ids: SlackThreadIds): Promise<void>;
  forget(evolutionId: string): Promise<void>;
  /** The latest approval request posted for the evolution (a new request replaces it). */
  approval(evolutionId: string): Promise<PostedApproval | undefined>;
  setApproval(evolutionId: string, approval: PostedApproval): Promise<void>;
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

  async approval(evolutionId: string): Promise<PostedApproval | undefined> {
    const [ts, blocks, closed] = await this.redis.hmget(
      this.keys.slackThread(evolutionId),
      'approvalTs',
      'approvalBlocks',
      'approvalClosed',
    );
    if (!ts || !blocks) return undefined;
    try {
      return { ts, blocks: JSON.parse(blocks) as KnownBlock[], ...(closed ? { closed } : {}) };
    } catch {
      return undefined;
    }
  }

  async setApproval(evolutionId: string, a: PostedApproval): Promise<void> {
    const key = this.keys.slackThread(evolutionId);
    await this.redis
      .multi()
      .hset(key, {
        approvalTs: a.ts,
        approvalBlocks: JSON.stringify(a.blocks),
        approvalClosed: a.closed ?? '',
      })
      .expire(key, KEEP_SECONDS)
      .exec();
  }
}
