import { stagePercent } from '../evolution/backfill-progress-text.js';

/** `[########............]`: full only when done reaches total. */
export function meter(done: number, total: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled =
    total <= 0 ? 0 : done < total ? Math.min(width - 1, Math.round(ratio * width)) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** `[########............]  40% 1200/3000 subtasks` */
export function progressBar(done: number, total: number, extra = '', width = 24): string {
  const pct = `${stagePercent(done, total)}%`.padStart(4);
  return `${meter(done, total, width)} ${pct} ${done}/${total}${extra ? ` ${extra}` : ''}`;
}
