import { EvolveError } from '../errors.js';
import type { Evolution } from '../evolution/evolution.js';
import type { BackfillJobData, PartitionJobData } from './evolve-queues.js';

/**
 * The jobs of an evolution's current backfill run: one parent, one child per
 * partition of the cutover. Built from the record alone, so the reconcile
 * loop can queue the run again exactly as the person who started it did.
 */
export function backfillFlow(
  ev: Evolution,
  outputTopic: string,
): { parent: BackfillJobData; children: PartitionJobData[] } {
  const run = ev.backfill;
  if (!run || !ev.cutover) {
    throw new EvolveError(
      'TRANSITION_REFUSED',
      `Evolution ${ev.id} has no backfill run with cutover offsets; a backfill needs a completed deploy.`,
    );
  }
  const partitions = ev.cutover.offsets.length;
  return {
    parent: { evolutionId: ev.id, runId: run.runId, startedAt: run.startedAt },
    children: ev.cutover.offsets.map((o) => ({
      evolutionId: ev.id,
      runId: run.runId,
      prodTopic: outputTopic,
      tempTopic: ev.shadow.tempTopic,
      partition: o.partition,
      cutover: Number(o.offset),
      partitions,
      mode: run.mode,
    })),
  };
}
