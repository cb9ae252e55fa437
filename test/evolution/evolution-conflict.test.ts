import { describe, expect, it } from 'vitest';
import { EvolutionConflictError } from '../../src/evolution/evolution-errors.js';
import type { EvolutionStatus } from '../../src/evolution/evolution-status.js';

const refusal = (status: EvolutionStatus) =>
  new EvolutionConflictError({
    id: 'ev-1',
    pipeline: 'revenue',
    requester: 'U0OWNER1',
    status,
    createdAt: 0,
  }).userMessage;

describe('a second evolution while one is active says how to end the first, from where it is', () => {
  it.each<[EvolutionStatus, RegExp]>([
    ['SHADOW_RUNNING', /Abort it with \/evolve abort revenue before starting another\.$/],
    ['AWAITING_APPROVAL', /Abort it with \/evolve abort revenue before/],
    [
      'LIVE',
      /v2 is production: backfill it with \/evolve backfill revenue, or end it without a backfill with \/evolve complete revenue, before starting another\.$/,
    ],
    [
      'BACKFILLING',
      /cancel it \(\/evolve cancel revenue\) and end it with \/evolve complete revenue/,
    ],
    ['DEPLOYING', /wait for it to go live or roll back before starting another\.$/],
  ])('%s', (status, text) => {
    expect(refusal(status)).toMatch(text);
    if (status === 'LIVE' || status === 'BACKFILLING') expect(refusal(status)).not.toMatch(/abort/);
  });
});
