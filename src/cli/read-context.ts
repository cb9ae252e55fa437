import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../config/load-config.js';
import { EvolutionReader } from '../service/evolution-reader.js';
import { RedisEvolutionStore } from '../store/redis-evolution-store.js';
import { RedisKeys } from '../store/redis-keys.js';
import { RedisPipelineRegistry } from '../store/redis-pipeline-registry.js';
import { RedisThreadLog } from '../store/redis-thread-log.js';
import { RedisUserNames } from '../store/redis-user-names.js';
import { systemClock } from '../store/system-clock.js';
import { CliNames } from './cli-names.js';
import { lookUpSlackNames } from './slack-user-lookup.js';

/** What a CLI call waits for Slack to name people it has not seen; then it prints their ids. */
export const SLACK_NAMES_TIMEOUT_MS = 800;

export interface ReadContext {
  config: Config;
  redis: Redis;
  reader: EvolutionReader;
  threadLog: RedisThreadLog;
  /** Prints lines with people named (learnt from Slack requests, or users.info with a bot token). */
  names: CliNames;
  close(): Promise<void>;
}

/** People's names for one CLI call: Redis first, then Slack's users.info with a bot token. */
export function cliNames(config: Config, redis: Redis, keyPrefix: string): CliNames {
  const slack = config.slack;
  return new CliNames(
    new RedisUserNames(redis, keyPrefix),
    slack
      ? (ids) =>
          lookUpSlackNames(ids, {
            botToken: slack.botToken,
            ...(slack.apiUrl ? { apiUrl: slack.apiUrl } : {}),
            timeoutMs: SLACK_NAMES_TIMEOUT_MS,
          })
      : undefined,
  );
}

/**
 * The stores alone, for the verbs that only read (pipelines, status,
 * history): no queues, Kafka, Flink clients or SQL parser are loaded, so
 * such a call answers in well under two seconds.
 */
export function readContext(env: NodeJS.ProcessEnv = process.env): ReadContext {
  const config = loadConfig(env);
  const prefix = config.redis.keyPrefix;
  // A read gives up on an unreachable Redis instead of waiting for it forever.
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
  const pipelines = new RedisPipelineRegistry({ redis, prefix });
  const evolutions = new RedisEvolutionStore({ redis, pipelines, clock: systemClock, prefix });
  const threadLog = new RedisThreadLog(redis, new RedisKeys(prefix));
  return {
    config,
    redis,
    reader: new EvolutionReader({
      pipelines,
      evolutions,
      audit: evolutions.audit,
      clock: systemClock,
    }),
    threadLog,
    names: cliNames(config, redis, prefix),
    async close() {
      await threadLog.close();
      await redis.quit().catch(() => undefined);
    },
  };
}
