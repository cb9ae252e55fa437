/**
 * Stored lifecycle of an evolution. REJECTED and "approval expired" are not
 * stored: they are read off the approval record (see displayState), so the
 * same fact never lives in two places.
 */
export const EVOLUTION_STATUSES = [
  'DEVELOPING',
  'SHADOW_RUNNING',
  'AWAITING_APPROVAL',
  'DEPLOYING',
  'LIVE',
  'BACKFILLING',
  'COMPLETED',
  'ABORTED',
  'DEPLOY_FAILED',
  'ROLLED_BACK',
  'FAILED',
] as const;

export type EvolutionStatus = (typeof EVOLUTION_STATUSES)[number];

/**
 * Nothing more happens to an evolution in these states. FAILED is not among
 * them on purpose: it needs a human (production may be in an unknown state),
 * so it keeps the pipeline blocked until someone aborts it.
 */
export const TERMINAL_STATUSES: ReadonlySet<EvolutionStatus> = new Set([
  'COMPLETED',
  'ABORTED',
  'ROLLED_BACK',
]);

export function isTerminalStatus(status: EvolutionStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isActiveStatus(status: EvolutionStatus): boolean {
  return !TERMINAL_STATUSES.has(status);
}
