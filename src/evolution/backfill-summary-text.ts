import { plural } from './plural.js';
import type { BackfillProjection, BackfillReport } from './evolution.js';

const count = (n: number): string => n.toLocaleString('en-US');

/** The outcomes that add up to the keys, in the order a person reads them. */
export function keyOutcomes(r: BackfillReport): Array<[label: string, n: number]> {
  return [
    ['refreshed', r.refreshed],
    ['deleted', r.deleted],
    ['unchanged', r.unchanged],
    ['owned by v2 (live writes left alone)', r.ownedByV2 ?? 0],
    ['dropped (v2 wrote them during the backfill)', r.dropped ?? 0],
    ["repaired (v2's value written back over ours)", r.repaired],
    ['kept (refresh-only mode deletes nothing)', r.keptByMode ?? 0],
  ];
}

/**
 * "1,919 keys: 545 refreshed, 5 deleted, 548 unchanged, 818 owned by v2 (live
 * writes left alone), 3 dropped (…); 12.3 s at 44 records/s". Outcomes with
 * no key are left out, except the first three; the parts always add up to
 * the keys named first. Older reports (no key count) list what they have.
 */
export function backfillSummaryText(r: BackfillReport): string {
  const parts = keyOutcomes(r)
    .filter(([label, n], i) => i < 3 || n > 0 || label.startsWith('owned'))
    .map(([label, n]) => `${count(n)} ${label}`);
  const seconds = Math.max(0.001, r.durationMs / 1000);
  const written = r.written ?? r.refreshed + r.deleted + r.repaired;
  const rate = plural(Math.round(written / seconds), 'record', 'records');
  const head = r.keys !== undefined ? `${plural(r.keys, 'key', 'keys')}: ` : '';
  const conflicts = r.conflicts > 0 ? `; ${plural(r.conflicts, 'key', 'keys')} still differ` : '';
  return `${head}${parts.join(', ')}${conflicts}; ${seconds.toFixed(1)} s at ${rate}/s`;
}

/**
 * One line against what the approver was shown, e.g. "The approval projected
 * 253 upserts and 6 deletes; the backfill refreshed 81 and deleted 5, and left
 * 261 keys v2 had written itself since the cutover." The projection was taken
 * before the deploy, so v2's own writes since then account for the gap.
 */
export function projectionComparison(
  projected: BackfillProjection | undefined,
  r: BackfillReport,
): string | undefined {
  if (!projected) return undefined;
  const v2 = (r.ownedByV2 ?? 0) + (r.dropped ?? 0) + r.repaired;
  const left =
    v2 > 0 ? `, and left ${plural(v2, 'key', 'keys')} v2 had written itself since the cutover` : '';
  return (
    `The approval projected ${plural(projected.upserts, 'upsert', 'upserts')} and ${plural(projected.deletes, 'delete', 'deletes')}; ` +
    `the backfill refreshed ${count(r.refreshed)} and deleted ${count(r.deleted)}${left}.`
  );
}
