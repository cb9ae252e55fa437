import type { DeployStep, Evolution } from '../evolution.js';
import { markStepDone, markStepIntent, stepState } from '../deploy-steps.js';
import type { FlinkPort } from '../ports/flink-port.js';
import type { WorkflowDeps } from './workflow-deps.js';

const PROGRESS_EVERY_MS = 5_000;

/**
 * Stops a job with a savepoint as one persisted step: the trigger id is
 * written before Flink is called, so a worker that dies mid-way asks Flink
 * about the same trigger (or, once Flink has forgotten it, observes the
 * stopped job) instead of taking a second savepoint (invariant 4).
 */
export async function savepointStep(
  deps: WorkflowDeps,
  flink: FlinkPort,
  ev: Evolution,
  step: Extract<DeployStep, 'stopShadow' | 'stopV1'>,
  slot: 's1' | 's2',
  jobId: string,
): Promise<Evolution> {
  if (stepState(ev, step) === 'done') return ev;
  const record = ev.savepoints[slot] ?? {
    jobId,
    triggerId: deps.newTriggerId(),
    requestedAt: deps.clock.now(),
  };
  ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
    markStepIntent({ ...cur, savepoints: { ...cur.savepoints, [slot]: record } }, step, deps.clock),
  );
  const what = slot === 's2' ? 'shadow' : 'v1';
  await deps.notifier.postMilestone(ev, {
    kind: 'savepointTriggered',
    text: `Stopping the ${what} job ${jobId} with a savepoint (trigger ${record.triggerId}).`,
    details: { jobId, triggerId: record.triggerId },
  });
  const started = deps.clock.now();
  // A savepoint of seconds gets no bar at all; a slow one a bar every few seconds, closed at 100% below.
  let lastProgressAt = started;
  let subtasks: number | undefined;
  const location = await flink.stopWithSavepoint(jobId, record.triggerId, {
    onProgress: (p) => {
      const now = deps.clock.now();
      if (now - lastProgressAt < PROGRESS_EVERY_MS) return;
      lastProgressAt = now;
      subtasks = p.total;
      void deps.notifier.postMilestone(ev, {
        kind: 'savepointProgress',
        text: `Savepoint of the ${what} job in progress: ${p.acknowledged}/${p.total} subtasks acknowledged.`,
        details: { acknowledged: p.acknowledged, total: p.total },
      });
    },
  });
  const completedAt = deps.clock.now();
  ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
    markStepDone(
      { ...cur, savepoints: { ...cur.savepoints, [slot]: { ...record, location, completedAt } } },
      step,
      deps.clock,
    ),
  );
  await deps.notifier.postMilestone(ev, {
    kind: 'savepointCompleted',
    text: `Savepoint of the ${what} job completed in ${((completedAt - started) / 1000).toFixed(1)} s: ${location}`,
    // After a progress bar, the completion shows it full.
    details: {
      jobId,
      location,
      ...(subtasks !== undefined ? { acknowledged: subtasks, total: subtasks } : {}),
    },
  });
  return ev;
}
