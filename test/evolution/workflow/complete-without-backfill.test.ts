import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../../src/evolution/workflow/run-deploy.js';
import { runCleanup } from '../../../src/evolution/workflow/run-cleanup.js';
import { mayNeedStep, neededStep } from '../../../src/evolution/workflow/needed-step.js';
import { PermissionDeniedError } from '../../../src/evolution/evolution-errors.js';
import { approvedWorld } from '../../support/workflow-world.js';

describe('complete without a backfill, then the cleanup step', () => {
  it('an owner ends a LIVE evolution: v2 stays production, the cleanup step deletes TEMP once', async () => {
    const w = await approvedWorld();
    const live = await runDeploy(w.deps, w.evolution.id);
    expect(live.status).toBe('LIVE');
    const ev = await w.store.transition(live.id, { type: 'complete' }, 'U0OWNER1');
    expect(ev.status).toBe('COMPLETED');
    expect(ev.completedWithoutBackfill).toEqual({ by: 'U0OWNER1', at: expect.any(Number) });
    expect(ev.finishedAt).toBeDefined();
    // Only the decision so far: the reconcile loop keeps the cleanup queued until it ended.
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(true);
    expect(neededStep(ev)).toEqual({ kind: 'step', name: 'cleanup' });
    expect(mayNeedStep(ev)).toBe(true);

    const cleaned = await runCleanup(w.deps, ev.id);
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(false);
    expect(w.flink.jobs.get(live.v2JobId!)?.state, 'v2 stays production').toBe('RUNNING');
    expect(w.notifier.milestones.at(-1)?.text).toBe(
      `Cleaned up: ${ev.shadow.tempTopic} deleted. v2 stays production.`,
    );
    expect(neededStep(cleaned)).toBeUndefined();
    expect(mayNeedStep(cleaned)).toBe(false);
    const posts = w.notifier.milestones.length;
    await runCleanup(w.deps, ev.id);
    expect(w.notifier.milestones.length, 'a repeated cleanup posts nothing').toBe(posts);
  });

  it('a completion after a backfill needs no cleanup (the backfill deleted TEMP itself)', () => {
    const ev = { status: 'COMPLETED' } as Parameters<typeof neededStep>[0];
    expect(neededStep(ev)).toBeUndefined();
    expect(mayNeedStep(ev)).toBe(false);
  });

  it('only an owner may complete, and only while LIVE', async () => {
    const w = await approvedWorld();
    await expect(
      w.store.transition(w.evolution.id, { type: 'complete' }, 'U0OWNER1'),
    ).rejects.toThrow(/it is DEPLOYING/);
    const live = await runDeploy(w.deps, w.evolution.id);
    await expect(
      w.store.transition(live.id, { type: 'complete' }, 'U0STRANGER'),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
