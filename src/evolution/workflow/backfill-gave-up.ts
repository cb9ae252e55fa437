import { dataText } from '../user-text.js';
import type { Evolution } from '../evolution.js';
import { SYSTEM_ACTOR } from '../evolution-action.js';
import { actionError } from './step-error.js';
import type { WorkflowDeps } from './workflow-deps.js';

/**
 * A partition of a backfill run cannot go on: it met a failure no retry can
 * change (TEMP deleted under it, partitions changed) or its last attempt met
 * the same outage. Without this the run's parent would wait for that
 * partition forever and the evolution would stay BACKFILLING with nothing
 * running. The run ends as failed (back to LIVE: v2 serves production, TEMP
 * is kept), saying where it stopped and what to do; the other partitions
 * stop at their next chunk (the caller marks the run cancelled).
 */
export async function backfillGaveUp(
  deps: WorkflowDeps,
  evolutionId: string,
  runId: string,
  partition: number,
  err: unknown,
  options: { retried: boolean },
): Promise<Evolution> {
  const ev = await deps.evolutions.load(evolutionId);
  if (ev.status !== 'BACKFILLING' || ev.backfill?.runId !== runId) return ev;
  const error = actionError(err, 'backfill');
  const what = options.retried ? 'could not finish after repeated retries' : 'stopped';
  const say = (cause: string) =>
    `Backfill of partition ${partition} ${what}: ${cause} ` +
    `v2 still serves production and TEMP is kept; once this is fixed, run /evolve backfill ${ev.pipeline} again ` +
    `(it compares before it writes), or end the evolution without one with /evolve complete ${ev.pipeline}.`;
  const message = say(error.message);
  const failed = await deps.evolutions.transition(
    ev.id,
    { type: 'backfillFailed', error: { ...error, message } },
    SYSTEM_ACTOR,
  );
  // The cause is data: quoted where it enters the thread.
  await deps.notifier.postMilestone(failed, { kind: 'failed', text: say(dataText(error.message)) });
  await deps.notifier.updateStatusCard(failed);
  return failed;
}
