import { MetricsTime, Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import {
  backfillParentProcessor,
  partitionProcessor,
  type BackfillRuntime,
} from './backfill-processors.js';
import type { EvolveQueues, QueueNames } from './evolve-queues.js';
import { observeProcessor } from './observe-processor.js';
import { stepProcessor } from './step-processor.js';

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

  constructor(options: EvolveWorkersOptions) {
    const { deps, queues, backfill } = options;
    const observeEveryMs = options.observeEveryMs ?? 30_000;
    const wrap: ProcessorWrapper = options.wrap ?? ((_queue, processor) => processor);
    const make = <T, R>(queue: keyof QueueNames, processor: Processor<T, R>, concurrency: number) =>
      new Worker<T, R>(queues.names[queue], wrap(queue, processor), {
        connection: options.connection.duplicate(),
        concurrency,
        // The lock is renewed while a step waits on Flink (the event loop stays free), so it only
        // decides how soon a killed worker's job is taken over: 30 s, checked every 15 s.
        lockDuration: 30_000,
        stalledInterval: 15_000,
        // Every handler resumes from persisted markers, so a job whose worker died is always
        // re-run. BullMQ's default (1) would fail it on the second death, without running the
        // handler, and leave the evolution stuck mid-deploy.
        maxStalledCount: 1_000,
        // Completed/failed counts for queue.exportPrometheusMetrics(); without them it reports 0.
        metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      });
    this.partitions = make(
      'partitions',
      partitionProcessor(backfill),
      options.partitionConcurrency ?? 2,
    );
    this.workers = [
      make('steps', stepProcessor(deps, queues, observeEveryMs), 4),
      this.partitions,
      make('backfill', backfillParentProcessor(deps), 2),
      make(
        'observe',
        observeProcessor(deps, queues, {
          redis: backfill.redis,
          keyPrefix: backfill.keyPrefix,
          admin: backfill.admin,
          lagThreshold: options.observeLagThreshold ?? 1_000,
        }),
        1,
      ),
    ];
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
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
