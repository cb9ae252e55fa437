import { failureText } from './failure-text.js';
import type { Evolution } from '../evolution.js';
import { loadPipelineFor } from '../pipeline-snapshot.js';
import { updateLatest } from '../update-latest.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { keepingNeed } from './needed-step.js';

/**
 * Right after a deploy (DESIGN.md section 12): copies PROD below the
 * cutover, v1's answers, into the evolution's compacted snapshot topic,
 * before compaction can drop them behind v2's and the backfill's newer
 * records (min.compaction.lag.ms). Safe to run again after a crash: the
 * copy starts over, and a key's last record in the topic is the same.
 * A rollback is refused until `completedAt` is set.
 */
export async function runSnapshot(deps: WorkflowDeps, evolutionId: string): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  const need = keepingNeed(ev, deps.clock.now());
  if (need?.kind !== 'step' || need.name !== 'snapshot' || !ev.cutover || !ev.v1Snapshot) return ev;
  const kept = ev.v1Snapshot;
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  const kafka = deps.kafkaFor(pipeline);
  const started = deps.clock.now();
  await kafka.createV1SnapshotTopic(pipeline.kafka.outputTopic, ev.id);
  const { records } = await kafka.copyBelowCutover({
    outputTopic: pipeline.kafka.outputTopic,
    snapshotTopic: kept.topic,
    cutover: ev.cutover.offsets,
  });
  const now = deps.clock.now();
  ev = await updateLatest(deps.evolutions, ev.id, (cur) => ({
    ...cur,
    v1Snapshot: cur.v1Snapshot && { ...cur.v1Snapshot, completedAt: now, records },
    updatedAt: now,
  }));
  await deps.notifier.postMilestone(ev, {
    kind: 'info',
    text:
      `v1's answers at the cutover are kept for a rollback: ${records} records of ${pipeline.kafka.outputTopic} ` +
      `below the cutover copied to ${kept.topic} in ${((now - started) / 1000).toFixed(1)} s. ` +
      `/evolve rollback ${ev.pipeline} is possible until ${new Date(kept.until).toISOString()}.`,
  });
  await deps.notifier.updateStatusCard(ev);
  return ev;
}

/**
 * The copy met a definitive failure, or the same outage on its last
 * attempt: the evolution itself is fine (v2 serves), only its rollback is
 * not possible; said in the thread and recorded, so a rollback is refused
 * with the reason instead of restoring half of v1's answers.
 */
export async function snapshotGaveUp(
  deps: WorkflowDeps,
  evolutionId: string,
  err: unknown,
): Promise<Evolution> {
  const reason = failureText(err, 'snapshot');
  const ev = await updateLatest(deps.evolutions, evolutionId, (cur) => ({
    ...cur,
    v1Snapshot: cur.v1Snapshot && { ...cur.v1Snapshot, error: reason },
    updatedAt: deps.clock.now(),
  }));
  await deps.notifier.postMilestone(ev, {
    kind: 'failed',
    text: `Keeping v1's answers for a rollback failed: ${reason} v2 stays production; this evolution cannot be rolled back with /evolve rollback.`,
  });
  return ev;
}
