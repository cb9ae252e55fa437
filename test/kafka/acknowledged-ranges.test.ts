import { describe, expect, it } from 'vitest';
import { AcknowledgedRanges } from '../../src/kafka/acknowledged-ranges.js';

/** Offsets in [from, to) a reader walking with skip/nextStart would read (everything not ours). */
function readable(ranges: AcknowledgedRanges, from: number, to: number): number[] {
  const read: number[] = [];
  let position = from;
  while (position < to) {
    position = ranges.skip(position);
    const gapEnd = Math.min(ranges.nextStart(position) ?? to, to);
    for (; position < gapEnd; position++) read.push(position);
  }
  return read;
}

describe('AcknowledgedRanges', () => {
  it('skips a range only from its start or inside it, to its end', () => {
    const r = new AcknowledgedRanges();
    r.add(10, 5);
    expect(r.skip(9)).toBe(9);
    expect(r.nextStart(9)).toBe(10);
    expect(r.skip(10)).toBe(15);
    expect(r.size).toBe(0);
  });

  it('skips from inside a range to its end (a fetch read into it)', () => {
    const r = new AcknowledgedRanges();
    r.add(10, 5);
    expect(r.skip(12)).toBe(15);
    expect(r.nextStart(15)).toBeUndefined();
  });

  it('leaves every offset between and after the ranges to be read', () => {
    const r = new AcknowledgedRanges();
    r.add(3, 2); // ours: 3, 4
    r.add(6, 1); // ours: 6
    r.add(9, 3); // ours: 9, 10, 11
    expect(readable(r, 0, 14)).toEqual([0, 1, 2, 5, 7, 8, 12, 13]);
  });

  it('merges adjacent and overlapping ranges, also when acknowledged out of order', () => {
    const r = new AcknowledgedRanges();
    r.add(20, 5);
    r.add(10, 5);
    r.add(15, 5); // touches both: one range [10, 25)
    expect(r.size).toBe(1);
    r.add(24, 4); // overlaps the end: [10, 28)
    r.add(40, 2);
    r.add(30, 1);
    expect(r.size).toBe(3);
    expect(readable(r, 8, 44)).toEqual([8, 9, 28, 29, 31, 32, 33, 34, 35, 36, 37, 38, 39, 42, 43]);
  });

  it('forgets the ranges below what was skipped, and never moves a position back', () => {
    const r = new AcknowledgedRanges();
    r.add(0, 5);
    r.add(10, 5);
    expect(r.skip(7)).toBe(7); // [0, 5) is below: forgotten
    expect(r.size).toBe(1);
    expect(r.nextStart(7)).toBe(10);
    expect(r.skip(20)).toBe(20);
    expect(r.size).toBe(0);
  });

  it('ignores what is not a range the broker could have acknowledged', () => {
    const r = new AcknowledgedRanges();
    r.add(-1, 5);
    r.add(5, 0);
    r.add(Number.NaN, 3);
    r.add(7, -2);
    r.add(1.5, 2);
    expect(r.size).toBe(0);
    expect(r.skip(0)).toBe(0);
  });
});
