import { failureText } from './failure-text.js';
import { EvolveError, isTransientError } from '../../errors.js';
import type { Evolution } from '../evolution.js';
import { SYSTEM_ACTOR } from '../evolution-action.js';
import { cleanupShadow } from './cleanup-shadow.js';
import { actionError } from './step-error.js';
import { jobName, type WorkflowDeps } from './workflow-deps.js';
import { loadPipelineFor } from '../pipeline-snapshot.js';
import { lacksTaskSlot, noTaskSlotText } from '../no-task-slot.js';
import type { FlinkPort } from '../ports/flink-port.js';
import { plural } from '../plural.js';
import { failureLine } from '../shadow-health.js';
import { unfinishedBackfillNote } from '../rollback-policy.js';

/**
 * Develop: TEMP topic, then the shadow job, then SHADOW_RUNNING. Safe to run
 * again after a crash at any point: TEMP's name is deterministic (creating it
 * twice finds it), and the shadow job is found by its pipeline.name before a
 * second one would be submitted (invariant 4).
 */
export async function runDevelop(deps: WorkflowDeps, evolutionId: string): Promise<Evolution> {
  let ev = await deps.evolutions.load(evolutionId);
  // A develop resumed after an abort removes what its first run may have made.
  if (ev.status === 'ABORTED') {
    await cleanupShadow(deps, ev);
    return ev;
  }
  if (ev.status !== 'DEVELOPING') return ev;
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  const flink = deps.flinkFor(pipeline);
  const kafka = deps.kafkaFor(pipeline);
  const output = pipeline.kafka.outputTopic;
  const step = { current: 'checkProductionTopic' };
  try {
    // Bad input gets its message before any side effect (invariant 9).
    if (!(await kafka.topicExists(output))) {
      throw new EvolveError(
        'KAFKA_TOPIC_MISSING',
        `The production topic ${output} of pipeline ${pipeline.name} does not exist. Check the pipeline's outputTopic, then run /evolve develop again.`,
      );
    }
    const plan = await deps.shadowPlanner.plan(ev.v2.sql, {
      pipeline: pipeline.name,
      evolutionId: ev.id,
      tempTopic: ev.shadow.tempTopic,
      startupMode: ev.shadow.startupMode,
    });
    step.current = 'createTempTopic';
    const temp = await kafka.createTempTopic(output, ev.id);
    if (temp.topic !== ev.shadow.tempTopic) {
      throw new EvolveError(
        'KAFKA_TOPIC_NOT_OURS',
        `TEMP was created as ${temp.topic} but the evolution expects ${ev.shadow.tempTopic}; this is a bug, abort the evolution.`,
      );
    }
    await kafka.registerConsumerGroups(plan.groupIds);
    if (ev.shadow.groupIds.join() !== plan.groupIds.join()) {
      ev = await deps.evolutions.update(ev.id, ev.version, (cur) => ({
        ...cur,
        shadow: { ...cur.shadow, groupIds: plan.groupIds },
        updatedAt: deps.clock.now(),
      }));
    }
    await deps.notifier.postMilestone(ev, {
      kind: 'info',
      text: `TEMP topic ${temp.topic} ${temp.created ? 'created' : 'found'} (${temp.partitions} partitions, compacted).`,
    });

    step.current = 'startShadow';
    const name = jobName(pipeline.name, ev.id, 'shadow');
    const existing = await flink.findJobByName(name);
    const reusable =
      existing && !['FAILED', 'CANCELED', 'FINISHED', 'NOT_FOUND'].includes(existing.state);
    const jobId = reusable
      ? existing.jobId
      : await flink
          .submitJob(plan.sql, { ...plan.executionConfig, 'pipeline.name': name, ...restoreS1(ev) })
          .catch((err: unknown) => {
            // Flink refuses a missing savepoint at submission: said as S1's, not as bad SQL.
            if (ev.rollbackOf && !isTransientError(err))
              throw s1NotRestored(ev, `Flink refused to start it: ${errorText(err)}`);
            throw err;
          });
    const state = await flink.waitRunning(jobId, deps.runningTimeoutMs);
    if (state !== 'RUNNING') {
      // A full cluster is not the SQL's fault: say which it is, before the job is gone.
      const failure = await flink.lastFailure(jobId).catch(() => undefined);
      await flink.cancel(jobId).catch(() => undefined);
      if (ev.rollbackOf && !lacksTaskSlot(failure))
        throw s1NotRestored(ev, `the shadow job ${jobId} was ${state}.${causeOf(failure)}`);
      throw new EvolveError(
        'FLINK_STATEMENT_FAILED',
        lacksTaskSlot(failure)
          ? `${noTaskSlotText('shadow')} Then /evolve abort ${ev.pipeline} and /evolve develop ${ev.pipeline} again (job ${jobId} was ${state}).`
          : `The shadow job ${jobId} ${notRunning(state, deps.runningTimeoutMs)}.${causeOf(failure)} ${fixAndDevelopAgain(ev)}`,
      );
    }
    // Every task runs; a v2 that throws on its input (a CAST) fails on its
    // first records and restarts, so RUNNING is said only once it stayed up.
    // Whether it fails before or after all its tasks ran is Flink's timing:
    // either way develop fails alike, with Flink's state and exception.
    const watch = deps.stableMs > 0 ? await flink.waitStable(jobId, deps.stableMs) : undefined;
    if (watch && !watch.stable) {
      const text = await unstableShadowText(flink, jobId, watch.seen);
      await flink.cancel(jobId).catch(() => undefined);
      throw new EvolveError('FLINK_STATEMENT_FAILED', `${text} ${fixAndDevelopAgain(ev)}`);
    }
    await assertRestoredS1(flink, ev, jobId);
    ev = await deps.evolutions.transition(ev.id, { type: 'shadowStarted', jobId }, SYSTEM_ACTOR);
    await deps.notifier.postMilestone(ev, {
      kind: 'shadowStarted',
      text: `Shadow job ${jobId} is RUNNING on the production inputs, writing to ${ev.shadow.tempTopic}.`,
      details: { jobId, tempTopic: ev.shadow.tempTopic },
    });
    await deps.notifier.updateStatusCard(ev);
    return ev;
  } catch (err) {
    // Aborted while this step was creating TEMP or starting the shadow: the
    // cleanup may have run before the shadow existed, so whatever this step
    // made is removed here too (a refused shadowStarted lands here).
    const now = await deps.evolutions.load(ev.id);
    if (now.status === 'ABORTED') {
      await cleanupShadow(deps, now);
      return now;
    }
    // Waited out by the job's retries: the step resumes where it stopped.
    if (isTransientError(err)) throw err;
    // A rollback that cannot start leaves the reversed evolution's backfill unfinished: said too.
    const note = unfinishedBackfillNote(ev);
    const error = actionError(err, step.current);
    const failed = await deps.evolutions.transition(
      ev.id,
      { type: 'fail', error: { ...error, message: error.message + note } },
      SYSTEM_ACTOR,
    );
    await deps.notifier.postMilestone(failed, {
      kind: 'failed',
      text: failureText(err, step.current) + note,
    });
    await deps.notifier.updateStatusCard(failed);
    return failed;
  }
}

/**
 * The shadow started but did not stay up (it restarted, failed or is
 * restarting): what Flink shows and its last exception, never RUNNING.
 */
async function unstableShadowText(
  flink: FlinkPort,
  jobId: string,
  seen: string | undefined,
): Promise<string> {
  const state = await flink.jobState(jobId).catch(() => undefined);
  const restarts = await flink.restartCount(jobId).catch(() => undefined);
  const failure = await flink.lastFailure(jobId).catch(() => undefined);
  const shown = state
    ? `Flink shows it ${state}${restarts ? ` after ${plural(restarts, 'restart')}` : ''}`
    : `Flink saw ${seen ?? 'it stop'}`;
  return `The shadow job ${jobId} started but did not stay up: ${shown}.${causeOf(failure)} It was cancelled.`;
}

function causeOf(failure: string | undefined): string {
  if (!failure) return '';
  const line = failureLine(failure);
  return ` Its last exception: ${line}${/[.!?…]$/.test(line) ? '' : '.'}`;
}

/** A job that ended did not time out: it failed, and saying "within 90 s" would mislead. */
function notRunning(state: string, timeoutMs: number): string {
  return ['FAILED', 'CANCELED', 'FINISHED'].includes(state)
    ? `ended ${state} before all its tasks ran`
    : `did not reach RUNNING within ${Math.round(timeoutMs / 1000)} s (state ${state})`;
}

/** A FAILED evolution stays active until it is aborted, so develop again comes after the abort. */
function fixAndDevelopAgain(ev: Evolution): string {
  return `Fix v2's SQL, then /evolve abort ${ev.pipeline} and /evolve develop ${ev.pipeline} again.`;
}

/**
 * A rollback's shadow is v1 restored from the S1 of the evolution it
 * reverses: v1's state at that cutover, catching up from S1's input
 * positions. Unclaimed state is refused: restoring into a job that drops
 * part of v1's state would answer wrong without a word.
 */
function restoreS1(ev: Evolution): Record<string, string> {
  if (!ev.rollbackOf) return {};
  return {
    'execution.savepoint.path': ev.rollbackOf.savepoint,
    'execution.savepoint.ignore-unclaimed-state': 'false',
  };
}

async function assertRestoredS1(flink: FlinkPort, ev: Evolution, jobId: string): Promise<void> {
  if (!ev.rollbackOf) return;
  const restored = await flink.restoredFrom(jobId);
  if (restored === ev.rollbackOf.savepoint) return;
  await flink.cancel(jobId).catch(() => undefined);
  throw new EvolveError(
    'FLINK_STATEMENT_FAILED',
    `The rollback's shadow ${jobId} restored from ${restored ?? 'no savepoint'}, not from S1 (${ev.rollbackOf.savepoint}); it was cancelled. /evolve abort ${ev.pipeline}; production was not touched.`,
  );
}

function errorText(err: unknown): string {
  return err instanceof EvolveError ? err.userMessage : String(err);
}

/** v1 could not start from S1: missing files, or state v1's job no longer takes. */
function s1NotRestored(ev: Evolution, what: string): EvolveError {
  return new EvolveError(
    'FLINK_STATEMENT_FAILED',
    `v1 could not be restored from S1 (${ev.rollbackOf!.savepoint}): ${what} ` +
      `If the savepoint's files are gone, this evolution cannot be rolled back. /evolve abort ${ev.pipeline}; production was not touched (v2 still serves).`,
  );
}
