import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { isDefinitiveError } from '../errors.js';
import type { BackfillReport } from '../evolution/evolution.js';
import { backfillGaveUp } from '../evolution/workflow/backfill-gave-up.js';
import { finishBackfill, sumReports } from '../evolution/workflow/finish-backfill.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import { BackfillCheckpoints } from '../kafka/backfill-checkpoint.js';
import {
  runBackfillPartition,
  type PartitionBackfillReport,
} from '../kafka/run-backfill-partition.js';
import { TokenBucket } from '../kafka/token-bucket.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';
import type { BackfillProgressRelay } from './backfill-progress-relay.js';
import { PartitionLease } from './partition-lease.js';
import type { BackfillJobData, PartitionJobData } from './evolve-queues.js';
import { RedisKeys } from '../store/redis-keys.js';

export interface BackfillRuntime {
  redis: Redis;
  kafka: Kafka;
  admin: TopicAdmin;
  keyPrefix: string;
  relay: BackfillProgressRelay;
  /** How often a running partition looks for a cancel. */
  cancelPollMs?: number;
  /** The partition lease's lifetime without renewal (default 30 s). */
  leaseTtlMs?: number;
}

/** How long a run's cancel mark outlives it: longer than any run's retries. */
const CANCEL_TTL_MS = 7 * 24 * 3600_000;

/**
 * One partition of a run: the engine does the work; this wires cancel,
 * throttle and progress. A definitive failure (or the last attempt) ends the
 * whole run as failed at once, instead of leaving its parent waiting for
 * this partition forever.
 */
export function partitionProcessor(rt: BackfillRuntime, deps: WorkflowDeps) {
  return async (
    job: Job<PartitionJobData>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<PartitionBackfillReport | { cancelled: true }> => {
    const d = job.data;
    const keys = new RedisKeys(rt.keyPrefix).backfillRun(d.runId);
    // Before anything else: a second runner of this partition (a job taken
    // over while its first worker still lives) waits for the first to end.
    const lease = await PartitionLease.acquire(
      rt.redis,
      keys.lease(d.partition),
      `Partition ${d.partition} of backfill ${d.runId}`,
      { owner: `${hostname()}:${process.pid}`, ...(rt.leaseTtlMs ? { ttlMs: rt.leaseTtlMs } : {}) },
    );
    const abort = new AbortController();
    // BullMQ aborts `signal` when this worker shuts down (EvolveWorkers.close).
    let shuttingDown = false;
    signal?.addEventListener(
      'abort',
      () => {
        shuttingDown = true;
        abort.abort();
      },
      { once: true },
    );
    lease.signal.addEventListener('abort', () => abort.abort(), { once: true });
    const poll = setInterval(() => {
      void rt.redis.exists(keys.cancel).then(
        (n) => n === 1 && abort.abort(),
        () => undefined,
      );
    }, rt.cancelPollMs ?? 1_000);
    try {
      if ((await rt.redis.exists(keys.cancel)) === 1) return { cancelled: true };
      return await runBackfillPartition(
        {
          kafka: rt.kafka,
          admin: rt.admin,
          bucket: new TokenBucket(rt.redis, keys.bucket),
          checkpoints: new BackfillCheckpoints(rt.redis, (run, p) =>
            new RedisKeys(rt.keyPrefix).backfillCheckpoint(run, p),
          ),
        },
        {
          runId: d.runId,
          prodTopic: d.prodTopic,
          tempTopic: d.tempTopic,
          partition: d.partition,
          cutover: d.cutover,
          partitions: d.partitions,
          mode: d.mode,
          signal: abort.signal,
          onProgress: rt.relay.reporter(d.evolutionId, d.runId),
        },
      );
    } catch (err) {
      if (abort.signal.aborted && (await rt.redis.exists(keys.cancel)) === 1)
        return { cancelled: true };
      if (shuttingDown && token) {
        // SIGTERM: hand the partition back without spending an attempt; any
        // worker resumes it from its checkpoint. The lease goes first, so the
        // next runner does not find it busy.
        await lease.release();
        await job.moveToWait(token);
        throw new WaitingError();
      }
      // Aborted without a cancel: the lease was lost (another runner, or
      // Redis away); the next attempt resumes from the checkpoint.
      const definitive = isDefinitiveError(err) && !abort.signal.aborted;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!definitive && !lastAttempt) throw err;
      // The other partitions stop at their next chunk; a new run has its own id.
      await rt.redis.set(keys.cancel, '1', 'PX', CANCEL_TTL_MS);
      await backfillGaveUp(deps, d.evolutionId, d.runId, d.partition, err, {
        retried: !definitive,
      });
      if (definitive) throw new UnrecoverableError(err.userMessage);
      throw err;
    } finally {
      clearInterval(poll);
      await lease.release();
    }
  };
}

/** Runs after every partition finished: sums their reports and completes (or reports conflicts). */
export function backfillParentProcessor(deps: WorkflowDeps) {
  return async (
    job: Job<BackfillJobData>,
  ): Promise<{ status: string; report?: BackfillReport }> => {
    const values = Object.values(await job.getChildrenValues()) as Array<
      PartitionBackfillReport | { cancelled: true }
    >;
    if (values.some((v) => 'cancelled' in v)) return { status: 'cancelled' };
    const reports = values as PartitionBackfillReport[];
    const report = sumReports(reports, deps.clock.now() - job.data.startedAt);
    const ev = await finishBackfill(deps, job.data.evolutionId, job.data.runId, report);
    return { status: ev.status, report };
  };
}
