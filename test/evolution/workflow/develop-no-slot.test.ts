import { describe, expect, it } from 'vitest';
import { runDevelop } from '../../../src/evolution/workflow/run-develop.js';
import { workflowWorld } from '../../support/workflow-world.js';

describe('runDevelop when the cluster has no task slot for the shadow', () => {
  it('says the cluster is full, not that the SQL is wrong, and leaves no shadow running', async () => {
    const w = await workflowWorld();
    const submit = w.flink.submitJob.bind(w.flink);
    w.flink.submitJob = async (sql, config) => {
      const jobId = await submit(sql, config);
      const job = w.flink.jobs.get(jobId)!;
      job.state = 'RESTARTING';
      job.failures.push(
        'NoResourceAvailableException: Could not acquire the minimum required resources.',
      );
      return jobId;
    };
    const ev = await runDevelop(w.deps, w.evolution.id);
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.message).toMatch(
      /^shadow cannot start: the Flink cluster has no free task slot \(NoResourceAvailableException\); free a slot or add a TaskManager\. Then \/evolve abort [\w-]+ and \/evolve develop [\w-]+ again \(job [0-9a-f]{32} was RESTARTING\)\.$/,
    );
    const failed = w.notifier.milestones.find((m) => m.kind === 'failed');
    expect(failed?.text).toContain('shadow cannot start: the Flink cluster has no free task slot');
    // Only production's v1 still runs: the starved shadow was cancelled.
    expect(w.flink.running().map((j) => j.jobId)).toEqual([w.v1JobId]);
  });
});
