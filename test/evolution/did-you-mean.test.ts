import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../src/evolution/did-you-mean.js';

describe('didYouMean', () => {
  const pipelines = ['demo-revenue', 'orders-by-region', 'payments'];

  it.each([
    ['demo-revenu', 'demo-revenue'],
    ['demo-reveune', 'demo-revenue'],
    ['Demo-Revenue2', 'demo-revenue'],
    ['payment', 'payments'],
    ['demo', 'demo-revenue'],
    ['orders-by-regoin', 'orders-by-region'],
  ])('%s -> %s', (typed, meant) => {
    expect(didYouMean(typed, pipelines)).toBe(meant);
  });

  it.each([['inventory'], ['x'], [''], ['demo-revenue']])(
    'suggests nothing for %j (nothing close, or an exact name)',
    (typed) => {
      expect(didYouMean(typed, pipelines)).toBeUndefined();
    },
  );

  it('suggests nothing for a prefix two names share', () => {
    expect(didYouMean('o', ['orders-a', 'orders-b'])).toBeUndefined();
  });

  it('finds verbs: stauts -> status, bakfill -> backfill', () => {
    const verbs = ['status', 'backfill', 'deploy', 'develop', 'diff'];
    expect(didYouMean('stauts', verbs)).toBe('status');
    expect(didYouMean('bakfill', verbs)).toBe('backfill');
    expect(didYouMean('deplyo', verbs)).toBe('deploy');
  });
});
