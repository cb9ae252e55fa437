import type { Redis } from 'ioredis';
import type { FieldWrite } from './token-bucket.js';

export type BackfillPhase = 'emit' | 'verify' | 'done';

/** Fixed when a partition's run first starts; a resumed run reuses it so that it re-plans the same records. */
export interface PartitionRunStart {
  /** S[p]. */
  prodEnd: number;
  prodStart: number;
  tempStart: number;
  tempEnd: number;
  /** C[p] when recorded by the partition's own run; -1 when another partition's run recorded the start (C[p] comes with the job). */
  cutover: number;
  partitions: number;
  startedAt: number;
}

export interface PartitionProgress {
  phase: BackfillPhase;
  /** Emission segment the position refers to: TEMP-keyed records first, then production-only deletes. */
  segment: 'temp' | 'prod';
  /** Last emitted sort key of the segment (a TEMP offset, or a PROD offset of a production-only key); -1 before any. */
  position: number;
  /** PROD offset the tail had read to when the last chunk was acknowledged. */
  tailPosition: number;
  refreshed: number;
  deleted: number;
  repaired: number;
  dropped: number;
  /** JSON of the final report once phase is done. */
  report?: string;
}

/**
 * Checkpoints of one backfill run in Redis, one hash per partition. Written
 * after each acknowledged chunk in a single HSET (the emitter sends it with
 * the next chunk's token reservation, before that chunk is sent), so a
 * process killed at any moment resumes at a chunk boundary: at worst one
 * chunk is produced twice, with the same values.
 */
export class BackfillCheckpoints {
  constructor(
    private readonly redis: Redis,
    /** RedisKeys.backfillCheckpoint of the installation. */
    private readonly keyOf: (runId: string, partition: number) => string,
  ) {}

  key(runId: string, partition: number): string {
    return this.keyOf(runId, partition);
  }

  /** Records the run start unless one is already recorded; returns the one in force. */
  async begin(
    runId: string,
    partition: number,
    start: PartitionRunStart,
  ): Promise<PartitionRunStart> {
    const key = this.key(runId, partition);
    await this.redis.hsetnx(key, 'start', JSON.stringify(start));
    const initial: PartitionProgress = {
      phase: 'emit',
      segment: 'temp',
      position: -1,
      tailPosition: start.prodEnd,
      refreshed: 0,
      deleted: 0,
      repaired: 0,
      dropped: 0,
    };
    // Separate HSETNX: a crash between the two still leaves a resumable pair.
    await this.redis.hsetnx(key, 'progress', JSON.stringify(initial));
    return JSON.parse((await this.redis.hget(key, 'start')) ?? 'null') as PartitionRunStart;
  }

  async loadStart(runId: string, partition: number): Promise<PartitionRunStart | undefined> {
    const raw = await this.redis.hget(this.key(runId, partition), 'start');
    return raw ? (JSON.parse(raw) as PartitionRunStart) : undefined;
  }

  async load(runId: string, partition: number): Promise<PartitionProgress | undefined> {
    const raw = await this.redis.hget(this.key(runId, partition), 'progress');
    return raw ? (JSON.parse(raw) as PartitionProgress) : undefined;
  }

  async save(runId: string, partition: number, progress: PartitionProgress): Promise<void> {
    const w = this.write(runId, partition, progress);
    await this.redis.hset(w.key, w.field, w.value);
  }

  /** The write `save` makes, for a caller that sends it along with another script (the next chunk's tokens). */
  write(runId: string, partition: number, progress: PartitionProgress): FieldWrite {
    return { key: this.key(runId, partition), field: 'progress', value: JSON.stringify(progress) };
  }

  async clear(runId: string, partition: number): Promise<void> {
    await this.redis.del(this.key(runId, partition));
  }
}
