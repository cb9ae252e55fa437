import type { Evolution } from '../evolution.js';
import { isActiveStatus } from '../evolution-status.js';

export type StepJobName = 'develop' | 'deploy' | 'cleanup' | 'snapshot' | 'expire' | 'merge';

/** The work an evolution waits for in its current state: a step job, or a backfill run's flow. */
export type NeededStep = { kind: 'step'; name: StepJobName } | { kind: 'backfill'; runId: string };

/**
 * What must be queued for an evolution to move on without a person: the
 * reconcile loop compares this with the queues and queues what is missing
 * (the operator's habit: desired state from the record, not from memory of
 * what was queued). DEPLOY_FAILED needs the deploy job: it resumes there
 * with the rollback. States that wait for a person (SHADOW_RUNNING,
 * AWAITING_APPROVAL, LIVE, FAILED) or are over need nothing, except for
 * what keeps v1's answers for a rollback (keepingNeed).
 */
export function neededStep(ev: Evolution): NeededStep | undefined {
  switch (ev.status) {
    case 'DEVELOPING':
      return { kind: 'step', name: 'develop' };
    case 'DEPLOYING':
    case 'DEPLOY_FAILED':
      return { kind: 'step', name: 'deploy' };
    case 'BACKFILLING':
      return ev.backfill && ev.backfill.finishedAt === undefined
        ? { kind: 'backfill', runId: ev.backfill.runId }
        : undefined;
    case 'ABORTED':
    case 'COMPLETED':
      return awaitsCleanup(ev) ? { kind: 'step', name: 'cleanup' } : undefined;
    default:
      return undefined;
  }
}

/**
 * The second line of work of an evolution that went live, beside its
 * lifecycle: copying v1's answers into the snapshot topic right after the
 * deploy, and, once the rollback window has ended, disposing S1 and
 * deleting that topic. Independent of the status (a backfill may run
 * meanwhile), so the reconcile loop asks for both.
 */
export function keepingNeed(ev: Evolution, now: number): NeededStep | undefined {
  const kept = ev.v1Snapshot;
  if (!kept || kept.disposedAt !== undefined) return undefined;
  if (now >= kept.until) return { kind: 'step', name: 'expire' };
  return kept.completedAt === undefined && kept.error === undefined
    ? { kind: 'step', name: 'snapshot' }
    : undefined;
}

/**
 * A rollback that went live merges its base (the v1 snapshot) into its
 * TEMP before its backfill may start: every partition at once, so no
 * partition's run records TEMP's end before its merge is done.
 */
export function baseNeed(ev: Evolution): NeededStep | undefined {
  const origin = ev.rollbackOf;
  if (!origin || !ev.cutover || ev.status !== 'LIVE') return undefined;
  if (origin.mergedAt !== undefined || origin.mergeError !== undefined) return undefined;
  return { kind: 'step', name: 'merge' };
}

/** Everything queued beside the lifecycle: keeping v1, and a rollback's merge. */
export function sideNeeds(ev: Evolution, now: number): NeededStep[] {
  return [keepingNeed(ev, now), baseNeed(ev)].filter((n): n is NeededStep => n !== undefined);
}

/**
 * Ended, with TEMP (and for an abort the shadow) still to remove: aborted,
 * or completed without a backfill (a backfill removes TEMP itself before it
 * completes), and the cleanup step has not ended yet.
 */
export function awaitsCleanup(
  ev: Pick<Evolution, 'status' | 'cleanupEndedAt' | 'completedWithoutBackfill'>,
): boolean {
  if (ev.cleanupEndedAt !== undefined) return false;
  return (
    ev.status === 'ABORTED' ||
    (ev.status === 'COMPLETED' && ev.completedWithoutBackfill !== undefined)
  );
}

/**
 * Whether the reconcile loop keeps looking at the evolution: active, ended
 * and not yet cleaned up, or keeping v1's answers (until the window's end
 * has been acted on).
 */
export function mayNeedStep(
  ev: Pick<Evolution, 'status' | 'cleanupEndedAt' | 'completedWithoutBackfill' | 'v1Snapshot'>,
): boolean {
  return (
    isActiveStatus(ev.status) ||
    awaitsCleanup(ev) ||
    (ev.v1Snapshot !== undefined && ev.v1Snapshot.disposedAt === undefined)
  );
}
