import { MetricsTime, Worker, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import {
  backfillParentProcessor,
  partitionProcessor,
  type BackfillRuntime,
} from './backfill-processors.js';
import type { EvolveQueues, QueueNames } from './evolve-queues.js';
import { observeProcessor } from './observe-processor.js';
import { reconcileProcessor } from './reconcile-processor.js';
import { redisStepLease, stepProcessor } from './step-processor.js';

export interface EvolveWorkersOptions {
  /** A connection for BullMQ's blocking commands (maxRetriesPerRequest: null); each worker duplicates it. */
  connection: Redis;
  deps: WorkflowDeps;
  queues: EvolveQueues;
  backfill: BackfillRuntime;
  /** Partitions this process works on at once. */
  partitionConcurrency?: number;
  observeEveryMs?: number;
  /** Input records above which the observer reports the shadow as behind. Default 1000. */
  observeLagThreshold?: number;
  /** Wraps each queue's processor (logging, metrics) without the processors knowing. */
  wrap?: ProcessorWrapper;
  /** How often the reconcile loop looks for evolutions whose step job is missing. Default 5 s. */
  reconcileEveryMs?: number;
  /** The steps queue's job lock and stall check; the defaults are DEFAULT_STEP_LOCK. */
  stepLock?: Partial<StepLockOptions>;
}

export interface StepLockOptions {
  /** A dead worker's step is taken over at most this long plus stalledIntervalMs after its last renewal. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** How often a live worker renews it (BullMQ's default: half the duration). Tests raise it to make a lock lapse. */
  lockRenewMs?: number;
}

/**
 * A deploy whose worker dies inside the cutover (v1 stopped, v2 not yet
 * submitted) leaves production without a job until another worker takes it
 * over: after at most the lock (4 s) plus one stall check (2 s), so about
 * 6 s in the worst case, well inside the ~10 s the cutover may cost (6 s + 3 s
 * sat at its edge: 9.6 s extra was measured once). The lock is renewed every
 * 2 s while the step waits on Flink (the event loop stays free); should a
 * stalled loop let it lapse on a live worker, the step lease (same 4 s) keeps
 * the two from acting side by side.
 */
export const DEFAULT_STEP_LOCK: StepLockOptions = {
  lockDurationMs: 4_000,
  stalledIntervalMs: 2_000,
};

/**
 * The other queues' lock: renewed while a job waits (the event loop stays
 * free), so it only decides how soon a killed worker's job is taken over,
 * which costs production nothing there.
 */
const QUEUE_LOCK: StepLockOptions = { lockDurationMs: 30_000, stalledIntervalMs: 15_000 };

function workerOptions(
  connection: Redis,
  concurrency: number,
  lock: StepLockOptions = QUEUE_LOCK,
): WorkerOptions {
  return {
    connection: connection.duplicate(),
    concurrency,
    lockDuration: lock.lockDurationMs,
    stalledInterval: lock.stalledIntervalMs,
    ...(lock.lockRenewMs !== undefined ? { lockRenewTime: lock.lockRenewMs } : {}),
    // Every handler resumes from persisted markers, so a job whose worker died is always
    // re-run. BullMQ's default (1) would fail it on the second death, without running the
    // handler, and leave the evolution stuck mid-deploy.
    maxStalledCount: 1_000,
    // Completed/failed counts for queue.exportPrometheusMetrics(); without them it reports 0.
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
  };
}

/** Decorates a processor; given the queue so that each can be observed for what its jobs tell. */
export type ProcessorWrapper = <T, R>(
  queue: keyof QueueNames,
  processor: Processor<T, R>,
) => Processor<T, R>;

/**
 * The worker process: one BullMQ worker per queue. Any number of these run
 * on any hosts that reach Redis; a partition goes to whichever is free.
 */
export class EvolveWorkers {
  readonly workers: Worker[];
  private readonly partitions: Worker;
  private readonly queues: EvolveQueues;
  private readonly reconcileEveryMs: number;

  constructor(options: EvolveWorkersOptions) {
    const { deps, queues, backfill } = options;
    const observeEveryMs = options.observeEveryMs ?? 30_000;
    const wrap: ProcessorWrapper = options.wrap ?? ((_queue, processor) => processor);
    const stepLock = { ...DEFAULT_STEP_LOCK, ...options.stepLock };
    this.reconcileEveryMs = options.reconcileEveryMs ?? 5_000;
    this.queues = queues;
    const make = <T, R>(
      queue: keyof QueueNames,
      processor: Processor<T, R>,
      concurrency: number,
      lock: StepLockOptions = QUEUE_LOCK,
    ) =>
      new Worker<T, R>(
        queues.names[queue],
        wrap(queue, processor),
        workerOptions(options.connection, concurrency, lock),
      );
    this.partitions = make(
      'partitions',
      partitionProcessor(backfill, deps),
      options.partitionConcurrency ?? 2,
    );
    const observe = observeProcessor(deps, queues, {
      redis: backfill.redis,
      keyPrefix: backfill.keyPrefix,
      admin: backfill.admin,
      lagThreshold: options.observeLagThreshold ?? 1_000,
    });
    const reconcile = reconcileProcessor(deps, queues, {
      redis: backfill.redis,
      keyPrefix: backfill.keyPrefix,
    });
    const lease = {
      redis: backfill.redis,
      keyPrefix: backfill.keyPrefix,
      ttlMs: stepLock.lockDurationMs,
    };
    this.workers = [
      make(
        'steps',
        stepProcessor(deps, queues, observeEveryMs, redisStepLease(lease)),
        4,
        stepLock,
      ),
      this.partitions,
      make('backfill', backfillParentProcessor(deps), 2),
      make('observe', observe, 1),
      // Not wrapped: it runs every few seconds, and what it queues is logged when that job runs.
      new Worker(queues.names.reconcile, reconcile, workerOptions(options.connection, 1)),
    ];
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    await this.queues.reconcileEvery(this.reconcileEveryMs);
  }

  /**
   * SIGTERM: develop, deploy and rollback steps finish what they are doing
   * (minutes at most; a deploy half-done is worse than a slower stop), while
   * backfill partitions, which can run for hours, are handed back at their
   * next chunk and resume from their checkpoints on any worker.
   */
  async close(): Promise<void> {
    this.partitions.cancelAllJobs('worker shutting down');
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
