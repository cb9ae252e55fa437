import type { EvolutionRepository } from './ports/evolution-repository.js';
import type { PipelineRegistry } from './ports/pipeline-registry.js';
import type { Evolution } from './evolution.js';
import { ConcurrentUpdateError } from './evolution-errors.js';

/**
 * Applies `mutate` to the newest record, retrying on a lost race. For writes
 * that commute (progress counters, Slack message ids), where several workers
 * update the same evolution and none needs the version it last saw; step
 * intents should use update() with the observed version instead.
 */
export async function updateLatest(
  evolutions: Pick<EvolutionRepository, 'load' | 'update'>,
  id: string,
  mutate: (current: Evolution) => Evolution,
  maxAttempts = 5,
): Promise<Evolution> {
  for (let attempt = 1; ; attempt++) {
    const current = await evolutions.load(id);
    try {
      return await evolutions.update(id, current.version, mutate);
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError) || attempt >= maxAttempts) throw err;
    }
  }
}

/** Every pipeline's active evolution: what a worker starting up looks at to resume interrupted steps. */
export async function listActiveEvolutions(deps: {
  pipelines: Pick<PipelineRegistry, 'list'>;
  evolutions: Pick<EvolutionRepository, 'activeFor'>;
}): Promise<Evolution[]> {
  const pipelines = await deps.pipelines.list();
  const active = await Promise.all(pipelines.map((p) => deps.evolutions.activeFor(p.name)));
  return active.filter((e): e is Evolution => e !== undefined);
}
