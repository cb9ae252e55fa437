import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../../src/evolution/workflow/run-deploy.js';
import { approvedWorld } from '../../support/workflow-world.js';

describe('runDeploy when the cluster has no task slot for v2', () => {
  it('fails the deploy with that reason and rolls back to v1 by itself', async () => {
    const w = await approvedWorld();
    const submit = w.flink.submitJob.bind(w.flink);
    // What Flink does with a job it has no slot for: fails it at once and restarts it.
    w.flink.submitJob = async (sql, config) => {
      const jobId = await submit(sql, config);
      if (config['pipeline.name']?.endsWith('/v2')) {
        w.flink.jobs.get(jobId)!.state = 'RESTARTING';
        w.flink.jobs
          .get(jobId)!
          .failures.push(
            'NoResourceAvailableException: Could not acquire the minimum required resources.',
          );
      }
      return jobId;
    };
    const ev = await runDeploy(w.deps, w.evolution.id);
    expect(ev.status).toBe('ROLLED_BACK');
    expect(ev.error?.message).toMatch(
      /^v2 cannot start: the Flink cluster has no free task slot \(NoResourceAvailableException\); free a slot or add a TaskManager\. Job [0-9a-f]{32}: it was RESTARTING after \d+ s\.$/,
    );
    const failed = w.notifier.milestones.find((m) => m.kind === 'deployFailed');
    expect(failed?.text).toContain('v2 cannot start: the Flink cluster has no free task slot');
    expect(w.flink.running().map((j) => j.restoredFrom)).toEqual([ev.savepoints.s1?.location]);
  });
});
