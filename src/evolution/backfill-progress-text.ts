import { plural } from './plural.js';
import type { BackfillStage } from './evolution.js';

export const BACKFILL_STAGES: readonly BackfillStage[] = ['index', 'emit', 'verify'];

const STAGES: Readonly<Record<BackfillStage, { what: string; one: string; many: string }>> = {
  index: { what: 'reading the production topic and TEMP', one: 'record', many: 'records' },
  emit: { what: 'writing refreshes and deletes', one: 'key', many: 'keys' },
  verify: { what: 'verifying the production topic', one: 'record', many: 'records' },
};

export interface StageProgress {
  stage: BackfillStage;
  done: number;
  total: number;
  /** Records/s measured (emit phase). */
  rate?: number;
  etaSeconds?: number;
}

/** Whole percent of a phase; 100 only once it is done, so a bar never reads 100% before the end. */
export function stagePercent(done: number, total: number): number {
  if (total <= 0 || done >= total) return done >= total && total > 0 ? 100 : 0;
  return Math.min(99, Math.floor((100 * done) / total));
}

/** `about 9 s left`, `about 2 min 5 s left`. */
export function etaText(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `about ${s} s left`;
  const m = Math.floor(s / 60);
  if (m < 60) return `about ${m} min${s % 60 ? ` ${s % 60} s` : ''} left`;
  return `about ${Math.floor(m / 60)} h ${m % 60} min left`;
}

/**
 * The one sentence the thread, the card and the CLI show for a running
 * backfill, e.g. "Step 2 of 3, writing refreshes and deletes: 1,200 of 3,000
 * keys (40%) at 200 records/s, about 9 s left."
 */
export function backfillProgressText(p: StageProgress, paused = false): string {
  const s = STAGES[p.stage];
  const step = `Step ${BACKFILL_STAGES.indexOf(p.stage) + 1} of ${BACKFILL_STAGES.length}`;
  const figures = `${p.done.toLocaleString('en-US')} of ${plural(p.total, s.one, s.many)} (${stagePercent(p.done, p.total)}%)`;
  const rate =
    p.stage === 'emit' && p.rate !== undefined && !paused
      ? ` at ${plural(Math.round(p.rate), 'record', 'records')}/s`
      : '';
  const tail = paused
    ? ', paused'
    : p.etaSeconds !== undefined && p.done < p.total
      ? `, ${etaText(p.etaSeconds)}`
      : '';
  return `${step}, ${s.what}: ${figures}${rate}${tail}.`;
}
