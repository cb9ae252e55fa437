import { failureText } from './failure-text.js';
import { EvolveError, isTransientError } from '../../errors.js';
import type { Evolution } from '../evolution.js';
import { SYSTEM_ACTOR } from '../evolution-action.js';
import { markStepDone, markStepIntent } from '../deploy-steps.js';
import { cleanupShadow } from './cleanup-shadow.js';
import { actionError } from './step-error.js';
import { jobName, type WorkflowDeps } from './workflow-deps.js';

import { GONE } from './cleanup-shadow.js';
import { loadPipelineFor } from '../pipeline-snapshot.js';
import { lacksTaskSlot, noTaskSlotText } from '../no-task-slot.js';
import { unfinishedBackfillNote } from '../rollback-policy.js';

/**
 * After a failed deploy: make sure v2 no longer writes to production, then
 * make sure v1 serves it again — untouched if its stop never happened,
 * restarted from S1 otherwise (invariant 3). The shadow and TEMP are removed
 * because a rolled-back evolution is over. Resumable like the deploy: the
 * restarted job is found by name before a second one is submitted.
 */
export async function runRollback(deps: WorkflowDeps, evolutionId: string): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  if (ev.status !== 'DEPLOY_FAILED') return ev;
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  const flink = deps.flinkFor(pipeline);
  try {
    ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
      markStepIntent(cur, 'restartV1', deps.clock),
    );
    const v2 =
      ev.v2JobId ?? (await flink.findJobByName(jobName(pipeline.name, ev.id, 'v2')))?.jobId;
    if (v2 && !GONE.has(await flink.jobState(v2))) await flink.cancel(v2);

    let v1JobId = pipeline.production.flinkJobId;
    const v1State = await flink.jobState(v1JobId);
    if (GONE.has(v1State)) {
      const s1 = ev.savepoints.s1?.location;
      const name = jobName(pipeline.name, ev.id, 'rollback');
      const found = await flink.findJobByName(name);
      if (found && !GONE.has(found.state)) {
        v1JobId = found.jobId;
      } else if (s1) {
        v1JobId = await flink.submitJob(ev.v1.sql, {
          'pipeline.name': name,
          'execution.savepoint.path': s1,
          'execution.savepoint.ignore-unclaimed-state': 'false',
        });
      } else {
        throw new EvolveError(
          'FLINK_SAVEPOINT_FAILED',
          `v1 job ${v1JobId} is ${v1State} and no savepoint S1 was taken, so it cannot be restarted automatically. Restart v1 by hand from its last checkpoint.`,
        );
      }
      const state = await flink.waitRunning(v1JobId, deps.runningTimeoutMs);
      if (state !== 'RUNNING') {
        const noSlot = lacksTaskSlot(await flink.lastFailure(v1JobId).catch(() => undefined));
        throw new EvolveError(
          'FLINK_STATEMENT_FAILED',
          `v1 restarted from ${s1} as job ${v1JobId} but is ${state}, not RUNNING${noSlot ? `: ${noTaskSlotText('v1')}` : '.'} Production has no running job: check Flink now.`,
        );
      }
      // The same watch as v2's: "rolled back" must mean v1 serves production again.
      if (deps.stableMs > 0) {
        const watch = await flink.waitStable(v1JobId, deps.stableMs);
        if (!watch.stable) {
          throw new EvolveError(
            'FLINK_STATEMENT_FAILED',
            `v1 restarted from ${s1} as job ${v1JobId} reached RUNNING but did not stay up for ${Math.round(deps.stableMs / 1000)} s (${watch.seen}). Production may have no running job: check Flink now.`,
          );
        }
      }
      await deps.pipelines.updateProduction(pipeline.name, {
        ...pipeline.production,
        flinkJobId: v1JobId,
        lastSavepoint: s1,
      });
    }
    await cleanupShadow(deps, ev);
    ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
      markStepDone(cur, 'restartV1', deps.clock),
    );
    ev = await deps.evolutions.transition(ev.id, { type: 'rolledBack', v1JobId }, SYSTEM_ACTOR);
    await deps.notifier.postMilestone(ev, {
      kind: 'rolledBack',
      text:
        (v1JobId === pipeline.production.flinkJobId
          ? `Rolled back: v1 job ${v1JobId} kept serving production.`
          : `Rolled back: v1 restarted from ${ev.savepoints.s1?.location} as job ${v1JobId}, RUNNING.`) +
        unfinishedBackfillNote(ev),
      details: { jobId: v1JobId },
    });
    await deps.notifier.updateStatusCard(ev);
    return ev;
  } catch (err) {
    // Waited out by the job's retries: the step resumes where it stopped.
    if (isTransientError(err)) throw err;
    const failed = await deps.evolutions.transition(
      ev.id,
      { type: 'fail', error: actionError(err, 'restartV1') },
      SYSTEM_ACTOR,
    );
    await deps.notifier.postMilestone(failed, {
      kind: 'failed',
      text: `Rollback failed: ${failureText(err, 'restartV1')}`,
    });
    await deps.notifier.updateStatusCard(failed);
    return failed;
  }
}
