import { describe, expect, it } from 'vitest';
import {
  backfillProgressText,
  etaText,
  stagePercent,
} from '../../src/evolution/backfill-progress-text.js';
import { plural } from '../../src/evolution/plural.js';

/** Texts issue 13 saw; none may come out of a builder again. */
const BAD = [/0 \/ 0 records/, /\b1 records/, /etaSeconds/, /ETA 0s/, /-1/, /100%/];

function expectNoBadText(text: string): void {
  for (const bad of BAD) expect(text).not.toMatch(bad);
}

describe('backfillProgressText', () => {
  it('says the phase, its figures, the rate and the time left', () => {
    const text = backfillProgressText({
      stage: 'emit',
      done: 1_200,
      total: 3_000,
      rate: 200,
      etaSeconds: 9,
    });
    expect(text).toBe(
      'Step 2 of 3, writing refreshes and deletes: 1,200 of 3,000 keys (40%) at 200 records/s, about 9 s left.',
    );
    expectNoBadText(text);
  });

  it('names each phase with its unit, and starts from a known total, never 0 of 0', () => {
    const index = backfillProgressText({ stage: 'index', done: 0, total: 27 });
    expect(index).toBe('Step 1 of 3, reading the production topic and TEMP: 0 of 27 records (0%).');
    expectNoBadText(index);
    const verify = backfillProgressText({ stage: 'verify', done: 10, total: 40, etaSeconds: 2.2 });
    expect(verify).toBe(
      'Step 3 of 3, verifying the production topic: 10 of 40 records (25%), about 3 s left.',
    );
  });

  it('never reads 100% while the phase still runs (27 of 27 was shown while still backfilling)', () => {
    const text = backfillProgressText({ stage: 'emit', done: 26_999, total: 27_000, rate: 1 });
    expect(text).toContain('(99%)');
    expectNoBadText(text);
  });

  it('uses the singular for one, and "paused" instead of a time while paused', () => {
    const text = backfillProgressText(
      { stage: 'emit', done: 0, total: 1, rate: 1, etaSeconds: 1 },
      true,
    );
    expect(text).toBe('Step 2 of 3, writing refreshes and deletes: 0 of 1 key (0%), paused.');
    expect(
      backfillProgressText({ stage: 'emit', done: 0, total: 2, rate: 1, etaSeconds: 2 }),
    ).toContain('at 1 record/s');
    expectNoBadText(text);
  });
});

describe('the pieces', () => {
  it('plural', () => {
    expect(plural(1, 'key', 'keys')).toBe('1 key');
    expect(plural(0, 'key', 'keys')).toBe('0 keys');
    expect(plural(12_345, 'record', 'records')).toBe('12,345 records');
  });

  it('stagePercent reaches 100 only when done', () => {
    expect(stagePercent(0, 0)).toBe(0);
    expect(stagePercent(999, 1000)).toBe(99);
    expect(stagePercent(1000, 1000)).toBe(100);
    expect(stagePercent(1500, 1000)).toBe(100);
  });

  it('etaText rounds up and never says 0', () => {
    expect(etaText(0)).toBe('about 1 s left');
    expect(etaText(59.2)).toBe('about 1 min left');
    expect(etaText(58.5)).toBe('about 59 s left');
    expect(etaText(125)).toBe('about 2 min 5 s left');
    expect(etaText(120)).toBe('about 2 min left');
    expect(etaText(7_300)).toBe('about 2 h 1 min left');
  });
});
