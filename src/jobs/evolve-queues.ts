import { FlowProducer, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';

export interface QueueNames {
  steps: string;
  backfill: string;
  partitions: string;
  observe: string;
  /** The reconcile loop's scheduled job: on its own queue, so the other queues' counts stay theirs. */
  reconcile: string;
}

/** Queue names under a namespace, so tests (and several installations on one Redis) never share a queue. */
export function queueNames(namespace = 'evolve'): QueueNames {
  if (!/^[a-zA-Z0-9_-]+$/.test(namespace)) {
    throw new Error(`queue namespace '${namespace}' may only contain letters, digits, '_' and '-'`);
  }
  return {
    steps: `${namespace}-steps`,
    backfill: `${namespace}-backfill`,
    partitions: `${namespace}-backfill-partition`,
    observe: `${namespace}-observe`,
    reconcile: `${namespace}-reconcile`,
  };
}

export type StepName =
  'develop' | 'deploy' | 'rollback' | 'cleanup' | 'snapshot' | 'expire' | 'merge';

/** The reconcile loop's scheduler id on its queue. */
const RECONCILE_SCHEDULER = 'reconcile';

export interface StepJobData {
  evolutionId: string;
}

export interface PartitionJobData {
  evolutionId: string;
  runId: string;
  prodTopic: string;
  tempTopic: string;
  partition: number;
  cutover: number;
  partitions: number;
  mode: 'full' | 'refresh-only';
}

export interface BackfillJobData {
  evolutionId: string;
  runId: string;
  startedAt: number;
}

export interface StepRetryPolicy {
  attempts: number;
  /** First backoff; BullMQ doubles it for each later attempt. */
  delayMs: number;
}

/** 12 attempts from 2 s: the last one about 68 minutes after the first failure. */
export const DEFAULT_STEP_RETRY: StepRetryPolicy = { attempts: 12, delayMs: 2_000 };

/**
 * Steps are waited out through outages: a transient failure (Flink or Kafka
 * unreachable) fails the attempt and BullMQ retries it with backoff; the
 * handler resumes from the persisted step markers. The last attempt that
 * meets the outage gives up (FAILED), see stepProcessor.
 */
function stepJobOptions(retry: StepRetryPolicy): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.delayMs },
    removeOnComplete: { count: 1_000 },
    removeOnFail: { count: 1_000 },
  };
}

/**
 * The producer side of the queues. Job ids are deterministic (`deploy-<id>`),
 * so a doubled click or a retried request adds nothing: BullMQ deduplicates
 * by job id (and ids must not contain ':').
 */
export class EvolveQueues {
  readonly names: QueueNames;
  readonly steps: Queue<StepJobData>;
  readonly backfill: Queue<BackfillJobData>;
  readonly partitions: Queue<PartitionJobData>;
  readonly observe: Queue<StepJobData>;
  readonly reconcile: Queue;
  private readonly flows: FlowProducer;
  private readonly stepOptions: JobsOptions;

  constructor(connection: Redis, namespace?: string, retry: StepRetryPolicy = DEFAULT_STEP_RETRY) {
    this.stepOptions = stepJobOptions(retry);
    this.names = queueNames(namespace);
    this.steps = new Queue(this.names.steps, { connection });
    this.backfill = new Queue(this.names.backfill, { connection });
    this.partitions = new Queue(this.names.partitions, { connection });
    this.observe = new Queue(this.names.observe, { connection });
    this.reconcile = new Queue(this.names.reconcile, { connection });
    this.flows = new FlowProducer({ connection });
  }

  async step(name: StepName, evolutionId: string): Promise<void> {
    await this.steps.add(
      name,
      { evolutionId },
      { ...this.stepOptions, jobId: `${name}-${evolutionId}` },
    );
  }

  /** One parent per run and one child per partition, so any worker on any host takes a partition. */
  async startBackfill(parent: BackfillJobData, children: PartitionJobData[]): Promise<void> {
    await this.flows.add({
      name: 'backfill',
      queueName: this.names.backfill,
      data: parent,
      opts: { ...this.stepOptions, jobId: `backfill-${parent.evolutionId}-${parent.runId}` },
      children: children.map((data) => ({
        name: 'partition',
        queueName: this.names.partitions,
        data,
        opts: {
          ...this.stepOptions,
          // A partition's attempts also absorb worker takeovers and broker
          // blips over a long run, so they never go below 50.
          attempts: Math.max(50, this.stepOptions.attempts ?? 0),
          // A partition that gave up has ended the run (backfillGaveUp): its
          // parent fails too instead of waiting for it forever.
          failParentOnFailure: true,
          jobId: `backfill-${data.evolutionId}-${data.runId}-p${data.partition}`,
        },
      })),
    });
  }

  /** Looks at an active evolution's jobs every `everyMs` until it ends. */
  async watch(evolutionId: string, everyMs: number): Promise<void> {
    await this.observe.upsertJobScheduler(
      `observe-${evolutionId}`,
      { every: everyMs },
      // One every few seconds while the evolution lasts (days): keep the last few, not all.
      {
        name: 'observe',
        data: { evolutionId },
        opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 100 } },
      },
    );
  }

  /**
   * The reconcile loop (reconcileProcessor) every `everyMs`: one scheduler
   * per installation, upserted by every worker.
   */
  async reconcileEvery(everyMs: number): Promise<void> {
    await this.reconcile.upsertJobScheduler(
      RECONCILE_SCHEDULER,
      { every: everyMs },
      {
        name: 'reconcile',
        data: {},
        // One every few seconds, forever: keep none done, a few failed to look at.
        opts: { removeOnComplete: true, removeOnFail: { count: 100 } },
      },
    );
  }

  async unwatch(evolutionId: string): Promise<void> {
    await this.observe.removeJobScheduler(`observe-${evolutionId}`);
  }

  async close(): Promise<void> {
    await Promise.all([
      this.steps.close(),
      this.backfill.close(),
      this.partitions.close(),
      this.observe.close(),
      this.reconcile.close(),
      this.flows.close(),
    ]);
  }

  /** Removes every queue and its jobs: tests only. */
  async obliterate(): Promise<void> {
    for (const q of [this.steps, this.backfill, this.partitions, this.observe, this.reconcile])
      await q.obliterate({ force: true });
  }
}
