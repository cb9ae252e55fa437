import type { BackfillReport, Evolution } from '../evolution.js';
import { backfillSummaryText, projectionComparison } from '../backfill-summary-text.js';
import { SYSTEM_ACTOR } from '../evolution-action.js';
import { cleanupShadow } from './cleanup-shadow.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { releaseRolledBack } from './release-rolled-back.js';

/** Sums the per-partition reports of a run into the evolution's report. */
export function sumReports(
  reports: ReadonlyArray<BackfillReport & { meanRate?: number }>,
  durationMs: number,
): BackfillReport {
  const sum = (k: Exclude<keyof BackfillReport, 'durationMs'>) =>
    reports.reduce((n, r) => n + (r[k] ?? 0), 0);
  return {
    refreshed: sum('refreshed'),
    deleted: sum('deleted'),
    unchanged: sum('unchanged'),
    repaired: sum('repaired'),
    conflicts: sum('conflicts'),
    durationMs,
    ownedByV2: sum('ownedByV2'),
    dropped: sum('dropped'),
    keptByMode: sum('keptByMode'),
    ...(reports.every((r) => r.keys !== undefined) ? { keys: sum('keys') } : {}),
    ...(reports.every((r) => r.written !== undefined) ? { written: sum('written') } : {}),
  };
}

/**
 * After every partition verified: with no conflicts left, TEMP and the
 * shadow's groups are deleted and the evolution completes; with conflicts,
 * TEMP is kept so the backfill can be run again, and the run is reported as
 * failed (the evolution goes back to LIVE). Cleanup comes before the status
 * change so a crash in between is finished by the retry.
 */
export async function finishBackfill(
  deps: WorkflowDeps,
  evolutionId: string,
  runId: string,
  report: BackfillReport,
): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  if (ev.status !== 'BACKFILLING' || ev.backfill?.runId !== runId) return ev;
  const written = report.written ?? report.refreshed + report.deleted + report.repaired;
  const summary = backfillSummaryText(report);
  if (report.conflicts > 0) {
    ev = await deps.evolutions.transition(
      ev.id,
      {
        type: 'backfillFailed',
        error: {
          code: 'BACKFILL_CONFLICTS',
          message: `${report.conflicts} keys still differ from v2 after verification; TEMP is kept, run /evolve backfill again.`,
          step: 'verify',
        },
      },
      SYSTEM_ACTOR,
    );
    await deps.notifier.postMilestone(ev, {
      kind: 'failed',
      text: `Backfill verified with conflicts: ${summary}.`,
    });
    await deps.notifier.updateStatusCard(ev);
    return ev;
  }
  await cleanupShadow(deps, ev);
  // The card shows progress until the end: make its last figures the final ones.
  ev = await deps.evolutions.update(ev.id, ev.version, (cur) => ({
    ...cur,
    backfill: cur.backfill && {
      ...cur.backfill,
      progress: { emitted: written, planned: written, updatedAt: deps.clock.now() },
    },
  }));
  ev = await deps.evolutions.transition(ev.id, { type: 'backfillCompleted', report }, SYSTEM_ACTOR);
  await releaseRolledBack(deps, ev);
  const compared = projectionComparison(ev.approval?.projected, report);
  await deps.notifier.postMilestone(ev, {
    kind: 'backfillCompleted',
    text:
      `Backfill complete and verified: ${summary}.${compared ? ` ${compared}` : ''} ` +
      `${ev.shadow.tempTopic} deleted.`,
  });
  await deps.notifier.updateStatusCard(ev);
  return ev;
}
