import { describe, expect, it } from 'vitest';
import { runDevelop } from '../../../src/evolution/workflow/run-develop.js';
import { ProcessKilled, workflowWorld } from '../../support/workflow-world.js';

describe('runDevelop', () => {
  it('creates TEMP like the production topic, starts the shadow on it and moves to SHADOW_RUNNING', async () => {
    const w = await workflowWorld();
    const ev = await runDevelop(w.deps, w.evolution.id);
    expect(ev.status).toBe('SHADOW_RUNNING');
    expect(w.kafka.topics.get(ev.shadow.tempTopic)?.partitions).toBe(2);
    expect(w.kafka.topics.get(ev.shadow.tempTopic)?.config['cleanup.policy']).toBe('compact');
    const shadow = w.flink.jobs.get(ev.shadow.jobId!);
    expect(shadow?.sql).toContain(`shadow -> ${ev.shadow.tempTopic}`);
    expect(shadow?.config['pipeline.name']).toBe(`evolve/revenue/${ev.id}/shadow`);
    expect(ev.shadow.groupIds).toEqual([`evolve-${ev.id}-shadow-orders`]);
    expect(w.notifier.milestones.map((m) => m.kind)).toContain('shadowStarted');
  });

  it('refuses a missing production topic before any side effect', async () => {
    const w = await workflowWorld();
    w.kafka.topics.clear();
    const ev = await runDevelop(w.deps, w.evolution.id);
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.message).toMatch(/production topic revenue-by-region .* does not exist/);
    expect(w.kafka.creations).toBe(0);
    expect(w.flink.submissions).toBe(0);
  });

  it('fails with the job state when the shadow does not reach RUNNING', async () => {
    const w = await workflowWorld();
    w.deps.shadowPlanner = {
      plan: () => ({ sql: 'BROKEN', executionConfig: {}, groupIds: [] }),
      sourceTopics: () => [],
    };
    w.flink.failingSql.add('BROKEN');
    const ev = await runDevelop(w.deps, w.evolution.id);
    expect(ev.status).toBe('FAILED');
    // It failed, it did not time out: no 'within 90 s'.
    expect(ev.error?.message).toMatch(
      /^The shadow job [0-9a-f]{32} ended FAILED before all its tasks ran\. Its last exception: RuntimeException/,
    );
  });

  it('killed at any write and run again: one TEMP creation and one shadow job', async () => {
    const clean = await workflowWorld();
    await runDevelop(clean.deps, clean.evolution.id);
    const writes = clean.evolutions.writes;
    expect(writes).toBeGreaterThanOrEqual(2);
    for (let killAt = 1; killAt <= writes; killAt++) {
      const w = await workflowWorld();
      w.evolutions.killAt = killAt;
      await expect(runDevelop(w.deps, w.evolution.id)).rejects.toBeInstanceOf(ProcessKilled);
      w.evolutions.revive();
      const ev = await runDevelop(w.deps, w.evolution.id);
      expect(ev.status, `killed at write ${killAt}`).toBe('SHADOW_RUNNING');
      expect(w.kafka.creations, `killed at write ${killAt}`).toBe(1);
      expect(w.flink.submissions, `killed at write ${killAt}`).toBe(1);
    }
  });
});

describe('runDevelop with a v2 that fails on its input', () => {
  it('does not say RUNNING for a shadow that restarted: develop fails with what Flink shows, and the job is cancelled', async () => {
    const w = await workflowWorld();
    const submit = w.flink.submitJob.bind(w.flink);
    w.flink.submitJob = async (sql, config) => {
      const jobId = await submit(sql, config);
      // The CAST throws on the first records: Flink restarts the job.
      w.flink.restart(jobId, 'NumberFormatException: For input string: "n/a"');
      return jobId;
    };
    const ev = await runDevelop(w.deps, w.evolution.id);
    expect(ev.status).toBe('FAILED');
    const jobId = [...w.flink.jobs.keys()].find((id) => id !== w.v1JobId)!;
    expect(ev.error?.message).toBe(
      `The shadow job ${jobId} started but did not stay up: Flink shows it RUNNING after 1 restart. ` +
        'Its last exception: NumberFormatException: For input string: "n/a". It was cancelled. ' +
        "Fix v2's SQL, then /evolve abort revenue and /evolve develop revenue again.",
    );
    expect(w.notifier.milestones.map((m) => m.kind)).not.toContain('shadowStarted');
    expect(w.notifier.milestones.find((m) => m.kind === 'failed')?.text).toBe(ev.error?.message);
    expect(w.notifier.milestones.some((m) => /is RUNNING/.test(m.text))).toBe(false);
    // Only production's v1 still runs.
    expect(w.flink.running().map((j) => j.jobId)).toEqual([w.v1JobId]);
  });
});
