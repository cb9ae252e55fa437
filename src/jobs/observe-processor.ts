import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isTerminalStatus } from '../evolution/evolution-status.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';
import { KeptObservations } from '../observer/kept-observations.js';
import { observeEvolution, type ObserveResult } from '../observer/observe-evolution.js';
import { RedisKeys } from '../store/redis-keys.js';
import type { EvolveQueues, StepJobData } from './evolve-queues.js';

export interface ObserveOptions {
  redis: Redis;
  keyPrefix: string;
  /** Reads the shadow's consumer lag behind its inputs. */
  admin: Pick<TopicAdmin, 'consumerLag'>;
  /** Input records above which the shadow counts as behind (EVOLVE_OBSERVE_LAG_THRESHOLD). */
  lagThreshold: number;
}

/**
 * The observer's repeatable job: one look per evolution every few seconds
 * (src/observer decides what a look means). An evolution that ended stops
 * being watched here.
 */
export function observeProcessor(
  deps: WorkflowDeps,
  queues: EvolveQueues,
  options: ObserveOptions,
) {
  const kept = new KeptObservations(options.redis, new RedisKeys(options.keyPrefix));
  const observer = {
    workflow: deps,
    kept,
    admin: options.admin,
    lagThreshold: options.lagThreshold,
  };
  return async (job: Job<StepJobData>): Promise<ObserveResult> => {
    const ev = await deps.evolutions.get(job.data.evolutionId);
    if (!ev || isTerminalStatus(ev.status) || ev.status === 'FAILED') {
      // An abort whose process died before it queued the cleanup: queue it
      // here (same job id, so never twice while the first is kept).
      if (ev?.status === 'ABORTED') await queues.step('cleanup', ev.id);
      await queues.unwatch(job.data.evolutionId);
      return {};
    }
    return observeEvolution(observer, ev);
  };
}
