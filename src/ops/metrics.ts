import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Evolution } from '../evolution/evolution.js';
import { mergePrometheusText } from './merge-prometheus-text.js';

/** The per-key outcomes a partition report counts; the `kind` label of the records counter. */
export const BACKFILL_RECORD_KINDS = {
  refreshed: 'refreshed',
  deleted: 'deleted',
  unchanged: 'unchanged',
  repaired: 'repaired',
  conflicts: 'conflicts',
  ownedByV2: 'owned_by_v2',
  keptByMode: 'kept_by_mode',
  dropped: 'dropped',
} as const;

export type BackfillCounts = Partial<Record<keyof typeof BACKFILL_RECORD_KINDS, number>>;

export interface EvolveMetricsOptions {
  /** Queues whose BullMQ export (`queue.exportPrometheusMetrics()`) is appended to every scrape. */
  queues?: readonly Queue[];
  /** Node process metrics (memory, CPU, event loop lag); on by default. */
  processMetrics?: boolean;
}

/**
 * The product's Prometheus metrics. Observed from the outside of the
 * workflow (wrapped job processors read results and evolution records), so
 * the domain knows nothing of them. Counts are per process; Prometheus sums
 * the worker processes.
 */
export class EvolveMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  readonly jobDuration: Histogram<'step' | 'outcome'>;
  readonly savepointDuration: Histogram<'pipeline' | 'savepoint'>;
  readonly cutoverGap: Histogram<'pipeline'>;
  readonly lastCutoverGap: Gauge<'pipeline'>;
  readonly backfillRecords: Counter<'kind'>;
  readonly queueExportUp: Gauge<'queue'>;
  private readonly queues: Queue[];

  constructor(options: EvolveMetricsOptions = {}) {
    this.queues = [...(options.queues ?? [])];
    const registers = [this.registry];
    this.jobDuration = new Histogram({
      name: 'evolve_step_duration_seconds',
      help: 'Duration of one attempt of a job (develop, deploy, rollback, backfill, partition, observe) by outcome: the evolution status it left, cancelled, ok, or error (threw).',
      labelNames: ['step', 'outcome'],
      // From an observe poll (well under a second) to a backfill partition of a large topic (hours).
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400],
      registers,
    });
    this.savepointDuration = new Histogram({
      name: 'evolve_savepoint_duration_seconds',
      help: 'Time from requesting a savepoint to its completion, for S1 (v1, kept for rollback) and S2 (the shadow, v2 starts from it).',
      labelNames: ['pipeline', 'savepoint'],
      buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.cutoverGap = new Histogram({
      name: 'evolve_cutover_gap_seconds',
      help: 'Time production had no running job at a cutover: v1 stopped until v2 RUNNING.',
      labelNames: ['pipeline'],
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
      registers,
    });
    this.lastCutoverGap = new Gauge({
      name: 'evolve_last_cutover_gap_seconds',
      help: 'Cutover gap of the latest deploy that reached LIVE, seen by this process.',
      labelNames: ['pipeline'],
      registers,
    });
    this.backfillRecords = new Counter({
      name: 'evolve_backfill_records_total',
      help: 'Keys handled by backfill partitions, by kind (refreshed, deleted, unchanged, repaired, conflicts, owned_by_v2, kept_by_mode, dropped).',
      labelNames: ['kind'],
      registers,
    });
    this.queueExportUp = new Gauge({
      name: 'evolve_queue_metrics_up',
      help: '1 if the last scrape read the queue’s BullMQ metrics from Redis, 0 if it failed.',
      labelNames: ['queue'],
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Adds queues to the export (the bot and the worker build theirs at different times). */
  addQueues(queues: readonly Queue[]): void {
    for (const q of queues) if (!this.queues.includes(q)) this.queues.push(q);
  }

  observeJob(step: string, outcome: string, seconds: number): void {
    this.jobDuration.observe({ step, outcome }, seconds);
  }

  /** Savepoint durations of a deploy (each finished one), and its cutover gap once v2 is LIVE. */
  observeDeploy(evolution: Evolution): void {
    const pipeline = evolution.pipeline;
    for (const [savepoint, record] of Object.entries(evolution.savepoints)) {
      if (record?.completedAt === undefined) continue;
      this.savepointDuration.observe(
        { pipeline, savepoint },
        Math.max(0, record.completedAt - record.requestedAt) / 1000,
      );
    }
    const gapMs = evolution.deploy?.cutoverGapMs;
    if (evolution.status === 'LIVE' && gapMs !== undefined) {
      this.cutoverGap.observe({ pipeline }, gapMs / 1000);
      this.lastCutoverGap.set({ pipeline }, gapMs / 1000);
    }
  }

  countBackfill(report: BackfillCounts): void {
    for (const [field, kind] of Object.entries(BACKFILL_RECORD_KINDS)) {
      const n = report[field as keyof BackfillCounts];
      if (typeof n === 'number' && n > 0) this.backfillRecords.inc({ kind }, n);
    }
  }

  /**
   * The scrape: this registry plus each queue's BullMQ export, as one valid
   * exposition. A queue Redis cannot answer for is left out (and marked in
   * evolve_queue_metrics_up) rather than failing the whole scrape.
   */
  async render(): Promise<string> {
    const exports = await Promise.all(
      this.queues.map(async (q) => {
        try {
          const text = await q.exportPrometheusMetrics();
          this.queueExportUp.set({ queue: q.name }, 1);
          return text;
        } catch {
          this.queueExportUp.set({ queue: q.name }, 0);
          return '';
        }
      }),
    );
    return mergePrometheusText([await this.registry.metrics(), ...exports]);
  }
}
