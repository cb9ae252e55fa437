import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ExecutionConfig,
  FlinkJobState,
  FlinkPort,
  SavepointOptions,
} from '../evolution/ports/flink-port.js';
import {
  FlinkJobNotFoundError,
  FlinkSavepointFailedError,
  FlinkSavepointUnknownError,
  SavepointDisposalFailedError,
  type SavepointOperation,
} from './flink-errors.js';
import { lacksTaskSlot } from '../evolution/no-task-slot.js';
import { FlinkRestClient, type JobException } from './flink-rest-client.js';
import { subtasksRunning, TERMINAL_JOB_STATES, type JobOverview } from './flink-rest-schemas.js';
import { javaRootCause } from './java-root-cause.js';
import { SqlGatewayClient } from './sql-gateway-client.js';

/** Longer than Flink's REST caches (`web.refresh-interval`, 3 s by default). */
const STATS_CACHE_WAIT_MS = 5_000;
/** How often a wait for RUNNING reads the job's exceptions (a REST call of its own). */
const FAILURE_LOOK_MS = 1_000;

/** Flink's causes for a disposal of a location that holds no savepoint. */
const NOTHING_THERE = /cannot find|FileNotFound|does not exist|no such file/i;

/**
 * The domain's FlinkPort on the real clients: the gateway submits, the REST
 * API does the rest. Savepoint steps observe before they act: a trigger id
 * Flink still knows is only polled, never sent again, and one it has
 * forgotten is resolved from the job itself.
 */
export class FlinkAdapter implements FlinkPort {
  constructor(
    private readonly rest: FlinkRestClient,
    private readonly gateway: SqlGatewayClient,
    private readonly savepointDirectory?: string,
  ) {}

  async submitJob(sql: string, executionConfig: ExecutionConfig): Promise<string> {
    // The parser loads here, not with the adapter: most calls that build one submit nothing.
    const { analyzeScript } = await import('./analyze-script.js');
    const statements = analyzeScript(sql).statements.map((s) => s.executable);
    return (await this.gateway.submitScript(statements, { ...executionConfig })).jobId;
  }

  stopWithSavepoint(
    jobId: string,
    triggerId: string,
    options: SavepointOptions = {},
  ): Promise<string> {
    return this.savepoint('stop-with-savepoint', jobId, triggerId, options);
  }

  triggerSavepoint(
    jobId: string,
    triggerId: string,
    options: SavepointOptions = {},
  ): Promise<string> {
    return this.savepoint('savepoint', jobId, triggerId, options);
  }

  async jobState(jobId: string): Promise<FlinkJobState> {
    try {
      return await this.rest.getJobState(jobId);
    } catch (err) {
      if (err instanceof FlinkJobNotFoundError) return 'NOT_FOUND';
      throw err;
    }
  }

  restartCount(jobId: string): Promise<number | undefined> {
    return this.rest.restartCount(jobId);
  }

  async lastFailure(jobId: string): Promise<string | undefined> {
    try {
      const failure = await this.rest.latestException(jobId);
      return failure && failureLine(failure);
    } catch (err) {
      if (err instanceof FlinkJobNotFoundError) return undefined;
      throw err;
    }
  }

  async jobTimes(jobId: string): Promise<{ runningAt?: number; endedAt?: number }> {
    const job = await this.rest.getJob(jobId);
    const runningAt = job.timestamps.RUNNING;
    const endedAt = job['end-time'] > 0 ? job['end-time'] : undefined;
    return {
      ...(runningAt !== undefined && runningAt > 0 ? { runningAt } : {}),
      ...(endedAt !== undefined ? { endedAt } : {}),
    };
  }

  restoredFrom(jobId: string): Promise<string | undefined> {
    return this.rest.latestRestoredPath(jobId);
  }

  async findJobByName(name: string): Promise<{ jobId: string; state: FlinkJobState } | undefined> {
    const jobs = await this.rest.findJobsByName(name);
    const job = jobs.find((j) => !TERMINAL_JOB_STATES.includes(j.state)) ?? jobs[0];
    return job ? { jobId: job.jid, state: job.state } : undefined;
  }

  /** A job Flink does not know is not running either: nothing to cancel. */
  async cancel(jobId: string): Promise<void> {
    try {
      await this.rest.cancelJob(jobId);
    } catch (err) {
      if (!(err instanceof FlinkJobNotFoundError)) throw err;
    }
  }

  /**
   * Flink answers a location with nothing to dispose ("Cannot find
   * checkpoint or savepoint", a missing _metadata file) with a failed
   * disposal; that location is gone, which is what the caller wanted.
   */
  async disposeSavepoint(location: string): Promise<{ gone: boolean }> {
    try {
      await this.rest.disposeSavepoint(location);
      return { gone: false };
    } catch (err) {
      if (err instanceof SavepointDisposalFailedError && NOTHING_THERE.test(err.flinkCause))
        return { gone: true };
      throw err;
    }
  }

  /**
   * RUNNING here means every task runs, not only the job: Flink refuses a
   * savepoint ("not all required tasks are currently running") while tasks
   * are still being deployed, and a deploy that follows at once would fail.
   * A job that cannot get a task slot is not waited for: Flink fails it with
   * NoResourceAvailableException at once and then only restarts it, so the
   * wait returns the state it is in (RESTARTING, mostly) and lastFailure
   * says why; the caller tells people the cluster is full.
   */
  async waitRunning(jobId: string, timeoutMs: number): Promise<FlinkJobState> {
    const deadline = Date.now() + timeoutMs;
    let nextFailureLook = 0;
    for (;;) {
      // Polled often: during a cutover this wait is production's gap.
      const job = await this.rest.getJobOverview(jobId);
      if (TERMINAL_JOB_STATES.includes(job.state)) return job.state;
      const running = job.state === 'RUNNING';
      if (running && (await this.allTasksRunning(job))) return 'RUNNING';
      // Only a job that is not RUNNING: one RUNNING again after a slot freed
      // up still lists the old exception while its tasks deploy.
      if (!running && Date.now() >= nextFailureLook) {
        nextFailureLook = Date.now() + FAILURE_LOOK_MS;
        const failure = await this.lastFailure(jobId).catch(() => undefined);
        if (lacksTaskSlot(failure)) return job.state;
      }
      if (Date.now() > deadline) return running ? 'INITIALIZING' : job.state;
      await sleep(100);
    }
  }

  /**
   * The stop savepoint a FINISHED job ended with. Checkpoint statistics are
   * served from a cache refreshed every few seconds (like the job details),
   * so a look just after the stop may not list it yet: look again for a while
   * before concluding it is not there.
   */
  private async stopSavepointOf(jobId: string): Promise<string | undefined> {
    const until = Date.now() + STATS_CACHE_WAIT_MS;
    for (;;) {
      const latest = await this.rest.latestCompletedSavepoint(jobId);
      // A plain savepoint (SAVEPOINT) does not stop a job; a stop's is SYNC_SAVEPOINT.
      if (latest && latest.checkpointType !== 'SAVEPOINT') return latest.location;
      if (Date.now() >= until) return undefined;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** From the overview's live subtask counts; from the (cached) job details where a Flink does not report them. */
  private async allTasksRunning(job: JobOverview): Promise<boolean> {
    const counted = subtasksRunning(job);
    if (counted !== undefined) return counted;
    const details = await this.rest.getJob(job.jid);
    return details.vertices.every((v) => v.status === 'RUNNING' || v.status === 'FINISHED');
  }

  async waitStable(jobId: string, windowMs: number): Promise<{ stable: boolean; seen?: string }> {
    const until = Date.now() + windowMs;
    // The state comes from the live overview; polling at 500 ms sees a
    // restart's RESTARTING (its delay is 1 s or more by default), and the
    // failure and restart count checked at the end catch a quicker one.
    for (;;) {
      const state = await this.jobState(jobId);
      if (state !== 'RUNNING') return { stable: false, seen: `state ${state}` };
      if (Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, until - Date.now()))));
    }
    const failure = await this.lastFailure(jobId);
    if (failure) return { stable: false, seen: `a failure: ${failure}` };
    const restarts = await this.restartCount(jobId);
    if (restarts !== undefined && restarts > 0)
      return { stable: false, seen: `${restarts} restart${restarts === 1 ? '' : 's'}` };
    return { stable: true };
  }

  private async savepoint(
    operation: SavepointOperation,
    jobId: string,
    triggerId: string,
    options: SavepointOptions,
  ): Promise<string> {
    const wait = async () => {
      const result = await this.rest.waitForSavepoint(jobId, triggerId, {
        operation,
        // A stop drains the job first: from then on production waits on this poll.
        pollIntervalMs: operation === 'stop-with-savepoint' ? 200 : 500,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      // Flink reports a stop's savepoint COMPLETED a moment before the job is
      // FINISHED. Until then the old job may still flush to the sink, so the
      // step returns only once it has ended: cutover offsets read afterwards
      // then contain every record the stopped job wrote.
      if (operation === 'stop-with-savepoint') {
        // Polled often: once v1 is stopped, this wait is part of production's gap.
        await this.rest.waitForJobState(jobId, TERMINAL_JOB_STATES, {
          timeoutMs: 120_000,
          pollIntervalMs: 100,
        });
      }
      return result;
    };
    try {
      await this.rest.getSavepointStatus(jobId, triggerId, operation);
      return (await wait()).location; // Flink knows this trigger: a resumed step only waits.
    } catch (err) {
      if (!(err instanceof FlinkSavepointUnknownError)) throw err;
    }
    let state = await this.rest.getJobState(jobId);
    if (!TERMINAL_JOB_STATES.includes(state)) {
      const request = {
        triggerId,
        ...(this.savepointDirectory ? { targetDirectory: this.savepointDirectory } : {}),
      };
      try {
        if (operation === 'stop-with-savepoint') await this.rest.stopWithSavepoint(jobId, request);
        else await this.rest.triggerSavepoint(jobId, request);
        return (await wait()).location;
      } catch (err) {
        if (!(err instanceof FlinkJobNotFoundError) || operation !== 'stop-with-savepoint')
          throw err;
        // It stopped between our look and our request: its stop savepoint completes a moment
        // before the job reaches FINISHED.
        state = (await this.rest.waitForJobState(jobId, TERMINAL_JOB_STATES, { timeoutMs: 60_000 }))
          .state;
      }
    }
    // The trigger was forgotten (store duration passed, or a JobManager restart) and the job
    // ended: a FINISHED job whose latest savepoint is a stop savepoint (not a plain one)
    // was stopped by it.
    if (operation === 'stop-with-savepoint' && state === 'FINISHED') {
      const location = await this.stopSavepointOf(jobId);
      if (location) return location;
    }
    throw new FlinkSavepointFailedError(
      jobId,
      triggerId,
      operation,
      `the job is ${state} and Flink has no record of this request`,
    );
  }
}

/**
 * The deepest cause, named by its simple class: Flink wraps a task's failure
 * in "Recovery is suppressed by ..." when it gives up, and people need the
 * ArithmeticException underneath, not the wrapper.
 */
function failureLine(failure: JobException): string {
  const root = javaRootCause(failure.stacktrace);
  const className = (root?.className ?? failure.exceptionName).split('.').at(-1);
  return root?.message ? `${className}: ${root.message}` : (className ?? failure.exceptionName);
}
