import { describe, expect, it } from 'vitest';
import {
  backfillSummaryText,
  keyOutcomes,
  projectionComparison,
} from '../../src/evolution/backfill-summary-text.js';
import type { BackfillReport } from '../../src/evolution/evolution.js';

/** The run of issue 13 under live writes: 545 + 261 + 548 = 1354 of 1919 keys were all it said. */
const live: BackfillReport = {
  refreshed: 545,
  deleted: 261,
  unchanged: 548,
  ownedByV2: 560,
  dropped: 3,
  repaired: 2,
  keptByMode: 0,
  keys: 1919,
  conflicts: 0,
  durationMs: 12_300,
  written: 808,
};

describe('backfillSummaryText', () => {
  it('lists every outcome, and they add up to the keys it names', () => {
    const text = backfillSummaryText(live);
    expect(text).toBe(
      '1,919 keys: 545 refreshed, 261 deleted, 548 unchanged, 560 owned by v2 (live writes left alone), ' +
        "3 dropped (v2 wrote them during the backfill), 2 repaired (v2's value written back over ours); 12.3 s at 66 records/s",
    );
    const sum = keyOutcomes(live).reduce((n, [, k]) => n + k, 0);
    expect(sum).toBe(live.keys);
  });

  it('always says how many keys v2 owns, even none, and uses the singular', () => {
    const text = backfillSummaryText({
      refreshed: 1,
      deleted: 0,
      unchanged: 0,
      ownedByV2: 0,
      repaired: 0,
      conflicts: 0,
      keys: 1,
      durationMs: 1_000,
      written: 1,
    });
    expect(text).toBe(
      '1 key: 1 refreshed, 0 deleted, 0 unchanged, 0 owned by v2 (live writes left alone); 1.0 s at 1 record/s',
    );
  });

  it('names the conflicts left, and reads an older report without a key count', () => {
    const text = backfillSummaryText({
      refreshed: 81,
      deleted: 5,
      unchanged: 8,
      repaired: 0,
      conflicts: 2,
      durationMs: 2_000,
    });
    expect(text).toBe(
      '81 refreshed, 5 deleted, 8 unchanged, 0 owned by v2 (live writes left alone); 2 keys still differ; 2.0 s at 43 records/s',
    );
  });
});

describe('projectionComparison', () => {
  it("puts the approval's projection beside what was done, in one line", () => {
    const line = projectionComparison(
      { upserts: 253, deletes: 6 },
      {
        refreshed: 81,
        deleted: 5,
        unchanged: 8,
        ownedByV2: 165,
        dropped: 2,
        repaired: 0,
        conflicts: 0,
        durationMs: 1_000,
      },
    );
    expect(line).toBe(
      'The approval projected 253 upserts and 6 deletes; the backfill refreshed 81 and deleted 5, and left 167 keys v2 had written itself since the cutover.',
    );
    expect(line).not.toContain('\n');
    expect(projectionComparison(undefined, live)).toBeUndefined();
    expect(
      projectionComparison(
        { upserts: 1, deletes: 1 },
        { ...live, ownedByV2: 0, dropped: 0, repaired: 0 },
      ),
    ).toBe(
      'The approval projected 1 upsert and 1 delete; the backfill refreshed 545 and deleted 261.',
    );
  });
});
