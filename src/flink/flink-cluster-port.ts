import type {
  ExecutionConfig,
  FlinkJobState,
  FlinkPort,
  SavepointOptions,
} from '../evolution/ports/flink-port.js';
import { analyzeScript } from './analyze-script.js';
import {
  FlinkJobNotFoundError,
  FlinkSavepointFailedError,
  FlinkSavepointUnknownError,
  type SavepointOperation,
} from './flink-errors.js';
import { FlinkRestClient, PollTimeout } from './flink-rest-client.js';
import type { FlinkHttpOptions } from './flink-http.js';
import { SqlGatewayClient } from './sql-gateway-client.js';

export interface FlinkClusterOptions {
  rest: FlinkHttpOptions;
  gateway: FlinkHttpOptions;
  /** How long a savepoint may take before the step reports it as failed (it may still finish). */
  savepointTimeoutMs?: number;
}

/**
 * The domain's FlinkPort over the REST API and the SQL Gateway. Where a call
 * may be repeated after a crash it observes first: a stop whose trigger
 * Flink has forgotten is answered from the stopped job's latest savepoint.
 */
export class FlinkClusterPort implements FlinkPort {
  readonly rest: FlinkRestClient;
  readonly gateway: SqlGatewayClient;
  private readonly savepointTimeoutMs: number;

  constructor(options: FlinkClusterOptions) {
    this.rest = new FlinkRestClient(options.rest);
    this.gateway = new SqlGatewayClient(options.gateway);
    this.savepointTimeoutMs = options.savepointTimeoutMs ?? 10 * 60_000;
  }

  async submitJob(sql: string, executionConfig: ExecutionConfig): Promise<string> {
    const statements = analyzeScript(sql).statements.map((s) => s.text);
    const { jobId } = await this.gateway.submitScript(statements, executionConfig, {
      sessionName: executionConfig['pipeline.name'] ?? 'flink-evolve',
    });
    return jobId;
  }

  async stopWithSavepoint(
    jobId: string,
    triggerId: string,
    options: SavepointOptions = {},
  ): Promise<string> {
    return this.savepoint(jobId, triggerId, 'stop-with-savepoint', options);
  }

  async triggerSavepoint(
    jobId: string,
    triggerId: string,
    options: SavepointOptions = {},
  ): Promise<string> {
    return this.savepoint(jobId, triggerId, 'savepoint', options);
  }

  private async savepoint(
    jobId: string,
    triggerId: string,
    operation: SavepointOperation,
    options: SavepointOptions,
  ): Promise<string> {
    const state = await this.jobState(jobId);
    if (state === 'FINISHED' && operation === 'stop-with-savepoint') {
      // An earlier attempt stopped it: ask for that trigger, or (once Flink
      // forgot it, after rest.async.store-duration) the job's last savepoint.
      try {
        const status = await this.rest.getSavepointStatus(jobId, triggerId, operation);
        if (status.status === 'COMPLETED') return status.location;
      } catch (err) {
        if (!(err instanceof FlinkSavepointUnknownError)) throw err;
        const latest = await this.rest.latestCompletedSavepoint(jobId);
        if (latest) return latest.location;
        throw new FlinkSavepointFailedError(
          jobId,
          triggerId,
          operation,
          'the job is FINISHED but has no completed savepoint',
          {
            cause: err,
          },
        );
      }
    } else if (state !== 'RUNNING' && state !== 'FINISHED') {
      throw new FlinkSavepointFailedError(
        jobId,
        triggerId,
        operation,
        `the job is ${state}, not RUNNING`,
      );
    } else if (operation === 'stop-with-savepoint') {
      await this.rest.stopWithSavepoint(jobId, { triggerId });
    } else {
      await this.rest.triggerSavepoint(jobId, { triggerId });
    }
    const result = await this.rest.waitForSavepoint(jobId, triggerId, {
      operation,
      timeoutMs: this.savepointTimeoutMs,
      onProgress: options.onProgress
        ? (p) => options.onProgress?.({ acknowledged: p.acknowledged, total: p.total })
        : undefined,
    });
    return result.location;
  }

  async jobState(jobId: string): Promise<FlinkJobState> {
    try {
      return await this.rest.getJobState(jobId);
    } catch (err) {
      if (err instanceof FlinkJobNotFoundError) return 'NOT_FOUND';
      throw err;
    }
  }

  async restoredFrom(jobId: string): Promise<string | undefined> {
    return this.rest.latestRestoredPath(jobId);
  }

  async findJobByName(name: string): Promise<{ jobId: string; state: FlinkJobState } | undefined> {
    const newest = (await this.rest.findJobsByName(name))[0];
    return newest && { jobId: newest.jid, state: newest.state };
  }

  async cancel(jobId: string): Promise<void> {
    await this.rest.cancelJob(jobId);
  }

  async waitRunning(jobId: string, timeoutMs: number): Promise<FlinkJobState> {
    try {
      return (await this.rest.waitForJobState(jobId, ['RUNNING'], { timeoutMs })).state;
    } catch (err) {
      if (err instanceof PollTimeout) return this.jobState(jobId);
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.rest.close(), this.gateway.close()]);
  }
}
