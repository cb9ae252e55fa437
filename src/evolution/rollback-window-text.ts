import type { Evolution } from './evolution.js';

/**
 * Whether, and until when, an evolution that went live can be rolled back:
 * the same words in the status card and `evolve status`. Undefined when it
 * kept nothing for a rollback.
 */
export function rollbackWindowText(ev: Evolution, now: number): string | undefined {
  const kept = ev.v1Snapshot;
  if (!kept) return undefined;
  const until = new Date(kept.until).toISOString();
  if (ev.rollbackOf === undefined && ev.rolledBackBy && kept.disposedAt === undefined)
    return `rollback ${ev.rolledBackBy} was started from this evolution; its v1 is kept until ${until}`;
  if (kept.disposedAt !== undefined || now >= kept.until) return `rollback window ended ${until}`;
  if (kept.error) return `no rollback possible: v1's answers could not be kept (${kept.error})`;
  if (kept.completedAt === undefined) return `keeping v1's answers for a rollback (copying to ${kept.topic})`;
  return `rollback possible until ${until} (/evolve rollback ${ev.pipeline})`;
}
