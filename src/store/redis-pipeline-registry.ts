import type { Redis } from 'ioredis';
import type { PipelineRegistry } from '../evolution/ports/pipeline-registry.js';
import type { Pipeline, ProductionVersion } from '../evolution/pipeline.js';
import { didYouMean } from '../evolution/did-you-mean.js';
import { PipelineUnknownError } from '../evolution/evolution-errors.js';
import { RedisKeys } from './redis-keys.js';
import { parsePipelineRecord } from './stored-records.js';

export interface RedisPipelineRegistryOptions {
  redis: Redis;
  /** Key prefix, default 'evolve:'. */
  prefix?: string;
}

/**
 * One hash per pipeline: `config` (what the operator declares, replaced on
 * every register) and `production` (written once at registration, then only
 * by deploys), so re-reading an old pipelines file never rewinds production.
 */
export class RedisPipelineRegistry implements PipelineRegistry {
  readonly keys: RedisKeys;
  private readonly redis: Redis;

  constructor(options: RedisPipelineRegistryOptions) {
    this.redis = options.redis;
    this.keys = new RedisKeys(options.prefix);
  }

  async register(pipeline: Pipeline): Promise<Pipeline> {
    const { production, ...config } = pipeline;
    const key = this.keys.pipeline(pipeline.name);
    await this.redis
      .multi()
      .hset(key, 'config', JSON.stringify(config))
      .hsetnx(key, 'production', JSON.stringify(production))
      .sadd(this.keys.pipelineNames(), pipeline.name)
      .exec();
    return this.load(pipeline.name);
  }

  async get(name: string): Promise<Pipeline | undefined> {
    const key = this.keys.pipeline(name);
    const [config, production] = await this.redis.hmget(key, 'config', 'production');
    if (!config || !production) return undefined;
    return parsePipelineRecord(key, config, production);
  }

  async load(name: string): Promise<Pipeline> {
    const pipeline = await this.get(name);
    if (!pipeline) {
      const names = await this.redis.smembers(this.keys.pipelineNames());
      throw new PipelineUnknownError(name, didYouMean(name, names));
    }
    return pipeline;
  }

  async list(): Promise<Pipeline[]> {
    const names = (await this.redis.smembers(this.keys.pipelineNames())).sort();
    const pipelines = await Promise.all(names.map((n) => this.get(n)));
    return pipelines.filter((p): p is Pipeline => p !== undefined);
  }

  async updateProduction(name: string, production: ProductionVersion): Promise<Pipeline> {
    const key = this.keys.pipeline(name);
    // HSET only if the pipeline exists, in one step, so a typo never creates a half pipeline.
    const updated = (await this.redis.eval(
      "if redis.call('HEXISTS', KEYS[1], 'config') == 1 then redis.call('HSET', KEYS[1], 'production', ARGV[1]) return 1 end return 0",
      1,
      key,
      JSON.stringify(production),
    )) as number;
    if (updated !== 1) throw new PipelineUnknownError(name);
    return this.load(name);
  }
}
