import type { EvolutionStatus } from './evolution-status.js';
import type { FieldChange } from './pipeline-changes.js';

/** One attempt to change an evolution, accepted or refused (invariant: refusals are audited too). */
export interface AuditEvent {
  /** Empty for an event about the pipeline itself (registration, change of its rules). */
  evolutionId: string;
  pipeline: string;
  actor: string;
  /** An action type, or 'develop' / 'rollback' for the creation of an evolution. */
  action: string;
  /** Undefined for a creation. */
  before?: EvolutionStatus;
  /** Undefined when refused. */
  after?: EvolutionStatus;
  accepted: boolean;
  /** Why it was refused: the message the actor was shown. */
  reason?: string;
  /** Error code of a refusal. */
  code?: string;
  at: number;
  /** Where the actor acted from when not Slack: `cli <os user>@<host>` (the CLI's --as is self-declared). */
  origin?: string;
  /** A registration: each field before and after. */
  changes?: FieldChange[];
}

/** The audit event for the creation of an evolution ('develop', or 'rollback' for a rollback). */
export function creationAudit(
  evolution: { id: string; pipeline: string; requester: string; status: EvolutionStatus },
  at: number,
  verb: 'develop' | 'rollback' = 'develop',
): AuditEvent {
  return {
    evolutionId: evolution.id,
    pipeline: evolution.pipeline,
    actor: evolution.requester,
    action: verb,
    after: evolution.status,
    accepted: true,
    at,
  };
}
