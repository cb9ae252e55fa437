import type { Evolution } from '../../src/evolution/evolution.js';
import type { EvolutionStatus } from '../../src/evolution/evolution-status.js';
import type { Pipeline } from '../../src/evolution/pipeline.js';
import { newEvolution } from '../../src/evolution/new-evolution.js';
import type { Clock } from '../../src/evolution/ports/clock.js';
import { aPipeline, V2_SQL } from './pipeline-fixture.js';

export const REQUESTER = 'U0OWNER1';

/**
 * An evolution as it looks in the given status, with the records that status
 * implies (approval pending and unexpired, backfill running...), built as
 * data so a transition test does not depend on other transitions.
 */
export function anEvolutionIn(
  status: EvolutionStatus,
  clock: Clock,
  pipeline: Pipeline = aPipeline(),
  overrides: Partial<Evolution> = {},
): Evolution {
  const base = newEvolution({
    pipeline,
    v2Sql: V2_SQL,
    requester: REQUESTER,
    slack: { channel: 'C0EVOLVE' },
    clock,
  });
  const now = clock.now();
  const ev: Evolution = { ...base, status, version: 1 };
  if (status !== 'DEVELOPING') ev.shadow = { ...ev.shadow, jobId: 'b'.repeat(32) };
  if (status !== 'DEVELOPING' && status !== 'SHADOW_RUNNING') {
    ev.approval = {
      requestedBy: REQUESTER,
      shownSqlHash: ev.v2.hash,
      requestedAt: now,
      expiresAt: now + pipeline.approvalTtlMs,
    };
  }
  if (
    ['DEPLOYING', 'LIVE', 'BACKFILLING', 'COMPLETED', 'DEPLOY_FAILED', 'ROLLED_BACK'].includes(
      status,
    ) &&
    ev.approval
  ) {
    ev.approval = { ...ev.approval, decidedBy: 'U0APPR1', decision: 'approved', decidedAt: now };
    ev.deploy = { startedAt: now, steps: {} };
  }
  if (status === 'BACKFILLING' || status === 'COMPLETED') {
    ev.backfill = {
      runId: 'run-1',
      requestedBy: REQUESTER,
      rate: 500,
      mode: 'full',
      startedAt: now,
      paused: false,
    };
  }
  return { ...ev, ...overrides };
}
