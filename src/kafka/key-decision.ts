/**
 * Per-key state bits of the backfill index and the decision table of
 * DESIGN.md section 7 step 2, as pure functions of those bits.
 */
export const TEMP_PRESENT = 0x01;
export const TEMP_TOMBSTONE = 0x02;
export const PROD_PRESENT = 0x04;
export const PROD_TOMBSTONE = 0x08;
/** PROD's last record (below S) already equals v2's desired record. */
export const PROD_EQUALS_DESIRED = 0x10;
/** v2 wrote the key at or after the cutover (a record without `evolve-run`): v2 owns it. */
export const V2_OWNED = 0x20;
/** The key's bytes live in the arena (production-only key), not in TEMP. */
export const KEY_IN_ARENA = 0x40;

export type BackfillMode = 'full' | 'refresh-only';

export type KeyDecision = 'skip-v2' | 'unchanged' | 'refresh' | 'delete' | 'kept-by-mode';

export type DiffCategory = 'same' | 'changed' | 'onlyProduction' | 'onlyTemp' | 'absent';

/** v2 has no value for the key: TEMP never saw it, or its last TEMP record is a tombstone. */
export function desiresTombstone(flags: number): boolean {
  return (flags & TEMP_PRESENT) === 0 || (flags & TEMP_TOMBSTONE) !== 0;
}

export function decideKey(flags: number, mode: BackfillMode): KeyDecision {
  if ((flags & V2_OWNED) !== 0) return 'skip-v2';
  const tombstone = desiresTombstone(flags);
  const prodLive = (flags & PROD_PRESENT) !== 0 && (flags & PROD_TOMBSTONE) === 0;
  if ((flags & PROD_PRESENT) !== 0 ? (flags & PROD_EQUALS_DESIRED) !== 0 : tombstone)
    return 'unchanged';
  if (tombstone) {
    // A key PROD only holds as a tombstone needs no delete (covered above by equality).
    if (!prodLive) return 'unchanged';
    return mode === 'refresh-only' ? 'kept-by-mode' : 'delete';
  }
  return 'refresh';
}

/** What the diff report calls the key (v1's output versus v2's TEMP). */
export function categorize(flags: number): DiffCategory {
  const prodLive = (flags & PROD_PRESENT) !== 0 && (flags & PROD_TOMBSTONE) === 0;
  const tempLive = (flags & TEMP_PRESENT) !== 0 && (flags & TEMP_TOMBSTONE) === 0;
  if (prodLive && tempLive) return (flags & PROD_EQUALS_DESIRED) !== 0 ? 'same' : 'changed';
  if (prodLive) return 'onlyProduction';
  if (tempLive) return 'onlyTemp';
  return 'absent';
}
