import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/**
 * The evolutions the reconcile loop looks at. The store keeps the working
 * set in the same script as each write (an evolution is in it while it is
 * active, or aborted and not yet cleaned up); each pipeline's active pointer
 * is read too, so an evolution written before the set existed is not missed.
 */
export class WorkingEvolutionIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async ids(): Promise<string[]> {
    const [working, pipelines] = await Promise.all([
      this.redis.smembers(this.keys.workingEvolutions()),
      this.redis.smembers(this.keys.pipelineNames()),
    ]);
    const active =
      pipelines.length === 0
        ? []
        : await this.redis.mget(pipelines.map((p) => this.keys.activeEvolution(p)));
    const ids = new Set(working);
    for (const id of active) if (id) ids.add(id);
    return [...ids];
  }

  /** Drops an id whose record is gone or needs no step any more. */
  async forget(id: string): Promise<void> {
    await this.redis.srem(this.keys.workingEvolutions(), id);
  }
}
