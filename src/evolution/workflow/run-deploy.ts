import { failureText } from './failure-text.js';
import { EvolveError, isTransientError } from '../../errors.js';
import type { Evolution, InputOffsets } from '../evolution.js';
import type { KafkaPort } from '../ports/kafka-port.js';
import type { Pipeline } from '../pipeline.js';
import { v1SnapshotTopicName } from '../shadow-names.js';
import type { FlinkPort } from '../ports/flink-port.js';
import { SYSTEM_ACTOR } from '../evolution-action.js';
import { markStepDone, markStepIntent, stepState } from '../deploy-steps.js';
import { actionError } from './step-error.js';
import { runRollback } from './run-rollback.js';
import { savepointStep } from './savepoint-step.js';
import { jobName, type WorkflowDeps } from './workflow-deps.js';
import { loadPipelineFor } from '../pipeline-snapshot.js';
import { lacksTaskSlot, noTaskSlotText } from '../no-task-slot.js';

const LIVE_STATES = new Set(['RUNNING', 'CREATED', 'INITIALIZING', 'RESTARTING', 'RECONCILING']);

/**
 * Deploy (DESIGN.md section 1): S2 from the shadow, S1 from v1, cutover
 * offsets, v2 from S2 on the production topic, verified RUNNING and restored
 * from S2; otherwise the rollback restarts v1 from S1 (invariant 3). Each
 * step is marked before and after its side effect, so running this again
 * after a crash resumes at the first unfinished step.
 */
export async function runDeploy(deps: WorkflowDeps, evolutionId: string): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  if (ev.status === 'DEPLOY_FAILED') return runRollback(deps, ev.id);
  if (ev.status !== 'DEPLOYING') return ev;
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  const flink = deps.flinkFor(pipeline);
  const kafka = deps.kafkaFor(pipeline);
  let step = 'preflight';
  try {
    if (stepState(ev, 'stopShadow') === 'pending') {
      // Nothing touched yet: refuse with a clear message if either job is not there.
      const shadowState = ev.shadow.jobId ? await flink.jobState(ev.shadow.jobId) : 'NOT_FOUND';
      const v1State = await flink.jobState(pipeline.production.flinkJobId);
      if (shadowState !== 'RUNNING' || v1State !== 'RUNNING') {
        // Refused before any side effect: no rollback to do, a human decides.
        const error = new EvolveError(
          'TRANSITION_REFUSED',
          `Deploy needs the shadow job and v1 RUNNING; shadow ${ev.shadow.jobId ?? '-'} is ${shadowState}, v1 ${pipeline.production.flinkJobId} is ${v1State}. Nothing was changed. Check the jobs in Flink, then abort or develop again.`,
        );
        ev = await deps.evolutions.transition(
          ev.id,
          { type: 'fail', error: actionError(error, step) },
          SYSTEM_ACTOR,
        );
        await deps.notifier.postMilestone(ev, { kind: 'failed', text: error.userMessage });
        await deps.notifier.updateStatusCard(ev);
        return ev;
      }
    }
    step = 'stopShadow';
    ev = await savepointStep(deps, flink, ev, 'stopShadow', 's2', ev.shadow.jobId!);
    step = 'stopV1';
    ev = await savepointStep(deps, flink, ev, 'stopV1', 's1', pipeline.production.flinkJobId);

    step = 'recordCutover';
    if (stepState(ev, 'recordCutover') !== 'done') {
      const offsets = await kafka.endOffsets(pipeline.kafka.outputTopic);
      const inputs = await inputOffsets(deps, kafka, ev.v1.sql);
      ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
        markStepDone(
          {
            ...cur,
            cutover: { offsets, recordedAt: deps.clock.now(), ...(inputs ? { inputs } : {}) },
          },
          'recordCutover',
          deps.clock,
        ),
      );
    }

    step = 'startV2';
    const name = jobName(pipeline.name, ev.id, 'v2');
    let v2JobId = ev.v2JobId;
    if (stepState(ev, 'startV2') !== 'done' || !v2JobId) {
      ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
        markStepIntent(cur, 'startV2', deps.clock),
      );
      const found = await flink.findJobByName(name);
      v2JobId =
        found && LIVE_STATES.has(found.state)
          ? found.jobId
          : await flink.submitJob(ev.v2.sql, {
              'pipeline.name': name,
              'execution.savepoint.path': ev.savepoints.s2!.location!,
              'execution.savepoint.ignore-unclaimed-state': 'false',
            });
      const id = v2JobId;
      ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
        markStepDone({ ...cur, v2JobId: id }, 'startV2', deps.clock),
      );
      await deps.notifier.postMilestone(ev, {
        kind: 'jobStarted',
        text: `v2 submitted as job ${id} on ${pipeline.kafka.outputTopic}, restoring from ${ev.savepoints.s2!.location}.`,
        details: { jobId: id },
      });
    }

    step = 'verifyV2';
    ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
      markStepIntent(cur, 'verifyV2', deps.clock),
    );
    const waitFrom = deps.clock.now();
    const state = await flink.waitRunning(v2JobId, deps.runningTimeoutMs);
    // The gap ends when v2 runs: production is served from here on.
    const runningAt = deps.clock.now();
    const restored = state === 'RUNNING' ? await flink.restoredFrom(v2JobId) : undefined;
    if (state !== 'RUNNING' || restored !== ev.savepoints.s2!.location) {
      const waited = `it was ${state} after ${Math.round((runningAt - waitFrom) / 1000)} s`;
      // waitRunning returns early when Flink failed or keeps failing the job:
      // a full cluster is said as that, so the rollback carries the true reason.
      const noSlot =
        state !== 'RUNNING' &&
        lacksTaskSlot(await flink.lastFailure(v2JobId).catch(() => undefined));
      throw new EvolveError(
        'FLINK_STATEMENT_FAILED',
        noSlot
          ? `${noTaskSlotText('v2')} Job ${v2JobId}: ${waited}.`
          : state !== 'RUNNING'
            ? `v2 job ${v2JobId} did not reach RUNNING: ${waited} (limit ${Math.round(deps.runningTimeoutMs / 1000)} s).`
            : `v2 job ${v2JobId} is RUNNING but restored from ${restored ?? 'no savepoint'}, not from the shadow's savepoint ${ev.savepoints.s2!.location}.`,
      );
    }
    // A v2 that fails on its first production records (a sink the shadow
    // never wrote to, a topic's limits) is RUNNING between its restarts:
    // only watching it for a while tells it apart from one that is up.
    if (deps.stableMs > 0) {
      // Said, so the seconds of the watch are not silence in the thread.
      await deps.notifier.postMilestone(ev, {
        kind: 'info',
        text: `v2 job ${v2JobId} is RUNNING from the shadow's savepoint; watching it for ${Math.round(deps.stableMs / 1000)} s before calling it live.`,
      });
      const watch = await flink.waitStable(v2JobId, deps.stableMs);
      if (!watch.stable) {
        throw new EvolveError(
          'FLINK_STATEMENT_FAILED',
          `v2 job ${v2JobId} reached RUNNING but did not stay up for ${Math.round(deps.stableMs / 1000)} s (${watch.seen}).`,
        );
      }
    }
    const gap = await cutoverGap(flink, ev, v2JobId, runningAt);
    ev = await deps.evolutions.update(ev.id, ev.version, (cur) =>
      markStepDone(cur, 'verifyV2', deps.clock),
    );
    await deps.pipelines.updateProduction(pipeline.name, {
      sql: ev.v2.sql,
      sqlHash: ev.v2.hash,
      flinkJobId: v2JobId,
      lastSavepoint: ev.savepoints.s2!.location!,
    });
    ev = await deps.evolutions.transition(
      ev.id,
      { type: 'deployCompleted', v2JobId, cutoverGapMs: gap, ...keepV1(deps, pipeline, ev) },
      SYSTEM_ACTOR,
    );
    await deps.notifier.postMilestone(ev, {
      kind: 'deployCompleted',
      text: `v2 is live: job ${v2JobId} RUNNING, restored from the shadow's savepoint. Production had no running job for ${(gap / 1000).toFixed(1)} s.`,
      details: { jobId: v2JobId, cutoverGapMs: gap },
    });
    await deps.notifier.updateStatusCard(ev);
    return ev;
  } catch (err) {
    // Waited out by the job's retries: the step resumes where it stopped.
    if (isTransientError(err)) throw err;
    const error = actionError(err, step);
    ev = await deps.evolutions.transition(ev.id, { type: 'deployFailed', error }, SYSTEM_ACTOR);
    await deps.notifier.postMilestone(ev, {
      kind: 'deployFailed',
      text: `Deploy failed at ${step}: ${failureText(err, step)}`,
    });
    return runRollback(deps, ev.id);
  }
}

/**
 * v1's inputs at their ends right after v1 stopped: S1's positions are at
 * or below these, so a rollback can tell when an input no longer holds
 * what v1 would read again. Not knowing them (a script the planner cannot
 * name the topics of, a topic of another cluster) leaves that check out
 * rather than the deploy failed.
 */
async function inputOffsets(
  deps: WorkflowDeps,
  kafka: KafkaPort,
  v1Sql: string,
): Promise<InputOffsets[] | undefined> {
  let topics: string[];
  try {
    topics = await deps.shadowPlanner.sourceTopics(v1Sql);
  } catch {
    return undefined;
  }
  const out: InputOffsets[] = [];
  for (const topic of topics) {
    // An input this cluster does not hold (another cluster's topic) is left
    // unchecked: the cutover is no place to fail a deploy over a rollback check.
    const offsets = await kafka.endOffsets(topic).catch(() => undefined);
    if (offsets) out.push({ topic, offsets });
  }
  return out;
}

/** Where v1's answers are kept for a rollback, and until when (nothing with a window of 0). */
function keepV1(
  deps: WorkflowDeps,
  pipeline: Pipeline,
  ev: Evolution,
): { keepV1?: { topic: string; until: number } } {
  const windowMs = pipeline.rollbackWindowMs ?? deps.rollbackWindowMs ?? 0;
  if (windowMs <= 0 || !ev.cutover) return {};
  return {
    keepV1: {
      topic: v1SnapshotTopicName(pipeline.kafka.outputTopic, ev.id),
      until: ev.cutover.recordedAt + windowMs,
    },
  };
}

/**
 * How long production had no running job: from v1's end to v2 RUNNING, by
 * the JobManager's own timestamps (both jobs on one cluster, one clock).
 * Only when Flink cannot tell (an older job gone from its history) is it
 * measured from when the steps saw it, which counts their polling too.
 */
async function cutoverGap(
  flink: FlinkPort,
  ev: Evolution,
  v2JobId: string,
  seenRunningAt: number,
): Promise<number> {
  const timesOf = (jobId: string | undefined): Promise<{ runningAt?: number; endedAt?: number }> =>
    jobId ? flink.jobTimes(jobId).catch(() => ({})) : Promise.resolve({});
  const [v1, v2] = await Promise.all([timesOf(ev.savepoints.s1?.jobId), timesOf(v2JobId)]);
  if (v1.endedAt !== undefined && v2.runningAt !== undefined)
    return Math.max(0, v2.runningAt - v1.endedAt);
  return seenRunningAt - (ev.savepoints.s1?.completedAt ?? seenRunningAt);
}
