import type { Evolution } from '../evolution.js';
import { isActiveStatus } from '../evolution-status.js';

/** The work an evolution waits for in its current state: a step job, or a backfill run's flow. */
export type NeededStep =
  { kind: 'step'; name: 'develop' | 'deploy' | 'cleanup' } | { kind: 'backfill'; runId: string };

/**
 * What must be queued for an evolution to move on without a person: the
 * reconcile loop compares this with the queues and queues what is missing
 * (the operator's habit: desired state from the record, not from memory of
 * what was queued). DEPLOY_FAILED needs the deploy job: it resumes there
 * with the rollback. States that wait for a person (SHADOW_RUNNING,
 * AWAITING_APPROVAL, LIVE, FAILED) or are over need nothing.
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

/** Whether the reconcile loop keeps looking at the evolution: active, or ended and not yet cleaned up. */
export function mayNeedStep(
  ev: Pick<Evolution, 'status' | 'cleanupEndedAt' | 'completedWithoutBackfill'>,
): boolean {
  return isActiveStatus(ev.status) || awaitsCleanup(ev);
}
