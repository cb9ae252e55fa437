import { describe, expect, it } from 'vitest';
import { decideApproval } from '../../src/evolution/approval-policy.js';
import { applyAction } from '../../src/evolution/transition-table.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { anEvolutionIn, REQUESTER } from '../support/evolution-fixture.js';

const HOUR = 60 * 60 * 1000;

function setup(pipelineOverrides = {}) {
  const clock = new FakeClock();
  const pipeline = aPipeline(pipelineOverrides);
  const evolution = anEvolutionIn('AWAITING_APPROVAL', clock, pipeline);
  return { clock, pipeline, evolution, shown: evolution.v2.hash };
}

describe('decideApproval', () => {
  it('allows an approver listed by user id', () => {
    const { clock, pipeline, evolution, shown } = setup();
    expect(
      decideApproval(pipeline, evolution, {
        actor: 'U0APPR1',
        shownSqlHash: shown,
        now: clock.now(),
      }),
    ).toEqual({
      allowed: true,
    });
  });

  it('allows a member of an approver user group', () => {
    const { clock, pipeline, evolution, shown } = setup();
    const attempt = {
      actor: 'U0SOMEONE',
      actorGroups: ['S0OTHER', 'S0APPROVERS'],
      shownSqlHash: shown,
      now: clock.now(),
    };
    expect(decideApproval(pipeline, evolution, attempt)).toEqual({ allowed: true });
  });

  it('refuses a user who is not an approver, naming who can', () => {
    const { clock, pipeline, evolution, shown } = setup();
    const result = decideApproval(pipeline, evolution, {
      actor: 'U0STRANGER',
      actorGroups: ['S0OWNERS'],
      shownSqlHash: shown,
      now: clock.now(),
    });
    expect(result.allowed).toBe(false);
    if (result.allowed) return;
    expect(result.reason).toContain('<@U0STRANGER> is not an approver');
    expect(result.reason).toContain('<@U0APPR1>');
    expect(result.reason).toContain('<!subteam^S0APPROVERS>');
  });

  it('refuses self-approval by the requester even when they are an approver', () => {
    const { clock, pipeline, evolution, shown } = setup({ approvers: [REQUESTER, 'U0APPR1'] });
    const result = decideApproval(pipeline, evolution, {
      actor: REQUESTER,
      shownSqlHash: shown,
      now: clock.now(),
    });
    expect(result).toEqual({
      allowed: false,
      reason: expect.stringContaining('cannot approve it too'),
    });
  });

  it('refuses self-approval by whoever requested the deploy', () => {
    const { clock, pipeline, evolution, shown } = setup();
    const requestedByOther = {
      ...evolution,
      approval: { ...evolution.approval!, requestedBy: 'U0APPR1' },
    };
    const result = decideApproval(pipeline, requestedByOther, {
      actor: 'U0APPR1',
      shownSqlHash: shown,
      now: clock.now(),
    });
    expect(result.allowed).toBe(false);
  });

  it('allows self-approval when the pipeline allows it', () => {
    const { clock, pipeline, evolution, shown } = setup({
      approvers: [REQUESTER],
      allowSelfApproval: true,
    });
    expect(
      decideApproval(pipeline, evolution, {
        actor: REQUESTER,
        shownSqlHash: shown,
        now: clock.now(),
      }),
    ).toEqual({
      allowed: true,
    });
  });

  it('refuses after expiry and says how to ask again', () => {
    const { clock, pipeline, evolution, shown } = setup();
    clock.advance(HOUR - 1);
    expect(
      decideApproval(pipeline, evolution, {
        actor: 'U0APPR1',
        shownSqlHash: shown,
        now: clock.now(),
      }).allowed,
    ).toBe(true);
    clock.advance(1);
    const result = decideApproval(pipeline, evolution, {
      actor: 'U0APPR1',
      shownSqlHash: shown,
      now: clock.now(),
    });
    expect(result).toEqual({
      allowed: false,
      reason: expect.stringMatching(/expired at .*\/evolve deploy revenue/),
    });
  });

  it('refuses a click on a message that showed other SQL (stale message)', () => {
    const { clock, pipeline, evolution } = setup();
    const stale = sqlHash('INSERT INTO revenue SELECT 1;');
    const result = decideApproval(pipeline, evolution, {
      actor: 'U0APPR1',
      shownSqlHash: stale,
      now: clock.now(),
    });
    expect(result).toEqual({ allowed: false, reason: expect.stringContaining(stale.slice(0, 12)) });
    expect(result.allowed || result.reason).toContain('latest approval message');
  });

  it('refuses when the request was made for other SQL than v2 now is', () => {
    const { clock, pipeline, evolution, shown } = setup();
    const oldRequest = {
      ...evolution,
      approval: { ...evolution.approval!, shownSqlHash: sqlHash('older') },
    };
    expect(
      decideApproval(pipeline, oldRequest, {
        actor: 'U0APPR1',
        shownSqlHash: shown,
        now: clock.now(),
      }).allowed,
    ).toBe(false);
  });

  it('a double click is refused and says who decided first', () => {
    const { clock, pipeline, evolution, shown } = setup();
    const attempt = { actor: 'U0APPR1', shownSqlHash: shown, now: clock.now() };
    expect(decideApproval(pipeline, evolution, attempt).allowed).toBe(true);
    const deploying = applyAction(
      evolution,
      { type: 'approve', shownSqlHash: shown },
      'U0APPR1',
      clock,
    );
    clock.advance(1000);
    const second = decideApproval(pipeline, deploying, {
      ...attempt,
      actor: 'U0OWNER2',
      now: clock.now(),
    });
    expect(second).toEqual({
      allowed: false,
      reason: expect.stringMatching(
        /already approved by <@U0APPR1> at 2026-01-15T09:00:00.000Z; it is now DEPLOYING/,
      ),
    });
  });

  it('a late reject after a rejection says who rejected', () => {
    const { clock, pipeline, evolution } = setup();
    const rejected = applyAction(evolution, { type: 'reject' }, 'U0OWNER2', clock);
    const late = decideApproval(pipeline, rejected, {
      actor: 'U0APPR1',
      shownSqlHash: evolution.v2.hash,
      now: clock.now(),
      decision: 'reject',
    });
    expect(late).toEqual({
      allowed: false,
      reason: expect.stringContaining('already rejected by <@U0OWNER2>'),
    });
  });

  it('refuses when nothing awaits approval', () => {
    const clock = new FakeClock();
    const pipeline = aPipeline();
    const ev = anEvolutionIn('SHADOW_RUNNING', clock, pipeline);
    expect(
      decideApproval(pipeline, ev, {
        actor: 'U0APPR1',
        shownSqlHash: ev.v2.hash,
        now: clock.now(),
      }),
    ).toEqual({
      allowed: false,
      reason: expect.stringContaining('no approval is pending'),
    });
  });

  it('lets the requester reject (only approving is bound to another person)', () => {
    const { clock, pipeline, evolution, shown } = setup({ approvers: [REQUESTER] });
    const attempt = { actor: REQUESTER, shownSqlHash: shown, now: clock.now() };
    expect(decideApproval(pipeline, evolution, { ...attempt, decision: 'reject' }).allowed).toBe(
      true,
    );
    expect(decideApproval(pipeline, evolution, attempt).allowed).toBe(false);
  });

  it("refuses a pipeline that is not the evolution's", () => {
    const { clock, evolution, shown } = setup();
    const other = aPipeline({ name: 'other' });
    expect(
      decideApproval(other, evolution, { actor: 'U0APPR1', shownSqlHash: shown, now: clock.now() })
        .allowed,
    ).toBe(false);
  });
});
