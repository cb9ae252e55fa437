import type { Evolution } from '../evolution/evolution.js';
import type { PartitionOffset } from '../evolution/evolution.js';
import type { Pipeline } from '../evolution/pipeline.js';
import { rollbackRefusal, rollbackTarget, truncatedInput } from '../evolution/rollback-policy.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';

export interface RollbackPlan {
  target?: Evolution;
  /** Why it cannot start, or undefined. */
  refusal?: string;
}

/**
 * Everything a rollback request checks before anything changes: which
 * evolution it reverses, the domain's refusals, then whether v1's inputs
 * still hold what v1 would read again from S1 (asked of Kafka only once the
 * rest allows it).
 */
export async function planRollback(w: WorkflowDeps, pipeline: Pipeline): Promise<RollbackPlan> {
  const [recent, active] = await Promise.all([
    w.evolutions.listByPipeline(pipeline.name, 20),
    w.evolutions.activeFor(pipeline.name),
  ]);
  const target = rollbackTarget(recent);
  const refusal = rollbackRefusal(pipeline, target, active, w.clock.now());
  if (refusal || !target) return { ...(target ? { target } : {}), refusal };
  const inputs = target.cutover?.inputs ?? [];
  const kafka = w.kafkaFor(pipeline);
  const starts = new Map<string, PartitionOffset[]>();
  for (const { topic } of inputs) {
    if (!(await kafka.topicExists(topic)))
      return {
        target,
        refusal: `Input topic ${topic} of v1 no longer exists, so v1 restored from S1 could not read its inputs since ${target.id} stopped it. Rollback refused; nothing was changed.`,
      };
    starts.set(topic, await kafka.startOffsets(topic));
  }
  return { target, refusal: truncatedInput(inputs, starts, target.id) };
}
