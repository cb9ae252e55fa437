import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isTerminalStatus } from '../evolution/evolution-status.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import type { EvolveQueues, StepJobData } from './evolve-queues.js';

/**
 * The periodic look at an active evolution's jobs: the shadow while it is
 * being evaluated, v2 once it is production. Only changes reach the thread
 * (the last seen state is kept in Redis), so a healthy job stays quiet.
 */
export function observeProcessor(
  deps: WorkflowDeps,
  queues: EvolveQueues,
  redis: Redis,
  keyPrefix: string,
) {
  return async (job: Job<StepJobData>): Promise<{ watched?: string; state?: string }> => {
    const ev = await deps.evolutions.get(job.data.evolutionId);
    if (!ev || isTerminalStatus(ev.status) || ev.status === 'FAILED') {
      await queues.unwatch(job.data.evolutionId);
      return {};
    }
    const pipeline = await deps.pipelines.load(ev.pipeline);
    const flink = deps.flinkFor(pipeline);
    const watched =
      ev.status === 'SHADOW_RUNNING' || ev.status === 'AWAITING_APPROVAL'
        ? { role: 'shadow', jobId: ev.shadow.jobId }
        : ev.status === 'LIVE' || ev.status === 'BACKFILLING'
          ? { role: 'v2', jobId: ev.v2JobId }
          : undefined;
    if (!watched?.jobId) return {};
    const state = await flink.jobState(watched.jobId);
    const key = `${keyPrefix}observe:${ev.id}:${watched.role}`;
    const previous = await redis.getset(key, state);
    await redis.pexpire(key, 30 * 24 * 3600_000);
    if (previous !== null && previous !== state) {
      const healthy = state === 'RUNNING';
      await deps.notifier.postMilestone(ev, {
        kind: healthy ? 'info' : 'failed',
        text: `The ${watched.role} job ${watched.jobId} went from ${previous} to ${state}.${healthy ? '' : ' Check the job in Flink; /evolve status shows the details.'}`,
        details: { jobId: watched.jobId, state, previous },
      });
      await deps.notifier.updateStatusCard(ev);
    }
    return { watched: watched.role, state };
  };
}
