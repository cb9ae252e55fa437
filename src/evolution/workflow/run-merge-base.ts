import { failureText } from './failure-text.js';
import type { Evolution } from '../evolution.js';
import { loadPipelineFor } from '../pipeline-snapshot.js';
import { updateLatest } from '../update-latest.js';
import { baseNeed } from './needed-step.js';
import type { WorkflowDeps } from './workflow-deps.js';

/**
 * Right after a rollback's deploy, its TEMP is static (the shadow stopped
 * with S2): the base's keys TEMP never saw get their last base record
 * appended, every partition at once, so the backfill's desired value of a
 * key becomes "last in TEMP, else in the base, else a tombstone" (DESIGN.md
 * section 12) and its engine is the one every run uses. Done before the
 * backfill may start: a run records every partition's TEMP end when its
 * first partition begins. Correct to run again after a crash.
 */
export async function runMergeBase(deps: WorkflowDeps, evolutionId: string): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  if (baseNeed(ev) === undefined || !ev.rollbackOf || !ev.cutover) return ev;
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  const started = deps.clock.now();
  const result = await deps.kafkaFor(pipeline).mergeBaseIntoTemp({
    baseTopic: ev.rollbackOf.baseTopic,
    tempTopic: ev.shadow.tempTopic,
    partitions: ev.cutover.offsets.map((o) => o.partition),
  });
  const now = deps.clock.now();
  ev = await updateLatest(deps.evolutions, ev.id, (cur) => ({
    ...cur,
    rollbackOf: cur.rollbackOf && { ...cur.rollbackOf, mergedAt: now, merged: result.appended },
    updatedAt: now,
  }));
  await deps.notifier.postMilestone(ev, {
    kind: 'info',
    text:
      `v1's answers at the cutover are in place for the backfill: ${result.appended} keys v1 has not ` +
      `written since the cutover copied from ${ev.rollbackOf!.baseTopic} to ${ev.shadow.tempTopic} ` +
      `(${result.tempKeys} keys v1 wrote since) in ${((now - started) / 1000).toFixed(1)} s. ` +
      `/evolve backfill ${ev.pipeline} restores them in the output topic.`,
  });
  await deps.notifier.updateStatusCard(ev);
  return ev;
}

/** The merge failed for good: the rollback stays live (v1 serves), its backfill is refused with why. */
export async function mergeGaveUp(
  deps: WorkflowDeps,
  evolutionId: string,
  err: unknown,
): Promise<Evolution> {
  const reason = failureText(err, 'merge');
  const ev = await updateLatest(deps.evolutions, evolutionId, (cur) => ({
    ...cur,
    rollbackOf: cur.rollbackOf && { ...cur.rollbackOf, mergeError: reason },
    updatedAt: deps.clock.now(),
  }));
  await deps.notifier.postMilestone(ev, {
    kind: 'failed',
    text: `Merging v1's answers at the cutover into ${ev.shadow.tempTopic} failed: ${reason} v1 serves production again; its backfill cannot run, so keys v1 has not written since the cutover keep v2's values.`,
  });
  return ev;
}
