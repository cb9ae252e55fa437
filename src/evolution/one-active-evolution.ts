import type { Evolution } from './evolution.js';
import { isActive } from './display-state.js';
import { EvolutionConflictError } from './evolution-errors.js';

/**
 * Invariant 2 as a check over what is known: the store runs the same rule
 * atomically when it creates an evolution, and throws this same error.
 */
export function assertNoActiveEvolution(pipeline: string, evolutions: readonly Evolution[]): void {
  const active = evolutions.find((e) => e.pipeline === pipeline && isActive(e));
  if (active) throw new EvolutionConflictError(active);
}
