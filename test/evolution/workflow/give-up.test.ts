import { describe, expect, it } from 'vitest';
import { EvolveError } from '../../../src/errors.js';
import { giveUp } from '../../../src/evolution/workflow/give-up.js';
import { runDeploy } from '../../../src/evolution/workflow/run-deploy.js';
import { approvedWorld, workflowWorld } from '../../support/workflow-world.js';

describe('giveUp (the last retry of a step met the same outage)', () => {
  it('hands the deploy to a human with where it stopped, and leaves the running jobs alone', async () => {
    const w = await approvedWorld();
    let ev = w.evolution;
    const outage = new EvolveError(
      'FLINK_UNREACHABLE',
      'Flink REST API is unreachable (ECONNREFUSED)',
    );
    w.flink.stopWithSavepoint = async () => {
      throw outage;
    };
    await expect(runDeploy(w.deps, ev.id)).rejects.toBe(outage);
    ev = await giveUp(w.deps, ev.id, 'deploy', outage);
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.message).toMatch(
      /deploy could not finish after repeated retries: Flink REST API is unreachable .*was DEPLOYING/,
    );
    expect(w.notifier.milestones.at(-1)?.kind).toBe('failed');
    // Production is still served: v1 was never stopped.
    expect(w.flink.running().map((j) => j.jobId)).toContain(w.v1JobId);
  });

  it('does nothing to an evolution that already ended', async () => {
    const w = await workflowWorld();
    await w.store.transition(w.evolution.id, { type: 'abort' }, 'U0OWNER1');
    const ev = await giveUp(w.deps, w.evolution.id, 'develop', new Error('x'));
    expect(ev.status).toBe('ABORTED');
  });
});
