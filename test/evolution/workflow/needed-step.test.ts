import { describe, expect, it } from 'vitest';
import type { Evolution } from '../../../src/evolution/evolution.js';
import { EVOLUTION_STATUSES } from '../../../src/evolution/evolution-status.js';
import { mayNeedStep, neededStep } from '../../../src/evolution/workflow/needed-step.js';

const base = { status: 'DEVELOPING' } as Evolution;
const run = { runId: 'r1', startedAt: 1 } as NonNullable<Evolution['backfill']>;

describe('neededStep: what the reconcile loop keeps queued for each state', () => {
  it('maps each working state to its step, and states that wait for a person to nothing', () => {
    const table = Object.fromEntries(
      EVOLUTION_STATUSES.map((status) => [status, neededStep({ ...base, status })]),
    );
    expect(table).toEqual({
      DEVELOPING: { kind: 'step', name: 'develop' },
      SHADOW_RUNNING: undefined,
      AWAITING_APPROVAL: undefined,
      DEPLOYING: { kind: 'step', name: 'deploy' },
      // The deploy job resumes a failed deploy with its rollback.
      DEPLOY_FAILED: { kind: 'step', name: 'deploy' },
      LIVE: undefined,
      BACKFILLING: undefined,
      COMPLETED: undefined,
      ABORTED: { kind: 'step', name: 'cleanup' },
      ROLLED_BACK: undefined,
      FAILED: undefined,
    });
  });

  it('a backfill needs its run until the run finished; an abort until its cleanup ended', () => {
    expect(neededStep({ ...base, status: 'BACKFILLING', backfill: run })).toEqual({
      kind: 'backfill',
      runId: 'r1',
    });
    expect(
      neededStep({ ...base, status: 'BACKFILLING', backfill: { ...run, finishedAt: 2 } }),
    ).toBeUndefined();
    expect(neededStep({ ...base, status: 'ABORTED', cleanupEndedAt: 3 })).toBeUndefined();
    expect(mayNeedStep({ status: 'ABORTED' })).toBe(true);
    expect(mayNeedStep({ status: 'ABORTED', cleanupEndedAt: 3 })).toBe(false);
    expect(mayNeedStep({ status: 'FAILED' })).toBe(true);
    expect(mayNeedStep({ status: 'COMPLETED' })).toBe(false);
  });
});
