import { failureText } from './failure-text.js';
import type { Evolution } from '../evolution.js';
import { cleanupShadow } from './cleanup-shadow.js';
import { awaitsCleanup } from './needed-step.js';
import type { WorkflowDeps } from './workflow-deps.js';

/**
 * The cleanup step after an abort, or after a completion without a
 * backfill: those are only the recorded decision, so the shadow and TEMP are
 * removed here, by a retried job that any worker resumes after a crash. Safe
 * to run any number of times: each removal first looks whether there is
 * still something to remove.
 */
export async function runCleanup(deps: WorkflowDeps, evolutionId: string): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  if (!awaitsCleanup(ev)) return ev;
  await cleanupShadow(deps, ev);
  // Recorded so the reconcile loop stops queueing this cleanup.
  ev = await deps.evolutions.update(ev.id, ev.version, (cur) => ({
    ...cur,
    cleanupEndedAt: deps.clock.now(),
  }));
  await deps.notifier.postMilestone(ev, {
    kind: 'info',
    text:
      ev.status === 'COMPLETED'
        ? `Cleaned up: ${ev.shadow.tempTopic} deleted. v2 stays production.`
        : `Cleaned up: shadow job ${ev.shadow.jobId ?? '(never started)'} stopped, ${ev.shadow.tempTopic} deleted. Production was not touched.`,
  });
  await deps.notifier.updateStatusCard(ev);
  return ev;
}

/** The cleanup met the same outage on its last attempt, or a definitive failure: say what is left, so a human removes it. */
export async function cleanupGaveUp(
  deps: WorkflowDeps,
  evolutionId: string,
  err: unknown,
  options: { retried?: boolean } = {},
): Promise<Evolution> {
  const ev = await deps.evolutions.load(evolutionId);
  const what = (options.retried ?? true) ? 'could not finish after repeated retries' : 'failed';
  await deps.notifier.postMilestone(ev, {
    kind: 'failed',
    text:
      `Cleanup ${what}: ${failureText(err, 'cleanup')} ` +
      `Remove what is left by hand: cancel the shadow job ${ev.shadow.jobId ?? `named evolve/${ev.pipeline}/${ev.id}/shadow`} in Flink and delete the topic ${ev.shadow.tempTopic}.`,
  });
  // Left to a human: the reconcile loop stops queueing it.
  if (!awaitsCleanup(ev)) return ev;
  return deps.evolutions.update(ev.id, ev.version, (cur) => ({
    ...cur,
    cleanupEndedAt: deps.clock.now(),
  }));
}
