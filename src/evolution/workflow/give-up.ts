import { dataText } from '../user-text.js';
import type { Evolution } from '../evolution.js';
import { SYSTEM_ACTOR } from '../evolution-action.js';
import { isTerminalStatus } from '../evolution-status.js';
import { unfinishedBackfillNote } from '../rollback-policy.js';
import { actionError } from './step-error.js';
import type { WorkflowDeps } from './workflow-deps.js';

/**
 * A step cannot go on: its last retry met the same outage, or it met a
 * failure no retry can change (bad SQL, a refused transition). Hand the
 * evolution to a human (FAILED), saying where it stopped, so nobody assumes
 * a state that was never reached.
 */
export async function giveUp(
  deps: WorkflowDeps,
  evolutionId: string,
  step: string,
  err: unknown,
  options: { retried?: boolean } = {},
): Promise<Evolution> {
  const ev = await deps.evolutions.load(evolutionId);
  if (isTerminalStatus(ev.status) || ev.status === 'FAILED') return ev;
  const error = actionError(err, step);
  const what = (options.retried ?? true) ? 'could not finish after repeated retries' : 'failed';
  const say = (cause: string) =>
    `${step} ${what}: ${cause} ` +
    `The evolution was ${ev.status}; check which Flink jobs are RUNNING for pipeline ${ev.pipeline} before aborting.` +
    unfinishedBackfillNote(ev);
  const message = say(error.message);
  const failed = await deps.evolutions.transition(
    ev.id,
    { type: 'fail', error: { ...error, message } },
    SYSTEM_ACTOR,
  );
  // The cause is data: quoted where it enters the thread.
  await deps.notifier.postMilestone(failed, { kind: 'failed', text: say(dataText(error.message)) });
  await deps.notifier.updateStatusCard(failed);
  return failed;
}
