import type { Evolution, InputOffsets, PartitionOffset, RollbackOrigin } from './evolution.js';
import { isActiveStatus } from './evolution-status.js';
import type { Pipeline } from './pipeline.js';

/** States in which v2 serves production: what a rollback can reverse. */
const WENT_LIVE = new Set(['LIVE', 'BACKFILLING', 'COMPLETED']);

/** The newest evolution of the pipeline that went live (the list is newest first), if any. */
export function rollbackTarget(newestFirst: readonly Evolution[]): Evolution | undefined {
  return newestFirst.find((ev) => WENT_LIVE.has(ev.status) && ev.cutover !== undefined);
}

const at = (ms: number): string => new Date(ms).toISOString();

/**
 * Why production cannot go back to the target's v1 now, or undefined
 * (DESIGN.md section 12): the target must be what production runs, its
 * snapshot of v1's answers complete, its S1 recorded, its window open, and
 * no other evolution in progress. A rollback that was aborted leaves the
 * target as it was (production still runs its v2), so it may be tried
 * again; one that went live made itself the newest target.
 */
export function rollbackRefusal(
  pipeline: Pick<Pipeline, 'name' | 'production'>,
  target: Evolution | undefined,
  active: Evolution | undefined,
  now: number,
): string | undefined {
  const p = pipeline.name;
  if (active && active.id !== target?.id)
    return `Evolution ${active.id} of pipeline '${p}' is in progress (${active.status}); finish or abort it first (/evolve abort ${p}).`;
  if (!target)
    return `Pipeline '${p}' has no evolution that went live, so there is nothing to roll back. /evolve history ${p} shows its evolutions.`;
  const ev = target.id;
  if (pipeline.production.sqlHash !== target.v2.hash)
    return `Production of pipeline '${p}' no longer runs the v2 of ${ev}, so rolling that evolution back would not return to what ran before it.`;
  const kept = target.v1Snapshot;
  if (!kept)
    return `Evolution ${ev} went live without keeping v1's answers (before rollbacks existed, or with a rollback window of 0), so its v1 cannot be restored. To change production, start an evolution with /evolve develop ${p}.`;
  if (kept.disposedAt !== undefined || now >= kept.until)
    return `The rollback window of ${ev} ended at ${at(kept.until)}: S1 and v1's answers (${kept.topic}) are no longer kept. To change production, start an evolution with /evolve develop ${p}.`;
  if (kept.error)
    return `v1's answers at the cutover of ${ev} could not be kept (${kept.error}), so its v1 cannot be restored.`;
  if (kept.completedAt === undefined)
    return `v1's answers at the cutover of ${ev} are still being copied to ${kept.topic}; try again in a minute.`;
  if (!target.savepoints.s1?.location)
    return `Evolution ${ev} has no savepoint S1 of v1 recorded, so v1's state cannot be restored.`;
  return undefined;
}

/**
 * An input partition whose earliest offset is above where v1 stood when it
 * was stopped: restoring v1 from S1 would skip records (Flink resets to the
 * earliest it finds), so v1's answers would be wrong. `starts` are the
 * inputs' earliest offsets now.
 */
export function truncatedInput(
  recorded: readonly InputOffsets[],
  starts: ReadonlyMap<string, readonly PartitionOffset[]>,
  evolutionId: string,
): string | undefined {
  for (const input of recorded) {
    for (const stopped of input.offsets) {
      const start = starts.get(input.topic)?.find((o) => o.partition === stopped.partition);
      if (start && BigInt(start.offset) > BigInt(stopped.offset))
        return `Input topic ${input.topic} partition ${stopped.partition} now starts at offset ${start.offset}, but v1 had read at most up to ${stopped.offset} when ${evolutionId} stopped it: the records between are gone (retention or deleted), so v1 restored from S1 would skip them. Rollback refused; nothing was changed.`;
    }
  }
  return undefined;
}

/** What the rollback evolution restores from; `target` as it stood when the rollback was asked. */
export function rollbackOrigin(target: Evolution): RollbackOrigin {
  const unfinished =
    target.status === 'BACKFILLING' ? 'running' : target.status === 'LIVE' ? 'not-run' : undefined;
  return {
    evolutionId: target.id,
    savepoint: target.savepoints.s1!.location!,
    baseTopic: target.v1Snapshot!.topic,
    ...(unfinished ? { unfinishedBackfill: unfinished } : {}),
  };
}

/**
 * States of a rollback in which production still runs (or is back on) the
 * reversed evolution's v2. Not DEPLOY_FAILED: a rollback that fails there
 * could not restart that v2, so production may run nothing.
 */
const V2_STILL_SERVES = new Set([
  'DEVELOPING',
  'SHADOW_RUNNING',
  'AWAITING_APPROVAL',
  'ROLLED_BACK',
  'ABORTED',
]);

/**
 * What a rollback that ends without going live leaves behind when its
 * request ended the reversed evolution's backfill unfinished: said where it
 * fails, is aborted or returns to v2, with both ways on. Empty otherwise.
 */
export function unfinishedBackfillNote(
  rollback: Pick<Evolution, 'pipeline' | 'status' | 'rollbackOf'>,
): string {
  const origin = rollback.rollbackOf;
  if (!origin?.unfinishedBackfill || !V2_STILL_SERVES.has(rollback.status)) return '';
  const p = rollback.pipeline;
  const ev = origin.evolutionId;
  const how =
    origin.unfinishedBackfill === 'running'
      ? 'was cancelled by this rollback request'
      : 'had not run when this rollback was asked';
  return (
    ` Production keeps the v2 of ${ev}, whose backfill ${how}: keys v2 has not written since its cutover may still hold v1's answers from before it.` +
    ` To return to v1, remove what stopped this rollback and /evolve rollback ${p} again; to keep v2, /evolve develop ${p} with v2's SQL and backfill it.`
  );
}

/** Whether the rollback evolution of `target` (if any) still uses what the target keeps. */
export function rollbackInProgress(rollback: Evolution | undefined): boolean {
  return rollback !== undefined && isActiveStatus(rollback.status);
}
