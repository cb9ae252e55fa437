import { EvolveError } from '../errors.js';
import type { Clock } from './ports/clock.js';
import type { AuditEvent } from './audit-event.js';
import type { Evolution } from './evolution.js';
import type { EvolutionAction } from './evolution-action.js';
import type { Pipeline } from './pipeline.js';
import { decideApproval } from './approval-policy.js';
import { ApprovalRefusedError } from './evolution-errors.js';
import { assertMayAct } from './permissions.js';
import { applyAction } from './transition-table.js';

export interface ActionAttempt {
  pipeline: Pipeline;
  evolution: Evolution;
  action: EvolutionAction;
  actor: string;
  actorGroups?: readonly string[];
  /** Where a non-Slack actor acted from, for the audit event. */
  origin?: string;
  clock: Clock;
}

export type AttemptResult =
  | { accepted: true; evolution: Evolution; audit: AuditEvent }
  | { accepted: false; error: EvolveError; audit: AuditEvent };

/**
 * The whole decision for one action: who may (owners, approvers, workers),
 * then whether the state allows it. Never throws for a refusal: the caller
 * gets the error to show and the audit event to append either way.
 */
export function attemptAction(attempt: ActionAttempt): AttemptResult {
  const { pipeline, evolution, action, actor, actorGroups, clock } = attempt;
  const now = clock.now();
  const base = {
    evolutionId: evolution.id,
    pipeline: evolution.pipeline,
    actor,
    action: action.type,
    before: evolution.status,
    at: now,
    ...(attempt.origin ? { origin: attempt.origin } : {}),
  };
  try {
    assertMayAct(pipeline, action.type, { actor, actorGroups });
    if (action.type === 'approve' || action.type === 'reject') {
      const decision = decideApproval(pipeline, evolution, {
        actor,
        actorGroups,
        shownSqlHash: action.type === 'approve' ? action.shownSqlHash : evolution.v2.hash,
        now,
        decision: action.type,
      });
      if (!decision.allowed) throw new ApprovalRefusedError(evolution.id, decision.reason);
    }
    const next = applyAction(evolution, action, actor, clock);
    return {
      accepted: true,
      evolution: next,
      audit: { ...base, after: next.status, accepted: true },
    };
  } catch (err) {
    if (!(err instanceof EvolveError)) throw err;
    return {
      accepted: false,
      error: err,
      audit: { ...base, accepted: false, reason: err.userMessage, code: err.code },
    };
  }
}
