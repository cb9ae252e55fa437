import type { Evolution } from '../evolution.js';
import type { TransitionOptions } from '../ports/evolution-repository.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { unfinishedBackfillNote } from '../rollback-policy.js';

/**
 * `/evolve abort`: the transition (it checks the actor and the state, and is
 * audited either way). It only records the decision: the caller queues the
 * cleanup step (runCleanup) that stops the shadow and deletes TEMP, so a
 * crash right after the abort leaves nothing running. Abort is refused once
 * v2 is live: production is v2's from then on.
 */
export async function runAbort(
  deps: WorkflowDeps,
  evolutionId: string,
  actor: string,
  options: TransitionOptions & { reason?: string } = {},
): Promise<Evolution> {
  const ev = await deps.evolutions.transition(
    evolutionId,
    { type: 'abort', reason: options.reason },
    actor,
    options,
  );
  await deps.notifier.postMilestone(ev, {
    kind: 'info',
    text: `Aborted by <@${actor}>${options.reason ? ` (${options.reason})` : ''}. Stopping the shadow job and deleting ${ev.shadow.tempTopic}; production is not touched.${unfinishedBackfillNote(ev)}`,
  });
  await deps.notifier.updateStatusCard(ev);
  return ev;
}
