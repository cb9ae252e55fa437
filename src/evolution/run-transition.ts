import type { Clock } from './ports/clock.js';
import type { AuditLog } from './ports/audit-log.js';
import type { EvolutionRepository, TransitionOptions } from './ports/evolution-repository.js';
import type { PipelineRegistry } from './ports/pipeline-registry.js';
import type { Evolution } from './evolution.js';
import type { EvolutionAction } from './evolution-action.js';
import { attemptAction } from './attempt-action.js';
import { ConcurrentUpdateError } from './evolution-errors.js';
import { loadPipelineFor } from './pipeline-snapshot.js';

export interface TransitionDeps {
  evolutions: Pick<EvolutionRepository, 'load' | 'save'>;
  pipelines: Pick<PipelineRegistry, 'load'>;
  audit: AuditLog;
  clock: Clock;
  /** A lost race is retried on the fresh record, where the guards run again. */
  maxAttempts?: number;
}

/**
 * Load -> decide -> compare-and-set, shared by every repository. A retry after
 * a lost race re-evaluates everything, so the second of two approval clicks
 * is refused with who approved first rather than failing with a version error.
 */
export async function runTransition(
  deps: TransitionDeps,
  id: string,
  action: EvolutionAction,
  actor: string,
  options: TransitionOptions = {},
): Promise<Evolution> {
  const maxAttempts = deps.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const evolution = await deps.evolutions.load(id);
    const pipeline = await loadPipelineFor(deps.pipelines, evolution);
    const result = attemptAction({
      pipeline,
      evolution,
      action,
      actor,
      actorGroups: options.actorGroups,
      ...(options.origin ? { origin: options.origin } : {}),
      clock: deps.clock,
    });
    if (!result.accepted) {
      await deps.audit.append(result.audit);
      throw result.error;
    }
    try {
      return await deps.evolutions.save(result.evolution, evolution.version, result.audit);
    } catch (err) {
      if (err instanceof ConcurrentUpdateError && attempt < maxAttempts) continue;
      throw err;
    }
  }
}
