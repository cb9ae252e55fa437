import type { Job } from 'bullmq';
import { isTransientError } from '../errors.js';
import type { Evolution } from '../evolution/evolution.js';
import { giveUp } from '../evolution/workflow/give-up.js';
import { runDeploy } from '../evolution/workflow/run-deploy.js';
import { runDevelop } from '../evolution/workflow/run-develop.js';
import { runCleanup, cleanupGaveUp } from '../evolution/workflow/run-cleanup.js';
import { runRollback } from '../evolution/workflow/run-rollback.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import type { EvolveQueues, StepJobData, StepName } from './evolve-queues.js';

const RUN: Record<StepName, (deps: WorkflowDeps, id: string) => Promise<Evolution>> = {
  develop: runDevelop,
  deploy: runDeploy,
  rollback: runRollback,
  cleanup: runCleanup,
};

/** One handler per step; the workflow functions carry the logic, this only adapts BullMQ. */
export function stepProcessor(deps: WorkflowDeps, queues: EvolveQueues, observeEveryMs: number) {
  return async (job: Job<StepJobData>): Promise<{ status: string }> => {
    const run = RUN[job.name as StepName];
    if (!run) throw new Error(`unknown step job '${job.name}'`);
    try {
      const ev = await run(deps, job.data.evolutionId);
      if (ev.status === 'SHADOW_RUNNING' || ev.status === 'LIVE')
        await queues.watch(ev.id, observeEveryMs);
      return { status: ev.status };
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (isTransientError(err) && lastAttempt) {
        const ev =
          job.name === 'cleanup'
            ? await cleanupGaveUp(deps, job.data.evolutionId, err)
            : await giveUp(deps, job.data.evolutionId, job.name, err);
        return { status: ev.status };
      }
      throw err;
    }
  };
}
