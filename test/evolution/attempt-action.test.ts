import { describe, expect, it } from 'vitest';
import { attemptAction } from '../../src/evolution/attempt-action.js';
import { assertMayAct } from '../../src/evolution/permissions.js';
import { PermissionDeniedError } from '../../src/evolution/evolution-errors.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';

describe('permissions', () => {
  const pipeline = aPipeline();

  it('owners by id or by group may develop, request deploys, backfill and abort', () => {
    for (const action of [
      'develop',
      'requestApproval',
      'startBackfill',
      'throttleBackfill',
      'abort',
    ] as const) {
      expect(() => assertMayAct(pipeline, action, { actor: 'U0OWNER1' })).not.toThrow();
      expect(() =>
        assertMayAct(pipeline, action, { actor: 'U0NEW', actorGroups: ['S0OWNERS'] }),
      ).not.toThrow();
    }
  });

  it('others may not, and are told whom to ask', () => {
    for (const action of ['develop', 'requestApproval', 'startBackfill', 'abort'] as const) {
      expect(() => assertMayAct(pipeline, action, { actor: 'U0APPR1' })).toThrow(
        PermissionDeniedError,
      );
    }
    expect(() =>
      assertMayAct(pipeline, 'abort', { actor: 'U0APPR1', actorGroups: ['S0APPROVERS'] }),
    ).toThrow(/<@U0APPR1> is not an owner of pipeline 'revenue' and cannot abort .*<@U0OWNER1>/);
  });

  it('only workers report step outcomes, and workers never approve', () => {
    expect(() => assertMayAct(pipeline, 'deployCompleted', { actor: 'U0OWNER1' })).toThrow(
      /Only the workers/,
    );
    expect(() =>
      assertMayAct(pipeline, 'deployCompleted', { actor: 'system:worker-1' }),
    ).not.toThrow();
    expect(() => assertMayAct(pipeline, 'abort', { actor: 'system' })).not.toThrow();
    expect(() => assertMayAct(pipeline, 'approve', { actor: 'system' })).toThrow(/never approves/);
  });
});

describe('attemptAction', () => {
  it('an accepted action yields the next record and an audit event with before and after', () => {
    const clock = new FakeClock();
    const evolution = anEvolutionIn('AWAITING_APPROVAL', clock);
    const result = attemptAction({
      pipeline: aPipeline(),
      evolution,
      action: { type: 'approve', shownSqlHash: evolution.v2.hash },
      actor: 'U0APPR1',
      clock,
    });
    expect(result.accepted).toBe(true);
    expect(result.audit).toEqual({
      evolutionId: evolution.id,
      pipeline: 'revenue',
      actor: 'U0APPR1',
      action: 'approve',
      before: 'AWAITING_APPROVAL',
      after: 'DEPLOYING',
      accepted: true,
      at: clock.now(),
    });
  });

  it('a refused approval yields the refusal and an audit event saying why', () => {
    const clock = new FakeClock();
    const evolution = anEvolutionIn('AWAITING_APPROVAL', clock);
    const result = attemptAction({
      pipeline: aPipeline(),
      evolution,
      action: { type: 'approve', shownSqlHash: evolution.v2.hash },
      actor: 'U0OWNER1',
      clock,
    });
    expect(result.accepted).toBe(false);
    if (result.accepted) return;
    expect(result.error.code).toBe('APPROVAL_REFUSED');
    expect(result.audit).toMatchObject({
      accepted: false,
      before: 'AWAITING_APPROVAL',
      code: 'APPROVAL_REFUSED',
    });
    expect(result.audit.after).toBeUndefined();
    expect(result.audit.reason).toBe(result.error.userMessage);
  });

  it('permission is checked before the state: a stranger learns they are not an owner', () => {
    const clock = new FakeClock();
    const result = attemptAction({
      pipeline: aPipeline(),
      evolution: anEvolutionIn('COMPLETED', clock),
      action: { type: 'abort' },
      actor: 'U0STRANGER',
      clock,
    });
    expect(result.accepted ? '' : result.error.code).toBe('PERMISSION_DENIED');
  });

  it('a refused transition is audited with its code', () => {
    const clock = new FakeClock();
    const result = attemptAction({
      pipeline: aPipeline(),
      evolution: anEvolutionIn('DEPLOYING', clock),
      action: { type: 'abort' },
      actor: 'U0OWNER1',
      clock,
    });
    expect(result.accepted).toBe(false);
    expect(result.audit).toMatchObject({
      action: 'abort',
      before: 'DEPLOYING',
      code: 'TRANSITION_REFUSED',
    });
  });
});
