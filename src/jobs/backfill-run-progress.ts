import { BACKFILL_STAGES } from '../evolution/backfill-progress-text.js';
import type { BackfillStage } from '../evolution/evolution.js';

export interface PhaseFigures {
  done: number;
  total: number;
}

/** What one partition reported per phase (a phase is absent until the partition starts it). */
export type PartitionPhases = Partial<Record<BackfillStage, PhaseFigures>>;

export interface RunStage {
  stage: BackfillStage;
  done: number;
  total: number;
  /** Every phase of every partition is done: the completion message follows. */
  finished: boolean;
}

/**
 * The run's phase is the first one not every partition has finished; its
 * total is the sum of the partitions' totals, each fixed when that partition
 * started the phase. Undefined while a partition has not started it (its
 * total unknown): posting then would make the total grow and the percentage
 * go back.
 */
export function runStage(partitions: readonly PartitionPhases[]): RunStage | undefined {
  if (partitions.length === 0) return undefined;
  for (const stage of BACKFILL_STAGES) {
    const figures = partitions.map((p) => p[stage]);
    if (figures.every((f) => f !== undefined && f.done >= f.total)) continue;
    if (figures.some((f) => f === undefined)) return undefined;
    const done = figures.reduce((n, f) => n + Math.min(f!.done, f!.total), 0);
    const total = figures.reduce((n, f) => n + f!.total, 0);
    return { stage, done, total, finished: false };
  }
  const last = partitions.map((p) => p.verify!);
  const total = last.reduce((n, f) => n + f.total, 0);
  return { stage: 'verify', done: total, total, finished: true };
}

/** A reported figure never goes back: a resumed partition re-reads from the start of its phase. */
export function mergeFigures(old: PhaseFigures | undefined, next: PhaseFigures): PhaseFigures {
  if (!old) return next;
  return { done: Math.max(old.done, next.done), total: Math.max(old.total, next.total) };
}

export interface RateSample {
  at: number;
  stage: BackfillStage;
  done: number;
}

/**
 * Records/s of the current phase over the samples of the last `windowMs`
 * (a sliding window, not the mean since the start), capped at `limit`: the
 * throttle holds the rate, and a window edge falling between two chunks
 * must not show more. Undefined with fewer than two samples ~1 s apart.
 */
export function windowRate(
  samples: readonly RateSample[],
  now: RateSample,
  windowMs: number,
  limit?: number,
): number | undefined {
  const inWindow = samples.filter(
    (s) => s.stage === now.stage && s.at >= now.at - windowMs && s.at < now.at,
  );
  const oldest = inWindow.reduce<RateSample | undefined>(
    (o, s) => (o === undefined || s.at < o.at ? s : o),
    undefined,
  );
  if (!oldest || now.at - oldest.at < 900) return undefined;
  const rate = (Math.max(0, now.done - oldest.done) * 1000) / (now.at - oldest.at);
  return limit !== undefined ? Math.min(rate, limit) : rate;
}
