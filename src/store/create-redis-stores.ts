import type { Redis } from 'ioredis';
import type { Clock } from '../evolution/ports/clock.js';
import { RedisAuditLog } from './redis-audit-log.js';
import { RedisEvolutionStore } from './redis-evolution-store.js';
import { RedisPipelineRegistry } from './redis-pipeline-registry.js';

export interface RedisStores {
  pipelines: RedisPipelineRegistry;
  evolutions: RedisEvolutionStore;
  audit: RedisAuditLog;
}

/** The three stores over one connection and one prefix, wired the way every process needs them. */
export function createRedisStores(options: {
  redis: Redis;
  clock: Clock;
  prefix?: string;
  auditMaxLen?: number;
}): RedisStores {
  const pipelines = new RedisPipelineRegistry({ redis: options.redis, prefix: options.prefix });
  const evolutions = new RedisEvolutionStore({ ...options, pipelines });
  return { pipelines, evolutions, audit: evolutions.audit };
}
