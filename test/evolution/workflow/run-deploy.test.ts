import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../../src/evolution/workflow/run-deploy.js';
import { EvolveError } from '../../../src/errors.js';
import { approvedWorld, ProcessKilled, workflowWorld } from '../../support/workflow-world.js';
import { V2_SQL } from '../../support/pipeline-fixture.js';

describe('runDeploy', () => {
  it('stops shadow then v1 with savepoints, starts v2 from S2 on production and records the cutover', async () => {
    const w = await approvedWorld();
    const shadowJobId = w.evolution.shadow.jobId!;
    w.clock.advance(1000);
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('LIVE');
    expect(w.flink.savepoints.map((s) => s.jobId)).toEqual([shadowJobId, w.v1JobId]);
    const v2 = w.flink.jobs.get(ev.v2JobId!);
    expect(v2?.sql).toBe(V2_SQL);
    expect(v2?.restoredFrom).toBe(ev.savepoints.s2?.location);
    expect(w.flink.running().map((j) => j.jobId)).toEqual([ev.v2JobId]);
    expect(ev.cutover?.offsets).toEqual([
      { partition: 0, offset: '100' },
      { partition: 1, offset: '50' },
    ]);
    expect(ev.deploy?.cutoverGapMs).toBe(0);
    const pipeline = await w.pipelines.load('revenue');
    expect(pipeline.production.flinkJobId).toBe(ev.v2JobId);
    expect(pipeline.production.sql).toBe(V2_SQL);
    // The stability watch is announced before it runs, so its seconds are not silence.
    const texts = w.notifier.milestones.map((m) => m.text);
    const watch = texts.findIndex((t) =>
      t.includes(
        `v2 job ${ev.v2JobId} is RUNNING from the shadow's savepoint; watching it for 1 s before calling it live.`,
      ),
    );
    expect(watch).toBeGreaterThan(-1);
    expect(w.notifier.milestones.findIndex((m) => m.kind === 'deployCompleted')).toBeGreaterThan(
      watch,
    );
  });

  it('measures the cutover gap by Flink’s job timestamps, not by when the steps looked', async () => {
    const w = await approvedWorld();
    // The JobManager saw v1 end at 10.000 s and v2 run at 10.420 s; the worker's clock says 0.
    w.flink.jobTimes = async (jobId) =>
      jobId === w.v1JobId ? { endedAt: 10_000 } : { runningAt: 10_420 };
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.deploy?.cutoverGapMs).toBe(420);
    expect(w.notifier.milestones.find((m) => m.kind === 'deployCompleted')?.text).toContain(
      'Production had no running job for 0.4 s.',
    );
  });

  it('falls back to the steps’ own measure when Flink has no timestamps for a job', async () => {
    const w = await approvedWorld();
    w.flink.jobTimes = async () => ({});
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.deploy?.cutoverGapMs).toBe(0);
  });

  it('rolls back to v1 from S1 by itself when v2 does not reach RUNNING', async () => {
    const w = await approvedWorld();
    w.flink.failingSql.add(V2_SQL);
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('ROLLED_BACK');
    const running = w.flink.running();
    expect(running).toHaveLength(1);
    expect(running[0]?.restoredFrom).toBe(ev.savepoints.s1?.location);
    expect(running[0]?.config['pipeline.name']).toBe(`evolve/revenue/${ev.id}/rollback`);
    expect((await w.pipelines.load('revenue')).production.flinkJobId).toBe(running[0]?.jobId);
    expect(w.kafka.topics.has(ev.shadow.tempTopic)).toBe(false);
    const kinds = w.notifier.milestones.map((m) => m.kind);
    expect(kinds).toEqual(expect.arrayContaining(['deployFailed', 'rolledBack']));
    expect(w.notifier.milestones.find((m) => m.kind === 'rolledBack')?.text).toMatch(
      /restarted from .* RUNNING/,
    );
  });

  it('rolls back when v2 reaches RUNNING but does not stay up (a restart in the watch window)', async () => {
    const w = await approvedWorld();
    const submit = w.flink.submitJob.bind(w.flink);
    // v2 fails on its first production records and Flink restarts it: RUNNING again at once.
    w.flink.submitJob = async (sql, config) => {
      const jobId = await submit(sql, config);
      if (config['pipeline.name']?.endsWith('/v2'))
        w.flink.restart(jobId, 'RecordTooLargeException: the message is 2100 bytes');
      return jobId;
    };
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('ROLLED_BACK');
    expect(ev.error?.message).toMatch(
      /reached RUNNING but did not stay up for 1 s \(a failure: RecordTooLargeException/,
    );
    const running = w.flink.running();
    expect(running.map((j) => j.restoredFrom)).toEqual([ev.savepoints.s1?.location]);
    expect((await w.pipelines.load('revenue')).production.flinkJobId).toBe(running[0]?.jobId);
  });

  it('fails (never "rolled back") when the restarted v1 does not stay up either', async () => {
    const w = await approvedWorld();
    const submit = w.flink.submitJob.bind(w.flink);
    w.flink.submitJob = async (sql, config) => {
      const jobId = await submit(sql, config);
      if (!config['pipeline.name']?.endsWith('/shadow'))
        w.flink.restart(jobId, 'RuntimeException: the sink is down');
      return jobId;
    };
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.message).toMatch(/v1 restarted from .* did not stay up for 1 s/);
    expect(w.notifier.milestones.at(-1)?.text).toMatch(/^Rollback failed: .*check Flink now/);
  });

  it('leaves v1 untouched when its savepoint fails', async () => {
    const w = await approvedWorld();
    w.flink.failStopOf.add(w.v1JobId);
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('ROLLED_BACK');
    expect(w.flink.running().map((j) => j.jobId)).toEqual([w.v1JobId]);
    expect(w.flink.submissions).toBe(1); // the shadow only
    expect(ev.error?.step).toBe('stopV1');
  });

  it('refuses before any side effect when v1 is not running', async () => {
    const w = await approvedWorld();
    await w.flink.cancel(w.v1JobId);
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.message).toMatch(/v1 .* is CANCELED\. Nothing was changed/);
    expect(w.flink.savepoints).toHaveLength(0);
    expect(w.flink.jobs.get(w.evolution.shadow.jobId!)?.state).toBe('RUNNING');
  });

  it('killed at every step boundary and run again: LIVE with one v2 job and one savepoint per stop', async () => {
    const clean = await approvedWorld();
    await runDeploy(clean.deps, clean.evolution.id);
    const writes = clean.evolutions.writes;
    expect(writes).toBeGreaterThanOrEqual(8);
    for (let killAt = 1; killAt <= writes; killAt++) {
      const w = await approvedWorld();
      w.evolutions.killAt = killAt;
      await expect(runDeploy(w.deps, w.evolution.id)).rejects.toBeInstanceOf(ProcessKilled);
      w.evolutions.revive();
      const ev = await runDeploy(w.deps, w.evolution.id);
      const at = `killed at write ${killAt}`;
      expect(ev.status, at).toBe('LIVE');
      expect(w.flink.savepoints, at).toHaveLength(2);
      expect(
        w.flink.running().map((j) => j.jobId),
        at,
      ).toEqual([ev.v2JobId]);
      expect(w.flink.submissions, at).toBe(2); // shadow + v2
    }
  });

  it('lets an unreachable JobManager be waited out: the error escapes to the job retry and a rerun finishes', async () => {
    const w = await approvedWorld();
    const stop = w.flink.stopWithSavepoint.bind(w.flink);
    let outages = 1;
    w.flink.stopWithSavepoint = async (...args) => {
      if (outages-- > 0)
        throw new EvolveError('FLINK_UNREACHABLE', 'Flink REST API is unreachable');
      return stop(...args);
    };
    await expect(runDeploy(w.deps, w.evolution.id)).rejects.toMatchObject({
      code: 'FLINK_UNREACHABLE',
    });
    expect((await w.store.load(w.evolution.id)).status).toBe('DEPLOYING');
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('LIVE');
    expect(w.flink.savepoints).toHaveLength(2);
  });

  it('does nothing for an evolution that is not deploying', async () => {
    const w = await workflowWorld();
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('DEVELOPING');
    expect(w.flink.savepoints).toHaveLength(0);
  });
});
