import type { Evolution } from './evolution.js';

/**
 * Whether, and until when, an evolution that went live can be rolled back:
 * the same words in the status card and `evolve status`. Undefined when it
 * kept nothing for a rollback.
 */
export function rollbackWindowText(
  ev: Evolution,
  now: number,
): { text: string; open: boolean } | undefined {
  const kept = ev.v1Snapshot;
  if (!kept) return undefined;
  const until = new Date(kept.until).toISOString();
  const shut = (text: string) => ({ text, open: false });
  if (kept.releasedBy)
    return shut(`rolled back by ${kept.releasedBy}; S1 and v1's answers were released ${until}`);
  if (kept.disposedAt !== undefined || now >= kept.until)
    return shut(`rollback window ended ${until}`);
  if (ev.rolledBackBy)
    return shut(
      `rollback ${ev.rolledBackBy} was started from this evolution; its v1 is kept until ${until}`,
    );
  if (kept.error)
    return shut(`no rollback possible: v1's answers could not be kept (${kept.error})`);
  if (kept.completedAt === undefined)
    return shut(`keeping v1's answers for a rollback (copying to ${kept.topic})`);
  return { text: `rollback possible until ${until}`, open: true };
}
