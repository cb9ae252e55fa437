import type { BackfillReport, DeployStep } from './evolution.js';
import type { BackfillMode } from './pipeline.js';

export interface ActionError {
  code: string;
  message: string;
  step: DeployStep | string;
}

/** Everything that can happen to an evolution; each is one row set of the transition table. */
export type EvolutionAction =
  | { type: 'shadowStarted'; jobId: string }
  | { type: 'requestApproval'; shownSqlHash: string; ttlMs: number }
  | { type: 'approve'; shownSqlHash: string }
  | { type: 'reject'; reason?: string }
  | {
      type: 'deployCompleted';
      v2JobId: string;
      cutoverGapMs: number;
      /** Where v1's answers are kept and until when (absent: nothing kept). */
      keepV1?: { topic: string; until: number };
    }
  | { type: 'deployFailed'; error: ActionError }
  | { type: 'rolledBack'; v1JobId: string }
  | { type: 'startBackfill'; runId: string; rate: number; mode: BackfillMode }
  | { type: 'pauseBackfill' }
  | { type: 'resumeBackfill' }
  | { type: 'throttleBackfill'; rate: number }
  | { type: 'cancelBackfill' }
  | { type: 'backfillCompleted'; report: BackfillReport }
  | { type: 'backfillFailed'; error: ActionError }
  | { type: 'complete' }
  | { type: 'abort'; reason?: string }
  | { type: 'fail'; error: ActionError };

export type ActionType = EvolutionAction['type'];

export type ActionOf<T extends ActionType> = Extract<EvolutionAction, { type: T }>;

/** Who may take an action: pipeline owners, approvers, or only the workers. */
export type ActionAuthority = 'owner' | 'approver' | 'system';

export const ACTION_AUTHORITY: Readonly<Record<ActionType, ActionAuthority>> = {
  shadowStarted: 'system',
  requestApproval: 'owner',
  approve: 'approver',
  reject: 'approver',
  deployCompleted: 'system',
  deployFailed: 'system',
  rolledBack: 'system',
  startBackfill: 'owner',
  pauseBackfill: 'owner',
  resumeBackfill: 'owner',
  throttleBackfill: 'owner',
  cancelBackfill: 'owner',
  backfillCompleted: 'system',
  backfillFailed: 'system',
  complete: 'owner',
  abort: 'owner',
  fail: 'system',
};

/** How an action reads in a message to a person (the Slack verb where there is one). */
export const ACTION_LABELS: Readonly<Record<ActionType, string>> = {
  shadowStarted: 'mark the shadow as running',
  requestApproval: 'request a deploy (/evolve deploy)',
  approve: 'approve',
  reject: 'reject',
  deployCompleted: 'finish the deploy',
  deployFailed: 'fail the deploy',
  rolledBack: 'finish the rollback',
  startBackfill: 'start the backfill (/evolve backfill)',
  pauseBackfill: 'pause the backfill (/evolve pause)',
  resumeBackfill: 'resume the backfill (/evolve resume)',
  throttleBackfill: 'change the backfill rate (/evolve throttle)',
  cancelBackfill: 'cancel the backfill (/evolve cancel)',
  backfillCompleted: 'finish the backfill',
  backfillFailed: 'fail the backfill',
  complete: 'complete without a backfill (/evolve complete)',
  abort: 'abort (/evolve abort)',
  fail: 'mark as failed',
};

/** The actor workers use; Slack user ids never look like this. */
export const SYSTEM_ACTOR = 'system';

export function isSystemActor(actor: string): boolean {
  return actor === SYSTEM_ACTOR || actor.startsWith(`${SYSTEM_ACTOR}:`);
}
