import type { Processor } from 'bullmq';
import { evolutionIdOf, type EvolutionReader } from './evolution-reader.js';
import type { BackfillCounts, EvolveMetrics } from './metrics.js';

export interface JobMetricsOptions {
  /**
   * Reads the evolution after a deploy job completes: its savepoints and
   * cutover gap are in the record, not in the job's result.
   */
  evolutions?: EvolutionReader;
  /** The job returns a partition report whose counts feed evolve_backfill_records_total. */
  countsBackfill?: boolean;
}

/**
 * The `outcome` label: the evolution status a step left (LIVE, ROLLED_BACK,
 * FAILED...), 'cancelled', or 'ok'. Statuses are a closed set, so the label
 * stays bounded.
 */
export function outcomeOf(result: unknown): string {
  if (typeof result === 'object' && result !== null) {
    const r = result as { status?: unknown; cancelled?: unknown };
    if (typeof r.status === 'string' && /^[A-Za-z_]{1,40}$/.test(r.status)) return r.status;
    if (r.cancelled === true) return 'cancelled';
  }
  return 'ok';
}

/**
 * Wraps a BullMQ processor to time each attempt (by job name and outcome,
 * 'error' when it throws) and to observe what a finished job tells:
 * savepoint durations and the cutover gap after a deploy, record counts
 * after a backfill partition. Observation never fails a job.
 */
export function withJobMetrics<T, R>(
  processor: Processor<T, R>,
  metrics: EvolveMetrics,
  options: JobMetricsOptions = {},
): Processor<T, R> {
  return async (job, token, signal) => {
    const started = performance.now();
    let result: R;
    try {
      result = await processor(job, token, signal);
    } catch (err) {
      metrics.observeJob(job.name, 'error', (performance.now() - started) / 1000);
      throw err;
    }
    metrics.observeJob(job.name, outcomeOf(result), (performance.now() - started) / 1000);
    if (options.countsBackfill && outcomeOf(result) === 'ok') {
      metrics.countBackfill(result as BackfillCounts);
    }
    const evolutionId = evolutionIdOf(job.data);
    if (job.name === 'deploy' && options.evolutions && evolutionId) {
      // The job is done either way; a record Redis cannot give now is a missed sample, not a failure.
      const ev = await options.evolutions.get(evolutionId).catch(() => undefined);
      if (ev) metrics.observeDeploy(ev);
    }
    return result;
  };
}
