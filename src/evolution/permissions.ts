import type { Pipeline } from './pipeline.js';
import { isPrincipalMember } from './pipeline.js';
import type { ActionType } from './evolution-action.js';
import { ACTION_AUTHORITY, ACTION_LABELS, isSystemActor } from './evolution-action.js';
import { PermissionDeniedError, mention } from './evolution-errors.js';

export interface Who {
  actor: string;
  actorGroups?: readonly string[];
}

/**
 * Owners may develop, request a deploy, backfill, throttle and abort; workers
 * (the system actor) may do anything but approve; approval decisions go
 * through decideApproval. Throws PermissionDeniedError.
 */
export function assertMayAct(
  pipeline: Pipeline,
  action: ActionType | 'develop' | 'rollback',
  who: Who,
): void {
  const authority =
    action === 'develop' || action === 'rollback' ? 'owner' : ACTION_AUTHORITY[action];
  const label =
    action === 'develop'
      ? 'start an evolution (/evolve develop)'
      : action === 'rollback'
        ? 'roll production back (/evolve rollback)'
        : ACTION_LABELS[action];
  if (isSystemActor(who.actor)) {
    if (authority === 'approver') {
      throw new PermissionDeniedError(
        who.actor,
        pipeline.name,
        `Only a person can ${label}; a worker never approves.`,
      );
    }
    return;
  }
  if (authority === 'system') {
    throw new PermissionDeniedError(
      who.actor,
      pipeline.name,
      `Only the workers can ${label}; it happens on its own when the step finishes.`,
    );
  }
  if (authority === 'owner' && !isPrincipalMember(pipeline.owners, who.actor, who.actorGroups)) {
    throw new PermissionDeniedError(
      who.actor,
      pipeline.name,
      `${mention(who.actor)} is not an owner of pipeline '${pipeline.name}' and cannot ${label}. ` +
        `Ask an owner (${pipeline.owners.map(mention).join(', ')}) to do it or to add you to the pipeline's owners.`,
    );
  }
}
