import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { SlackOutbox } from './slack-outbox.js';
import { RedisKeys } from '../store/redis-keys.js';
import { findPostedEntry } from './find-posted-entry.js';
import { SlackEntryPoster } from './slack-entry-poster.js';
import { SlackStreamWriter } from './slack-stream-writer.js';
import { RedisSlackThreads } from './slack-threads.js';

export interface SlackWriterConfig {
  botToken: string;
  /** Another Slack Web API (the local fake in tests and the playground). */
  slackApiUrl?: string;
  redis: Redis;
  keyPrefix: string;
  /** Outbox pacing per channel (default 1000 ms: Slack's ~1 message/s). */
  minIntervalMs?: number;
  leaseMs?: number;
  blockMs?: number;
  retryDelayMs?: number;
  consumer?: string;
  logger?: { warn(message: string): void };
}

export interface SlackWriter {
  writer: SlackStreamWriter;
  outbox: SlackOutbox;
  /** The Web API client it posts with (the bot's other Slack reads may share it). */
  client: WebClient;
  start(): Promise<void>;
  /** Posts what it holds, then stops and hands the lease back. */
  stop(): Promise<void>;
}

/**
 * The Slack writer from the bot token alone: no Bolt app, no service. The
 * bot (`evolve bot`, `evolve all`, `npm start`) runs it; workers and the CLI
 * only append to the stream it reads.
 */
export function createSlackWriter(config: SlackWriterConfig): SlackWriter {
  const client = new WebClient(config.botToken, {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    // Pacing and Retry-After are the outbox's job; a client that sleeps on 429 by itself would defeat it.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  const outbox = new SlackOutbox(client, {
    ...(config.minIntervalMs !== undefined ? { minIntervalMs: config.minIntervalMs } : {}),
    ...(config.logger ? { logger: config.logger } : {}),
  });
  const keys = new RedisKeys(config.keyPrefix);
  const writer = new SlackStreamWriter({
    redis: config.redis,
    keys,
    poster: new SlackEntryPoster(
      outbox,
      new RedisSlackThreads(config.redis, keys),
      findPostedEntry(client),
    ),
    ...pick(config, ['consumer', 'leaseMs', 'blockMs', 'retryDelayMs', 'logger']),
  });
  return {
    writer,
    outbox,
    client,
    start: () => writer.start(),
    async stop() {
      await writer.stop();
      await outbox.idle();
    },
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
