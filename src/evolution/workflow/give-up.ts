import type { Evolution } from '../evolution.js';
import { SYSTEM_ACTOR } from '../evolution-action.js';
import { isTerminalStatus } from '../evolution-status.js';
import { actionError } from './step-error.js';
import type { WorkflowDeps } from './workflow-deps.js';

/**
 * The last retry of a step met the same outage: stop retrying and hand the
 * evolution to a human (FAILED), saying where it stopped, so nobody assumes
 * a state that was never reached.
 */
export async function giveUp(
  deps: WorkflowDeps,
  evolutionId: string,
  step: string,
  err: unknown,
): Promise<Evolution> {
  const ev = await deps.evolutions.load(evolutionId);
  if (isTerminalStatus(ev.status) || ev.status === 'FAILED') return ev;
  const error = actionError(err, step);
  const message =
    `${step} could not finish after repeated retries: ${error.message} ` +
    `The evolution was ${ev.status}; check which Flink jobs are RUNNING for pipeline ${ev.pipeline} before aborting.`;
  const failed = await deps.evolutions.transition(
    ev.id,
    { type: 'fail', error: { ...error, message } },
    SYSTEM_ACTOR,
  );
  await deps.notifier.postMilestone(failed, { kind: 'failed', text: message });
  await deps.notifier.updateStatusCard(failed);
  return failed;
}
