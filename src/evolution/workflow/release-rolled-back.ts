import type { Evolution } from '../evolution.js';
import { updateLatest } from '../update-latest.js';
import type { WorkflowDeps } from './workflow-deps.js';

/**
 * A rollback that went live and completed has v1's state in its own job and
 * v1's answers in the output topic (its TEMP merged them from the snapshot),
 * and production no longer runs the v2 it reversed: what that evolution
 * kept for a rollback (S1, the snapshot topic) can serve nothing any more.
 * Its window ends now, and the reconcile loop's expire step removes them,
 * instead of holding a savepoint and a copy of the output topic for the
 * rest of the window. Nothing else changes; a crash before this write only
 * leaves them to the window's end, as before.
 */
export async function releaseRolledBack(deps: WorkflowDeps, rollback: Evolution): Promise<void> {
  const origin = rollback.rollbackOf?.evolutionId;
  if (!origin || rollback.status !== 'COMPLETED') return;
  const now = deps.clock.now();
  const released = await updateLatest(deps.evolutions, origin, (cur) => {
    const kept = cur.v1Snapshot;
    if (!kept || kept.disposedAt !== undefined || kept.until <= now) return cur;
    return {
      ...cur,
      v1Snapshot: { ...kept, until: now, releasedBy: rollback.id },
      updatedAt: now,
    };
  });
  if (released.v1Snapshot?.releasedBy !== rollback.id) return;
  await deps.notifier.postMilestone(released, {
    kind: 'info',
    text: `${rollback.id} rolled this evolution back and completed: S1 and ${released.v1Snapshot.topic}, kept for that rollback, are removed now instead of at the window's end.`,
  });
}
