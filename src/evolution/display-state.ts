import type { Evolution } from './evolution.js';
import type { EvolutionStatus } from './evolution-status.js';
import { isActiveStatus } from './evolution-status.js';

export type DisplayState = EvolutionStatus | 'REJECTED' | 'APPROVAL_EXPIRED' | 'BACKFILL_PAUSED';

/**
 * What people see, computed from the stored status and the records next to
 * it (the operator's lifecycle-state habit): nothing here is ever written.
 */
export function displayState(evolution: Evolution, now: number): DisplayState {
  const { status, approval, backfill } = evolution;
  if (status === 'SHADOW_RUNNING' && approval?.decision === 'rejected') return 'REJECTED';
  if (status === 'AWAITING_APPROVAL' && approval && now >= approval.expiresAt)
    return 'APPROVAL_EXPIRED';
  if (status === 'BACKFILLING' && backfill?.paused) return 'BACKFILL_PAUSED';
  return status;
}

/** Active evolutions block a pipeline; FAILED stays active until a human aborts it. */
export function isActive(evolution: Pick<Evolution, 'status'>): boolean {
  return isActiveStatus(evolution.status);
}

/** Each state in words: the Slack card shows them with an icon, the CLI as they are. */
export const STATE_WORDS: Readonly<Record<DisplayState, string>> = {
  DEVELOPING: 'Developing (starting the shadow)',
  SHADOW_RUNNING: 'Shadow running',
  AWAITING_APPROVAL: 'Awaiting approval',
  APPROVAL_EXPIRED: 'Approval expired',
  REJECTED: 'Rejected (shadow still running)',
  DEPLOYING: 'Deploying',
  LIVE: 'Live',
  BACKFILLING: 'Backfilling',
  BACKFILL_PAUSED: 'Backfill paused',
  COMPLETED: 'Completed',
  ABORTED: 'Aborted',
  DEPLOY_FAILED: 'Deploy failed (rolling back)',
  ROLLED_BACK: 'Rolled back to v1',
  FAILED: 'Failed (needs a human)',
};

/** A state, or the shadow's state in Flink (SHADOW_FAILED…), in words. */
export function stateWords(state: string): string {
  const known = (STATE_WORDS as Readonly<Record<string, string>>)[state];
  if (known) return known;
  const shadow = /^SHADOW_([A-Z_]+)$/.exec(state);
  if (shadow) return `Shadow ${shadow[1]!.toLowerCase().replace(/_/g, ' ')} in Flink`;
  return state;
}
