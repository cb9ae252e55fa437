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
