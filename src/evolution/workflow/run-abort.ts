import type { Evolution } from '../evolution.js';
import type { TransitionOptions } from '../ports/evolution-repository.js';
import { cleanupShadow } from './run-rollback.js';
import type { WorkflowDeps } from './workflow-deps.js';

/**
 * `/evolve abort`: the transition first (it checks the actor and the state,
 * and is audited either way), then the shadow and TEMP are removed. Abort is
 * refused once v2 is live: production is v2's from then on.
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
  await cleanupShadow(deps, ev);
  await deps.notifier.postMilestone(ev, {
    kind: 'info',
    text: `Aborted by <@${actor}>: shadow job stopped, ${ev.shadow.tempTopic} deleted. Production was not touched.`,
  });
  await deps.notifier.updateStatusCard(ev);
  return ev;
}
