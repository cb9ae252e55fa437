import { describe, expect, it } from 'vitest';
import {
  mergeFigures,
  runStage,
  windowRate,
  type PartitionPhases,
  type RateSample,
} from '../../src/jobs/backfill-run-progress.js';

describe('runStage', () => {
  it('is the first phase not every partition finished, with the sum of their totals', () => {
    const partitions: PartitionPhases[] = [
      { index: { done: 100, total: 100 }, emit: { done: 10, total: 40 } },
      { index: { done: 50, total: 80 } },
    ];
    expect(runStage(partitions)).toEqual({
      stage: 'index',
      done: 150,
      total: 180,
      finished: false,
    });
    partitions[1]!.index = { done: 80, total: 80 };
    // Partition 1 finished indexing but has not said how many keys it will emit: wait, so the total does not grow later.
    expect(runStage(partitions)).toBeUndefined();
    partitions[1]!.emit = { done: 0, total: 60 };
    expect(runStage(partitions)).toEqual({ stage: 'emit', done: 10, total: 100, finished: false });
  });

  it('skips a phase with nothing to do, and says finished once every partition verified', () => {
    const partitions: PartitionPhases[] = [
      { index: { done: 5, total: 5 }, emit: { done: 0, total: 0 }, verify: { done: 0, total: 9 } },
    ];
    expect(runStage(partitions)).toEqual({ stage: 'verify', done: 0, total: 9, finished: false });
    partitions[0]!.verify = { done: 9, total: 9 };
    expect(runStage(partitions)).toMatchObject({ finished: true });
    expect(runStage([])).toBeUndefined();
  });

  it('never goes back while partitions report in any order (the CLI once showed 54% -> 80% -> 63%)', () => {
    const stored: PartitionPhases[] = [{}, {}, {}];
    const totals = [3000, 2500, 1800];
    for (let p = 0; p < 3; p++) stored[p]!.index = { done: 0, total: totals[p]! };
    let last = { rank: 0, pct: -1 };
    const order = ['index', 'emit', 'verify'] as const;
    // Partitions advance at different speeds; a resumed one re-reports lower figures.
    for (let step = 0; step < 400; step++) {
      const p = step % 3;
      const cur = stored[p]!;
      const stage = order.find((s) => !cur[s] || cur[s]!.done < cur[s]!.total);
      if (!stage) continue;
      const fig = cur[stage] ?? { done: 0, total: 700 + 100 * p };
      const advance = step % 17 === 0 ? -50 : 37 + 11 * p;
      cur[stage] = mergeFigures(cur[stage], {
        done: Math.min(fig.total, Math.max(0, fig.done + advance)),
        total: fig.total,
      });
      const next = order[order.indexOf(stage) + 1];
      if (cur[stage]!.done >= cur[stage]!.total && next)
        cur[next] = { done: 0, total: next === 'emit' ? 700 + 100 * p : 900 };
      const run = runStage(stored);
      if (!run || run.finished) continue;
      const now = { rank: order.indexOf(run.stage), pct: run.done / run.total };
      expect(now.rank > last.rank || (now.rank === last.rank && now.pct >= last.pct)).toBe(true);
      last = now;
    }
  });
});

describe('mergeFigures', () => {
  it('keeps the larger done and total', () => {
    expect(mergeFigures({ done: 50, total: 100 }, { done: 20, total: 100 })).toEqual({
      done: 50,
      total: 100,
    });
    expect(mergeFigures(undefined, { done: 1, total: 2 })).toEqual({ done: 1, total: 2 });
  });
});

describe('windowRate', () => {
  const sample = (at: number, done: number): RateSample => ({ at, stage: 'emit', done });

  it('measures the last seconds, not the mean since the start', () => {
    // 1000 records/s for 20 s, then 200/s for 10 s.
    const samples = [sample(0, 0), sample(10_000, 10_000), sample(20_000, 20_000)];
    for (let s = 21; s <= 30; s++) samples.push(sample(s * 1000, 20_000 + 200 * (s - 20)));
    const now = samples.pop()!;
    expect(windowRate(samples, now, 10_000)).toBeCloseTo(200, 5);
  });

  it('is capped at the limit and unknown with no earlier sample of the phase', () => {
    expect(windowRate([sample(0, 0)], sample(1_000, 781), 10_000, 200)).toBe(200);
    expect(windowRate([], sample(1_000, 10), 10_000)).toBeUndefined();
    expect(
      windowRate([{ at: 0, stage: 'index', done: 0 }], sample(5_000, 10), 10_000),
    ).toBeUndefined();
  });
});
