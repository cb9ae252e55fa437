import { describe, expect, it } from 'vitest';
import { displayState, isActive } from '../../src/evolution/display-state.js';
import { applyAction } from '../../src/evolution/transition-table.js';
import { EVOLUTION_STATUSES } from '../../src/evolution/evolution-status.js';
import { FakeClock } from '../support/fake-clock.js';
import { anEvolutionIn, REQUESTER } from '../support/evolution-fixture.js';

describe('displayState', () => {
  it('is the stored status when nothing qualifies it', () => {
    const clock = new FakeClock();
    for (const status of EVOLUTION_STATUSES) {
      expect(displayState(anEvolutionIn(status, clock), clock.now())).toBe(status);
    }
  });

  it('shows REJECTED while the shadow runs after a rejection, until a new deploy request', () => {
    const clock = new FakeClock();
    const rejected = applyAction(
      anEvolutionIn('AWAITING_APPROVAL', clock),
      { type: 'reject' },
      'U0APPR1',
      clock,
    );
    expect(rejected.status).toBe('SHADOW_RUNNING');
    expect(displayState(rejected, clock.now())).toBe('REJECTED');
    const again = applyAction(
      rejected,
      { type: 'requestApproval', shownSqlHash: rejected.v2.hash, ttlMs: 1000 },
      REQUESTER,
      clock,
    );
    expect(displayState(again, clock.now())).toBe('AWAITING_APPROVAL');
  });

  it('shows APPROVAL_EXPIRED from the expiry time, without a write', () => {
    const clock = new FakeClock();
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    expect(displayState(ev, ev.approval!.expiresAt - 1)).toBe('AWAITING_APPROVAL');
    expect(displayState(ev, ev.approval!.expiresAt)).toBe('APPROVAL_EXPIRED');
  });

  it('shows BACKFILL_PAUSED while paused', () => {
    const clock = new FakeClock();
    const paused = applyAction(
      anEvolutionIn('BACKFILLING', clock),
      { type: 'pauseBackfill' },
      REQUESTER,
      clock,
    );
    expect(displayState(paused, clock.now())).toBe('BACKFILL_PAUSED');
  });
});

describe('isActive', () => {
  it('everything but COMPLETED, ABORTED and ROLLED_BACK blocks the pipeline (FAILED waits for a human)', () => {
    const clock = new FakeClock();
    const active = EVOLUTION_STATUSES.filter((s) => isActive(anEvolutionIn(s, clock)));
    expect(active).toEqual([
      'DEVELOPING',
      'SHADOW_RUNNING',
      'AWAITING_APPROVAL',
      'DEPLOYING',
      'LIVE',
      'BACKFILLING',
      'DEPLOY_FAILED',
      'FAILED',
    ]);
  });
});
