import type { Evolution } from '../evolution/evolution.js';

/** The one thing ops needs from the evolution store: reading a record. */
export interface EvolutionReader {
  get(id: string): Promise<Evolution | undefined>;
}

/** The evolution a job works on, if its data names one (every evolve queue's does). */
export function evolutionIdOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const id = (data as { evolutionId?: unknown }).evolutionId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Resolves an evolution's pipeline for log fields. An evolution never moves
 * to another pipeline, so answers are kept (bounded: observe jobs ask every
 * 30 s for every active evolution, for as long as the process runs).
 */
export function cachedPipelineLookup(
  evolutions: EvolutionReader,
  maxEntries = 1_000,
): (evolutionId: string) => Promise<string | undefined> {
  const known = new Map<string, string>();
  return async (evolutionId) => {
    const hit = known.get(evolutionId);
    if (hit !== undefined) return hit;
    const ev = await evolutions.get(evolutionId);
    if (!ev) return undefined;
    if (known.size >= maxEntries) known.clear();
    known.set(evolutionId, ev.pipeline);
    return ev.pipeline;
  };
}
