import { describe, expect, it } from 'vitest';
import { applyAction, allowedActions } from '../../src/evolution/transition-table.js';
import { TransitionRefusedError } from '../../src/evolution/evolution-errors.js';
import type { EvolutionAction, ActionType } from '../../src/evolution/evolution-action.js';
import { EVOLUTION_STATUSES, type EvolutionStatus } from '../../src/evolution/evolution-status.js';
import { FakeClock } from '../support/fake-clock.js';
import { anEvolutionIn, REQUESTER } from '../support/evolution-fixture.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { V2_SQL } from '../support/pipeline-fixture.js';

const err = { code: 'FLINK_UNREACHABLE', message: 'no answer', step: 'startV2' };
const V2_HASH = sqlHash(V2_SQL);

const ACTIONS: Record<ActionType, EvolutionAction> = {
  shadowStarted: { type: 'shadowStarted', jobId: 'c'.repeat(32) },
  requestApproval: { type: 'requestApproval', shownSqlHash: V2_HASH, ttlMs: 1000 },
  approve: { type: 'approve', shownSqlHash: V2_HASH },
  reject: { type: 'reject' },
  deployCompleted: { type: 'deployCompleted', v2JobId: 'd'.repeat(32), cutoverGapMs: 1200 },
  deployFailed: { type: 'deployFailed', error: err },
  rolledBack: { type: 'rolledBack', v1JobId: 'e'.repeat(32) },
  startBackfill: { type: 'startBackfill', runId: 'run-2', rate: 200, mode: 'full' },
  pauseBackfill: { type: 'pauseBackfill' },
  resumeBackfill: { type: 'resumeBackfill' },
  throttleBackfill: { type: 'throttleBackfill', rate: 50 },
  cancelBackfill: { type: 'cancelBackfill' },
  backfillCompleted: {
    type: 'backfillCompleted',
    report: { refreshed: 1, deleted: 2, unchanged: 3, repaired: 0, conflicts: 0, durationMs: 10 },
  },
  backfillFailed: { type: 'backfillFailed', error: err },
  complete: { type: 'complete' },
  abort: { type: 'abort' },
  fail: { type: 'fail', error: err },
};

// The expected lifecycle written out independently of the table under test.
// Entries missing from a row must be refused in that state. resumeBackfill
// and AWAITING_APPROVAL×requestApproval (by someone else than the one who
// asked) need a precondition; see below.
const EXPECTED: Record<EvolutionStatus, Partial<Record<ActionType, EvolutionStatus>>> = {
  DEVELOPING: { shadowStarted: 'SHADOW_RUNNING', abort: 'ABORTED', fail: 'FAILED' },
  SHADOW_RUNNING: { requestApproval: 'AWAITING_APPROVAL', abort: 'ABORTED', fail: 'FAILED' },
  AWAITING_APPROVAL: {
    requestApproval: 'AWAITING_APPROVAL',
    approve: 'DEPLOYING',
    reject: 'SHADOW_RUNNING',
    abort: 'ABORTED',
    fail: 'FAILED',
  },
  DEPLOYING: { deployCompleted: 'LIVE', deployFailed: 'DEPLOY_FAILED', fail: 'FAILED' },
  DEPLOY_FAILED: { rolledBack: 'ROLLED_BACK', fail: 'FAILED' },
  LIVE: { startBackfill: 'BACKFILLING', complete: 'COMPLETED', fail: 'FAILED' },
  BACKFILLING: {
    pauseBackfill: 'BACKFILLING',
    throttleBackfill: 'BACKFILLING',
    cancelBackfill: 'LIVE',
    backfillCompleted: 'COMPLETED',
    backfillFailed: 'LIVE',
    fail: 'FAILED',
  },
  FAILED: { abort: 'ABORTED' },
  COMPLETED: {},
  ABORTED: {},
  ROLLED_BACK: {},
};

describe('transition table', () => {
  for (const status of EVOLUTION_STATUSES) {
    for (const type of Object.keys(ACTIONS) as ActionType[]) {
      const expected = EXPECTED[status][type];
      const name = `${status} × ${type} -> ${expected ?? 'refused'}`;
      it(name, () => {
        const clock = new FakeClock();
        const ev = anEvolutionIn(status, clock);
        clock.advance(5);
        if (expected) {
          const next = applyAction(ev, ACTIONS[type], REQUESTER, clock);
          expect(next.status).toBe(expected);
          expect(next.updatedAt).toBe(clock.now());
          expect(next.version).toBe(ev.version);
        } else {
          expect(() => applyAction(ev, ACTIONS[type], REQUESTER, clock)).toThrow(
            TransitionRefusedError,
          );
        }
      });
    }
  }

  it('a refusal names the current state and what is possible now', () => {
    const clock = new FakeClock();
    const ev = anEvolutionIn('LIVE', clock);
    let caught: unknown;
    try {
      applyAction(ev, { type: 'approve', shownSqlHash: V2_HASH }, 'U0APPR1', clock);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TransitionRefusedError);
    const refusal = caught as TransitionRefusedError;
    expect(refusal.code).toBe('TRANSITION_REFUSED');
    expect(refusal.currentStatus).toBe('LIVE');
    expect(refusal.allowedActions).toEqual(['startBackfill', 'complete', 'fail']);
    expect(refusal.userMessage).toContain('it is LIVE');
    expect(refusal.userMessage).toContain('already approved by <@U0APPR1>');
    expect(refusal.userMessage).toContain('/evolve backfill');
  });

  it('lists only what a person can do, and asks to wait while only a worker can move it', () => {
    const clock = new FakeClock();
    const live = () =>
      applyAction(anEvolutionIn('LIVE', clock), { type: 'abort' }, REQUESTER, clock);
    expect(live).toThrow(
      /Possible now: start the backfill \(\/evolve backfill\), complete without a backfill \(\/evolve complete\)\.$/,
    );
    const deploying = () =>
      applyAction(anEvolutionIn('DEPLOYING', clock), { type: 'abort' }, REQUESTER, clock);
    expect(deploying).toThrow(/it is DEPLOYING\. A step is running; wait for it to finish/);
  });

  it('terminal states allow nothing and say to start a new evolution', () => {
    const clock = new FakeClock();
    for (const status of ['COMPLETED', 'ABORTED', 'ROLLED_BACK'] as const) {
      expect(allowedActions({ status })).toEqual([]);
      expect(() =>
        applyAction(anEvolutionIn(status, clock), { type: 'abort' }, REQUESTER, clock),
      ).toThrow(/\/evolve develop/);
    }
  });

  it('terminal transitions stamp finishedAt, others do not', () => {
    const clock = new FakeClock();
    const aborted = applyAction(
      anEvolutionIn('SHADOW_RUNNING', clock),
      { type: 'abort' },
      REQUESTER,
      clock,
    );
    expect(aborted.finishedAt).toBe(clock.now());
    const failed = applyAction(anEvolutionIn('LIVE', clock), ACTIONS.fail, 'system', clock);
    expect(failed.finishedAt).toBeUndefined();
    expect(failed.error).toEqual({ ...err, at: clock.now() });
  });

  it('records what each step reports', () => {
    const clock = new FakeClock();
    const shadow = applyAction(
      anEvolutionIn('DEVELOPING', clock),
      ACTIONS.shadowStarted,
      'system',
      clock,
    );
    expect(shadow.shadow.jobId).toBe('c'.repeat(32));
    const requested = applyAction(
      anEvolutionIn('SHADOW_RUNNING', clock),
      ACTIONS.requestApproval,
      'U0OWNER2',
      clock,
    );
    expect(requested.approval).toEqual({
      requestedBy: 'U0OWNER2',
      shownSqlHash: V2_HASH,
      requestedAt: clock.now(),
      expiresAt: clock.now() + 1000,
    });
    const approved = applyAction(requested, ACTIONS.approve, 'U0APPR1', clock);
    expect(approved.approval).toMatchObject({
      decidedBy: 'U0APPR1',
      decision: 'approved',
      decidedAt: clock.now(),
    });
    expect(approved.deploy).toEqual({ startedAt: clock.now(), steps: {} });
    const live = applyAction(approved, ACTIONS.deployCompleted, 'system', clock);
    expect(live.v2JobId).toBe('d'.repeat(32));
    expect(live.deploy?.cutoverGapMs).toBe(1200);
    const backfilling = applyAction(live, ACTIONS.startBackfill, 'U0OWNER1', clock);
    expect(backfilling.backfill).toMatchObject({
      runId: 'run-2',
      rate: 200,
      mode: 'full',
      paused: false,
      requestedBy: 'U0OWNER1',
    });
    const throttled = applyAction(backfilling, ACTIONS.throttleBackfill, 'U0OWNER1', clock);
    expect(throttled.backfill?.rate).toBe(50);
    const done = applyAction(throttled, ACTIONS.backfillCompleted, 'system', clock);
    expect(done.backfill?.report?.deleted).toBe(2);
    const rolledBack = applyAction(
      anEvolutionIn('DEPLOY_FAILED', clock),
      ACTIONS.rolledBack,
      'system',
      clock,
    );
    expect(rolledBack.rollbackJobId).toBe('e'.repeat(32));
  });

  it('rejection returns to the running shadow and keeps who rejected', () => {
    const clock = new FakeClock();
    const next = applyAction(
      anEvolutionIn('AWAITING_APPROVAL', clock),
      ACTIONS.reject,
      'U0APPR1',
      clock,
    );
    expect(next.status).toBe('SHADOW_RUNNING');
    expect(next.approval).toMatchObject({ decision: 'rejected', decidedBy: 'U0APPR1' });
  });

  it('pause and resume only toggle', () => {
    const clock = new FakeClock();
    const paused = applyAction(
      anEvolutionIn('BACKFILLING', clock),
      ACTIONS.pauseBackfill,
      REQUESTER,
      clock,
    );
    expect(paused.backfill?.paused).toBe(true);
    expect(() => applyAction(paused, ACTIONS.pauseBackfill, REQUESTER, clock)).toThrow(
      /already paused/,
    );
    const resumed = applyAction(paused, ACTIONS.resumeBackfill, REQUESTER, clock);
    expect(resumed.backfill?.paused).toBe(false);
    expect(() => applyAction(resumed, ACTIONS.resumeBackfill, REQUESTER, clock)).toThrow(
      /not paused/,
    );
  });

  it('a second backfill while one runs says it runs and offers what a running (or paused) one takes', () => {
    const clock = new FakeClock();
    const running = anEvolutionIn('BACKFILLING', clock);
    const again = { type: 'startBackfill', runId: 'r2', rate: 100, mode: 'full' } as const;
    expect(() => applyAction(running, again, REQUESTER, clock)).toThrow(
      /it is BACKFILLING \(its backfill is running\)\. Possible now: pause the backfill \(\/evolve pause\), change the backfill rate \(\/evolve throttle\), cancel the backfill \(\/evolve cancel\)\.$/,
    );
    const paused = applyAction(running, ACTIONS.pauseBackfill, REQUESTER, clock);
    expect(() => applyAction(paused, again, REQUESTER, clock)).toThrow(
      /\(its backfill is paused\)\. Possible now: resume the backfill \(\/evolve resume\), change the backfill rate \(\/evolve throttle\), cancel the backfill \(\/evolve cancel\)\.$/,
    );
    expect(allowedActions(running)).not.toContain('resumeBackfill');
    expect(allowedActions(paused)).not.toContain('pauseBackfill');
  });

  it('refuses a rate that is not a positive number', () => {
    const clock = new FakeClock();
    for (const rate of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        applyAction(
          anEvolutionIn('BACKFILLING', clock),
          { type: 'throttleBackfill', rate },
          REQUESTER,
          clock,
        ),
      ).toThrow(/greater than 0/);
      expect(() =>
        applyAction(
          anEvolutionIn('LIVE', clock),
          { type: 'startBackfill', runId: 'r', rate, mode: 'full' },
          REQUESTER,
          clock,
        ),
      ).toThrow(/greater than 0/);
    }
  });

  it('a deploy request must show the current v2 SQL', () => {
    const clock = new FakeClock();
    const stale = { type: 'requestApproval', shownSqlHash: sqlHash('old'), ttlMs: 1000 } as const;
    expect(() =>
      applyAction(anEvolutionIn('SHADOW_RUNNING', clock), stale, REQUESTER, clock),
    ).toThrow(/current v2 SQL/);
  });

  it('a pending approval cannot be re-requested by another; by its requester it is renewed; an expired one can be by anyone', () => {
    const clock = new FakeClock();
    const pending = anEvolutionIn('AWAITING_APPROVAL', clock);
    expect(() => applyAction(pending, ACTIONS.requestApproval, 'U0OWNER2', clock)).toThrow(
      /still pending/,
    );
    clock.advance(10);
    const again = applyAction(pending, ACTIONS.requestApproval, REQUESTER, clock);
    expect(again.approval).toEqual({
      requestedBy: REQUESTER,
      shownSqlHash: V2_HASH,
      requestedAt: clock.now(),
      expiresAt: clock.now() + 1000,
    });
    clock.advance(60 * 60 * 1000);
    const renewed = applyAction(pending, ACTIONS.requestApproval, 'U0OWNER2', clock);
    expect(renewed.status).toBe('AWAITING_APPROVAL');
    expect(renewed.approval).toMatchObject({
      requestedBy: 'U0OWNER2',
      expiresAt: clock.now() + 1000,
    });
  });

  it('approving after expiry or with a stale hash is refused by the table itself', () => {
    const clock = new FakeClock();
    const ev = anEvolutionIn('AWAITING_APPROVAL', clock);
    expect(() =>
      applyAction(ev, { type: 'approve', shownSqlHash: sqlHash('other') }, 'U0APPR1', clock),
    ).toThrow(/latest approval message/);
    clock.advance(60 * 60 * 1000);
    expect(() => applyAction(ev, ACTIONS.approve, 'U0APPR1', clock)).toThrow(/expired/);
  });
});
