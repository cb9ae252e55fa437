import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../../src/evolution/workflow/run-deploy.js';
import { runDevelop } from '../../../src/evolution/workflow/run-develop.js';
import { runExpire } from '../../../src/evolution/workflow/run-expire.js';
import { runSnapshot } from '../../../src/evolution/workflow/run-snapshot.js';
import { baseNeed, keepingNeed, mayNeedStep } from '../../../src/evolution/workflow/needed-step.js';
import { runMergeBase } from '../../../src/evolution/workflow/run-merge-base.js';
import { releaseRolledBack } from '../../../src/evolution/workflow/release-rolled-back.js';
import { rollbackWindowText } from '../../../src/evolution/rollback-window-text.js';
import { newEvolution } from '../../../src/evolution/new-evolution.js';
import { rollbackOrigin } from '../../../src/evolution/rollback-policy.js';
import { approvedWorld } from '../../support/workflow-world.js';
import type { Evolution } from '../../../src/evolution/evolution.js';

const DAY = 24 * 3600_000;

/** A rollback evolution of `ev`, as the service creates one (not through it: no Redis here). */
async function rollbackOf(w: Awaited<ReturnType<typeof approvedWorld>>, ev: Evolution) {
  return w.store.create(
    newEvolution({
      pipeline: await w.pipelines.load('revenue'),
      v2Sql: ev.v1.sql,
      requester: 'U0OWNER1',
      slack: { channel: 'C0EVOLVE' },
      clock: w.clock,
      rollbackOf: rollbackOrigin(ev),
    }),
  );
}

async function liveWorld(windowMs: number | undefined = 7 * DAY) {
  const w = await approvedWorld();
  w.deps.rollbackWindowMs = windowMs;
  const ev = await runDeploy(w.deps, w.evolution.id);
  return { ...w, evolution: ev };
}

describe('keeping v1 for a rollback', () => {
  it('records the inputs at the cutover and the window, then copies PROD below the cutover', async () => {
    const w = await liveWorld();
    const ev = w.evolution;
    expect(ev.status).toBe('LIVE');
    expect(ev.cutover?.inputs).toEqual([
      {
        topic: 'orders',
        offsets: [
          { partition: 0, offset: '400' },
          { partition: 1, offset: '300' },
        ],
      },
    ]);
    expect(ev.v1Snapshot).toEqual({
      topic: `revenue-by-region.evolve.${ev.id}.v1`,
      until: ev.cutover!.recordedAt + 7 * DAY,
    });
    expect(keepingNeed(ev, w.clock.now())).toEqual({ kind: 'step', name: 'snapshot' });
    expect(mayNeedStep(ev)).toBe(true);

    const kept = await runSnapshot(w.deps, ev.id);
    expect(w.kafka.copies).toEqual([[`revenue-by-region.evolve.${ev.id}.v1`, 150]]);
    expect(kept.v1Snapshot?.completedAt).toBe(w.clock.now());
    expect(kept.v1Snapshot?.records).toBe(150);
    expect(keepingNeed(kept, w.clock.now())).toBeUndefined();
    expect(w.notifier.milestones.at(-1)?.text).toContain(
      `/evolve rollback revenue is possible until ${new Date(kept.v1Snapshot!.until).toISOString()}`,
    );
    // A second run (a duplicate job) copies nothing again.
    await runSnapshot(w.deps, ev.id);
    expect(w.kafka.copies).toHaveLength(1);
  });

  it('keeps nothing with a window of 0, and a pipeline window overrides the default', async () => {
    expect((await liveWorld(0)).evolution.v1Snapshot).toBeUndefined();
    const w = await approvedWorld();
    w.deps.rollbackWindowMs = 7 * DAY;
    await w.pipelines.register({
      ...(await w.pipelines.load('revenue')),
      rollbackWindowMs: 60_000,
    });
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.v1Snapshot?.until).toBe(ev.cutover!.recordedAt + 60_000);
  });

  it('at the window’s end disposes S1 and deletes the snapshot topic, once', async () => {
    const w = await liveWorld(DAY);
    const ev = await runSnapshot(w.deps, w.evolution.id);
    expect(await runExpire(w.deps, ev.id)).toMatchObject({
      v1Snapshot: { topic: ev.v1Snapshot!.topic },
    });
    expect(w.flink.disposed).toEqual([]);

    w.clock.advance(DAY);
    expect(keepingNeed(ev, w.clock.now())).toEqual({ kind: 'step', name: 'expire' });
    const expired = await runExpire(w.deps, ev.id);
    expect(w.flink.disposed).toEqual([ev.savepoints.s1!.location]);
    expect(w.kafka.topics.has(ev.v1Snapshot!.topic)).toBe(false);
    expect(expired.v1Snapshot?.disposedAt).toBe(w.clock.now());
    expect(keepingNeed(expired, w.clock.now())).toBeUndefined();
    expect(mayNeedStep({ ...expired, status: 'COMPLETED' })).toBe(false);
    expect(w.notifier.milestones.at(-1)?.text).toContain('S1 (');
    await runExpire(w.deps, ev.id);
    expect(w.flink.disposed).toHaveLength(1);
  });

  it('waits with the expiry while a rollback of the evolution is in progress', async () => {
    const w = await liveWorld(DAY);
    await runSnapshot(w.deps, w.evolution.id);
    const ev = await w.store.transition(w.evolution.id, { type: 'complete' }, 'U0OWNER1');
    const rollback = await rollbackOf(w, ev);
    await w.store.update(ev.id, (await w.store.load(ev.id)).version, (cur) => ({
      ...cur,
      rolledBackBy: rollback.id,
    }));
    w.clock.advance(DAY);
    await runExpire(w.deps, ev.id);
    expect(w.flink.disposed).toEqual([]);
  });

  it('restores the rollback’s shadow from S1', async () => {
    const w = await liveWorld();
    await runSnapshot(w.deps, w.evolution.id);
    const ev = await w.store.transition(w.evolution.id, { type: 'complete' }, 'U0OWNER1');
    const rollback = await rollbackOf(w, ev);
    expect(rollback.rollbackOf).toEqual({
      evolutionId: ev.id,
      savepoint: ev.savepoints.s1!.location,
      baseTopic: ev.v1Snapshot!.topic,
    });
    const shadow = await runDevelop(w.deps, rollback.id);
    expect(shadow.status).toBe('SHADOW_RUNNING');
    const job = w.flink.jobs.get(shadow.shadow.jobId!)!;
    expect(job.config['execution.savepoint.path']).toBe(ev.savepoints.s1!.location);
    expect(job.config['execution.savepoint.ignore-unclaimed-state']).toBe('false');
  });

  it('fails the rollback’s develop when its shadow did not restore from S1', async () => {
    const w = await liveWorld();
    await runSnapshot(w.deps, w.evolution.id);
    const ev = await w.store.transition(w.evolution.id, { type: 'complete' }, 'U0OWNER1');
    const rollback = await rollbackOf(w, ev);
    w.flink.restoredFrom = async () => undefined;
    const failed = await runDevelop(w.deps, rollback.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error?.message).toContain(
      `restored from no savepoint, not from S1 (${ev.savepoints.s1!.location}); it was cancelled.`,
    );
    expect(w.flink.running().map((j) => j.jobId)).toEqual([ev.v2JobId]);
  });

  it('merges the base into the rollback’s TEMP after its deploy, and only then allows its backfill', async () => {
    const w = await liveWorld();
    await runSnapshot(w.deps, w.evolution.id);
    const ev = await w.store.transition(w.evolution.id, { type: 'complete' }, 'U0OWNER1');
    const created = await rollbackOf(w, ev);
    let rollback = await runDevelop(w.deps, created.id);
    expect(baseNeed(rollback)).toBeUndefined();
    rollback = await w.store.transition(
      rollback.id,
      { type: 'requestApproval', shownSqlHash: rollback.v2.hash, ttlMs: 60_000 },
      'U0OWNER1',
    );
    rollback = await w.store.transition(
      rollback.id,
      { type: 'approve', shownSqlHash: rollback.v2.hash },
      'U0APPR1',
    );
    rollback = await runDeploy(w.deps, rollback.id);
    expect(rollback.status).toBe('LIVE');
    expect(baseNeed(rollback)).toEqual({ kind: 'step', name: 'merge' });
    const backfill = { type: 'startBackfill', runId: 'r1', rate: 10, mode: 'full' } as const;
    await expect(w.store.transition(rollback.id, backfill, 'U0OWNER1')).rejects.toThrow(
      "v1's answers at the cutover are still being merged into its TEMP",
    );
    const merged = await runMergeBase(w.deps, rollback.id);
    expect(w.kafka.merges).toEqual([[ev.v1Snapshot!.topic, rollback.shadow.tempTopic]]);
    expect(merged.rollbackOf?.mergedAt).toBe(w.clock.now());
    expect(baseNeed(merged)).toBeUndefined();
    expect((await w.store.transition(rollback.id, backfill, 'U0OWNER1')).status).toBe(
      'BACKFILLING',
    );
  });

  it('removes what was kept once its rollback completed, not at the window’s end', async () => {
    const w = await liveWorld();
    await runSnapshot(w.deps, w.evolution.id);
    const ev = await w.store.transition(w.evolution.id, { type: 'complete' }, 'U0OWNER1');
    const rollback = await rollbackOf(w, ev);
    // Still in progress, or ended without going live: kept (a new rollback may need it).
    await releaseRolledBack(w.deps, rollback);
    const aborted = await w.store.transition(rollback.id, { type: 'abort' }, 'U0OWNER1');
    await releaseRolledBack(w.deps, aborted);
    expect((await w.store.load(ev.id)).v1Snapshot?.releasedBy).toBeUndefined();
    expect(keepingNeed(await w.store.load(ev.id), w.clock.now())).toBeUndefined();

    const completed = { ...(await rollbackOf(w, ev)), status: 'COMPLETED' as const };
    await releaseRolledBack(w.deps, completed);
    const released = await w.store.load(ev.id);
    expect(released.v1Snapshot).toMatchObject({ until: w.clock.now(), releasedBy: completed.id });
    expect(w.notifier.milestones.at(-1)?.text).toBe(
      `${completed.id} rolled this evolution back and completed: S1 and ${ev.v1Snapshot!.topic}, kept for that rollback, are removed now instead of at the window's end.`,
    );
    expect(keepingNeed(released, w.clock.now())).toEqual({ kind: 'step', name: 'expire' });
    expect(rollbackWindowText(released, w.clock.now())?.text).toBe(
      `rolled back by ${completed.id}; S1 and v1's answers were released ${new Date(w.clock.now()).toISOString()}`,
    );
    await runExpire(w.deps, ev.id);
    expect(w.flink.disposed).toEqual([ev.savepoints.s1!.location]);
    expect(w.kafka.topics.has(ev.v1Snapshot!.topic)).toBe(false);
    expect(w.notifier.milestones.at(-1)?.text).toBe(
      `What ${ev.id} kept for a rollback served ${completed.id}, which completed: S1 (${ev.savepoints.s1!.location}) disposed and ${ev.v1Snapshot!.topic} deleted.`,
    );
  });
});
