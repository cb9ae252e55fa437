import { failureText } from './failure-text.js';
import type { Evolution } from '../evolution.js';
import { rollbackInProgress } from '../rollback-policy.js';
import { loadPipelineFor } from '../pipeline-snapshot.js';
import { updateLatest } from '../update-latest.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { keepingNeed } from './needed-step.js';

/**
 * The rollback window's end: disposes S1 through Flink and deletes the
 * snapshot topic, then records it; `/evolve rollback` refuses from then on.
 * Waits while a rollback of this evolution is still in progress (its
 * develop restores S1 and its backfill reads the topic): the reconcile
 * loop asks again. Safe to repeat: a savepoint or topic already gone is
 * the end wanted.
 */
export async function runExpire(deps: WorkflowDeps, evolutionId: string): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  const need = keepingNeed(ev, deps.clock.now());
  if (need?.kind !== 'step' || need.name !== 'expire' || !ev.v1Snapshot) return ev;
  if (ev.rolledBackBy && rollbackInProgress(await deps.evolutions.get(ev.rolledBackBy))) return ev;
  const kept = ev.v1Snapshot;
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  await deps.kafkaFor(pipeline).deleteV1SnapshotTopic(kept.topic);
  const s1 = ev.savepoints.s1?.location;
  const disposal = s1 ? await deps.flinkFor(pipeline).disposeSavepoint(s1) : undefined;
  const now = deps.clock.now();
  ev = await updateLatest(deps.evolutions, ev.id, (cur) => ({
    ...cur,
    v1Snapshot: cur.v1Snapshot && { ...cur.v1Snapshot, disposedAt: now },
    updatedAt: now,
  }));
  const savepoint = !s1
    ? 'no S1 was recorded'
    : disposal?.gone
      ? `S1 (${s1}) was already gone`
      : `S1 (${s1}) disposed`;
  await deps.notifier.postMilestone(ev, {
    kind: 'info',
    text: kept.releasedBy
      ? `What ${ev.id} kept for a rollback served ${kept.releasedBy}, which completed: ${savepoint} and ${kept.topic} deleted.`
      : `The rollback window of ${ev.id} ended at ${new Date(kept.until).toISOString()}: ${savepoint} and ${kept.topic} deleted. /evolve rollback ${ev.pipeline} can no longer return to this evolution's v1.`,
  });
  return ev;
}

/** Removal failed for good: said, with what to remove by hand, and recorded so it is not retried forever. */
export async function expireGaveUp(
  deps: WorkflowDeps,
  evolutionId: string,
  err: unknown,
): Promise<Evolution> {
  const ev = await updateLatest(deps.evolutions, evolutionId, (cur) => ({
    ...cur,
    v1Snapshot: cur.v1Snapshot && { ...cur.v1Snapshot, disposedAt: deps.clock.now() },
    updatedAt: deps.clock.now(),
  }));
  await deps.notifier.postMilestone(ev, {
    kind: 'failed',
    text: `The rollback window of ${ev.id} ended, but removing what it kept failed: ${failureText(err, 'expire')} Remove by hand: the savepoint ${ev.savepoints.s1?.location ?? '(none recorded)'} and the topic ${ev.v1Snapshot?.topic ?? '(none)'}.`,
  });
  return ev;
}
