import { z } from 'zod';
import {
  FlinkJobNotFoundError,
  FlinkSavepointFailedError,
  FlinkSavepointUnknownError,
  FlinkUnexpectedResponseError,
  SavepointDisposalFailedError,
  type SavepointOperation,
} from './flink-errors.js';
import { FlinkHttp, type FlinkHttpOptions, type FlinkResponse } from './flink-http.js';
import { parseFlinkVersion, restConfigSchema, type FlinkVersion } from './flink-version.js';
import { checkJobId, checkTriggerId, newTriggerId } from './flink-ids.js';
import {
  asyncOperationSchema,
  checkpointStatsSchema,
  jobDetailsSchema,
  jobsOverviewSchema,
  TERMINAL_JOB_STATES,
  triggerResponseSchema,
  type CheckpointStats,
  type JobDetails,
  type JobOverview,
  type JobState,
} from './flink-rest-schemas.js';
import { jobExceptionsSchema, jobMetricsSchema, type JobException } from './job-health-schemas.js';
import type {
  CompletedSavepoint,
  SavepointProgress,
  SavepointRequest,
  SavepointResult,
  WaitForSavepointOptions,
} from './flink-rest-types.js';
import { javaRootCause } from './java-root-cause.js';
import { PollTimeout, pollUntil, type WaitOptions } from './poll-until.js';
import { savepointFailureError } from './savepoint-failure.js';

export { newTriggerId } from './flink-ids.js';
export { PollTimeout } from './poll-until.js';
export type { WaitOptions } from './poll-until.js';
export type * from './flink-rest-types.js';
export type { JobException } from './job-health-schemas.js';

export type FlinkRestClientOptions = FlinkHttpOptions;

/** The JobManager's REST API: jobs, savepoints, cancellation, checkpoint statistics. */
export class FlinkRestClient {
  private readonly http: FlinkHttp;

  constructor(options: FlinkRestClientOptions) {
    this.http = new FlinkHttp('Flink REST API', options);
  }

  /** The Flink release of the JobManager (`GET /config`, field flink-version). */
  async flinkVersion(): Promise<FlinkVersion> {
    const res = await this.get('/config', 'GET /config');
    const text = this.http.expect(res, restConfigSchema, [200])['flink-version'];
    const version = parseFlinkVersion(text);
    if (!version) {
      throw new FlinkUnexpectedResponseError(
        'Flink REST API',
        'GET /config',
        200,
        `flink-version "${text}" is not a Flink release number`,
      );
    }
    return version;
  }

  async listJobs(): Promise<JobOverview[]> {
    const res = await this.get('/jobs/overview', 'GET /jobs/overview');
    return this.http.expect(res, jobsOverviewSchema, [200]).jobs;
  }

  /** Jobs submitted with this `pipeline.name`, newest first: how a retried submit finds its job. */
  async findJobsByName(name: string): Promise<JobOverview[]> {
    const jobs = await this.listJobs();
    return jobs.filter((j) => j.name === name).sort((a, b) => b['start-time'] - a['start-time']);
  }

  async getJob(jobId: string): Promise<JobDetails> {
    checkJobId(jobId);
    const res = await this.get(`/jobs/${jobId}`, 'GET /jobs/:jobid');
    if (res.status === 404) throw new FlinkJobNotFoundError(jobId, undefined, { cause: res.body });
    return this.http.expect(res, jobDetailsSchema, [200]);
  }

  /**
   * The job's line of `GET /jobs/overview`: its state and subtask counts as
   * they are now. `GET /jobs/:jobid` is served from a cache the JobManager
   * refreshes every `web.refresh-interval` (3 s by default), so a job whose
   * tasks all ran 120 ms after submission read as still deploying for 3 s
   * there; every wait on a state change reads the overview instead.
   */
  async getJobOverview(jobId: string): Promise<JobOverview> {
    checkJobId(jobId);
    const job = (await this.listJobs()).find((j) => j.jid === jobId);
    if (!job) throw new FlinkJobNotFoundError(jobId);
    return job;
  }

  async getJobState(jobId: string): Promise<JobState> {
    return (await this.getJobOverview(jobId)).state;
  }

  /**
   * Polls until the job is in one of `states` or in a terminal state (a job
   * that FAILED will not become RUNNING); the caller checks which.
   */
  async waitForJobState(
    jobId: string,
    states: readonly JobState[],
    options: WaitOptions = {},
  ): Promise<JobOverview> {
    return pollUntil(options, `job ${jobId} to reach ${states.join('/')}`, async () => {
      const job = await this.getJobOverview(jobId);
      return states.includes(job.state) || TERMINAL_JOB_STATES.includes(job.state)
        ? job
        : undefined;
    });
  }

  /**
   * How often the job has restarted (its `numRestarts` metric); undefined
   * while Flink does not report it, which is also how it answers for a job it
   * does not know. The JobManager serves metrics from a cache it refreshes
   * at most every `metrics.fetcher.update-interval` (10 s by default) and
   * only while the job runs: the count may be a few seconds old, and stays
   * at its last value once the job has ended.
   */
  async restartCount(jobId: string): Promise<number | undefined> {
    checkJobId(jobId);
    const res = await this.get(
      `/jobs/${jobId}/metrics?get=numRestarts`,
      'GET /jobs/:jobid/metrics',
    );
    const value = this.http
      .expect(res, jobMetricsSchema, [200])
      .find((m) => m.id === 'numRestarts')?.value;
    const count = value === undefined ? NaN : Number(value);
    return Number.isSafeInteger(count) && count >= 0 ? count : undefined;
  }

  /** The job's newest failure from its exception history; undefined when it never failed. */
  async latestException(jobId: string): Promise<JobException | undefined> {
    checkJobId(jobId);
    const res = await this.get(
      `/jobs/${jobId}/exceptions?maxExceptions=1`,
      'GET /jobs/:jobid/exceptions',
    );
    if (res.status === 404) throw new FlinkJobNotFoundError(jobId, undefined, { cause: res.body });
    const history = this.http.expect(res, jobExceptionsSchema, [200]).exceptionHistory.entries;
    return history.reduce<JobException | undefined>(
      (newest, e) => (newest && newest.timestamp >= e.timestamp ? newest : e),
      undefined,
    );
  }

  /** Savepoint of a running job that keeps running. Returns the trigger id to poll. */
  async triggerSavepoint(jobId: string, request: SavepointRequest = {}): Promise<string> {
    checkJobId(jobId);
    const triggerId = request.triggerId ?? newTriggerId();
    checkTriggerId(triggerId);
    const body: Record<string, unknown> = { 'cancel-job': false, triggerId };
    if (request.targetDirectory !== undefined) body['target-directory'] = request.targetDirectory;
    if (request.formatType !== undefined) body.formatType = request.formatType;
    return this.trigger(
      jobId,
      triggerId,
      `/jobs/${jobId}/savepoints`,
      'POST /jobs/:jobid/savepoints',
      body,
    );
  }

  /**
   * Stop-with-savepoint without draining (drain would emit end-of-input and
   * fire every timer, which is wrong for a job that resumes). The trigger id
   * makes a repeated call return the same operation instead of a second stop.
   */
  async stopWithSavepoint(jobId: string, request: SavepointRequest = {}): Promise<string> {
    checkJobId(jobId);
    const triggerId = request.triggerId ?? newTriggerId();
    checkTriggerId(triggerId);
    const body: Record<string, unknown> = { drain: false, triggerId };
    if (request.targetDirectory !== undefined) body.targetDirectory = request.targetDirectory;
    if (request.formatType !== undefined) body.formatType = request.formatType;
    return this.trigger(jobId, triggerId, `/jobs/${jobId}/stop`, 'POST /jobs/:jobid/stop', body);
  }

  /** One look at a savepoint operation; `undefined` location while in progress. */
  async getSavepointStatus(
    jobId: string,
    triggerId: string,
    operation: SavepointOperation = 'savepoint',
  ): Promise<{ status: 'IN_PROGRESS' } | { status: 'COMPLETED'; location: string }> {
    checkJobId(jobId);
    checkTriggerId(triggerId);
    const res = await this.get(
      `/jobs/${jobId}/savepoints/${triggerId}`,
      'GET /jobs/:jobid/savepoints/:triggerid',
    );
    if (res.status === 404) {
      await this.getJob(jobId); // throws FlinkJobNotFoundError when the job itself is gone
      throw new FlinkSavepointUnknownError(jobId, triggerId, { cause: res.body });
    }
    const op = this.http.expect(res, asyncOperationSchema, [200]);
    if (op.status.id === 'IN_PROGRESS') return { status: 'IN_PROGRESS' };
    const location = op.operation?.location;
    if (location) return { status: 'COMPLETED', location };
    const failure = op.operation?.['failure-cause'];
    if (!failure) {
      throw this.http.unexpected({ ...res, body: 'COMPLETED without location or failure-cause' });
    }
    throw savepointFailureError(jobId, triggerId, operation, failure);
  }

  /** Polls a savepoint to completion, reporting progress; the size comes from checkpoint statistics. */
  async waitForSavepoint(
    jobId: string,
    triggerId: string,
    options: WaitForSavepointOptions = {},
  ): Promise<SavepointResult> {
    const operation = options.operation ?? 'savepoint';
    let lastAcknowledged = -1;
    const location = await pollUntil(
      options,
      `savepoint ${triggerId} of job ${jobId}`,
      async () => {
        const status = await this.getSavepointStatus(jobId, triggerId, operation);
        if (status.status === 'COMPLETED') return status.location;
        if (options.onProgress) {
          const progress = await this.savepointProgress(jobId).catch(() => undefined);
          if (progress && progress.acknowledged !== lastAcknowledged) {
            lastAcknowledged = progress.acknowledged;
            options.onProgress(progress);
          }
        }
        return undefined;
      },
    ).catch((err: unknown) => {
      if (err instanceof PollTimeout) {
        throw new FlinkSavepointFailedError(
          jobId,
          triggerId,
          operation,
          `still in progress after ${Math.round(err.waitedMs / 1000)} s; Flink may still finish it, poll again with the same trigger id`,
          { cause: err },
        );
      }
      throw err;
    });
    const sizeBytes = await this.savepointSize(jobId, location).catch(() => undefined);
    return sizeBytes === undefined ? { location } : { location, sizeBytes };
  }

  async getCheckpoints(jobId: string): Promise<CheckpointStats> {
    checkJobId(jobId);
    const res = await this.get(`/jobs/${jobId}/checkpoints`, 'GET /jobs/:jobid/checkpoints');
    if (res.status === 404) {
      await this.getJob(jobId);
      throw this.http.unexpected(res);
    }
    return this.http.expect(res, checkpointStatsSchema, [200]);
  }

  /** Acknowledged/total subtasks of the newest in-progress savepoint, if one is running. */
  async savepointProgress(jobId: string): Promise<SavepointProgress | undefined> {
    const stats = await this.getCheckpoints(jobId);
    const inProgress = stats.history
      .filter((c) => c.is_savepoint && c.status === 'IN_PROGRESS')
      .sort((a, b) => b.id - a.id)[0];
    if (!inProgress) return undefined;
    return {
      checkpointId: inProgress.id,
      acknowledged: inProgress.num_acknowledged_subtasks,
      total: inProgress.num_subtasks,
    };
  }

  /** Where the job's state came from (`latest.restored.external_path`); undefined for a fresh start. */
  async latestRestoredPath(jobId: string): Promise<string | undefined> {
    const stats = await this.getCheckpoints(jobId);
    return stats.latest.restored?.external_path ?? undefined;
  }

  /**
   * The newest completed savepoint of the job. For when a trigger id has
   * expired (FlinkSavepointUnknownError): a FINISHED job's latest savepoint is
   * the one its stop-with-savepoint wrote.
   */
  async latestCompletedSavepoint(jobId: string): Promise<CompletedSavepoint | undefined> {
    const stats = await this.getCheckpoints(jobId);
    const sp = stats.latest.savepoint;
    if (!sp?.external_path) return undefined;
    const result: CompletedSavepoint = {
      location: sp.external_path,
      checkpointId: sp.id,
      triggeredAt: new Date(sp.trigger_timestamp),
    };
    if (sp.state_size !== undefined) result.sizeBytes = sp.state_size;
    if (sp.checkpoint_type !== undefined) result.checkpointType = sp.checkpoint_type;
    return result;
  }

  /**
   * Cancels a job. Idempotent: Flink accepts cancelling a CANCELED job again
   * (202), and answers 409 for a job that ended otherwise (FINISHED, FAILED),
   * which is left as it is.
   */
  async cancelJob(jobId: string): Promise<'requested' | 'already-terminal'> {
    checkJobId(jobId);
    const res = await this.http.send({
      method: 'PATCH',
      path: `/jobs/${jobId}?mode=cancel`,
      endpoint: 'PATCH /jobs/:jobid?mode=cancel',
      idempotent: true,
    });
    if (res.status === 404) throw new FlinkJobNotFoundError(jobId, undefined, { cause: res.body });
    if (res.status === 409) return 'already-terminal';
    this.http.expect(res, z.unknown(), [202]);
    return 'requested';
  }

  /** Deletes a savepoint's files through the JobManager and waits until that is done. */
  async disposeSavepoint(location: string, options: WaitOptions = {}): Promise<void> {
    // Not idempotent: a second disposal of the same path fails with "Cannot find checkpoint".
    const res = await this.http.send({
      method: 'POST',
      path: '/savepoint-disposal',
      endpoint: 'POST /savepoint-disposal',
      body: { 'savepoint-path': location },
      idempotent: false,
    });
    const triggerId = this.http.expect(res, triggerResponseSchema)['request-id'];
    const op = await pollUntil(options, `disposal of ${location}`, async () => {
      const status = await this.get(
        `/savepoint-disposal/${triggerId}`,
        'GET /savepoint-disposal/:triggerid',
      );
      const parsed = this.http.expect(status, asyncOperationSchema, [200]);
      return parsed.status.id === 'COMPLETED' ? parsed : undefined;
    });
    const failure = op.operation?.['failure-cause'];
    if (failure) {
      const root = javaRootCause(failure['stack-trace'] ?? '');
      throw new SavepointDisposalFailedError(
        location,
        root?.message ?? failure.class ?? 'unknown cause',
        {
          cause: failure,
        },
      );
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private get(path: string, endpoint: string): Promise<FlinkResponse> {
    return this.http.send({ method: 'GET', path, endpoint, idempotent: true });
  }

  private async trigger(
    jobId: string,
    triggerId: string,
    path: string,
    endpoint: string,
    body: Record<string, unknown>,
  ): Promise<string> {
    const res = await this.http.send({ method: 'POST', path, endpoint, body, idempotent: true });
    if (res.status === 404) throw new FlinkJobNotFoundError(jobId, undefined, { cause: res.body });
    const requestId = this.http.expect(res, triggerResponseSchema)['request-id'];
    // Flink echoes the client's trigger id; anything else would break idempotence silently.
    if (requestId !== triggerId)
      throw this.http.unexpected({ ...res, body: `request-id ${requestId} is not ${triggerId}` });
    return triggerId;
  }

  private async savepointSize(jobId: string, location: string): Promise<number | undefined> {
    const stats = await this.getCheckpoints(jobId);
    const candidates = [stats.latest.savepoint, ...stats.history];
    return candidates.find((c) => c?.external_path === location)?.state_size;
  }
}
