import { EvolveError } from '../errors.js';
import { isTlsFailure } from '../tls-failure.js';

/** Which Flink endpoint answered, as a route ("GET /jobs/:jobid"), never a full URL. */
export type FlinkEndpoint = string;

export type FlinkService = 'Flink REST API' | 'Flink SQL Gateway';

/** Connection refused/reset, timeouts or 502/503/504 on every attempt. */
export class FlinkUnreachableError extends EvolveError {
  constructor(
    readonly service: FlinkService,
    /** Origin only: a base URL may carry credentials. */
    readonly origin: string,
    readonly endpoint: FlinkEndpoint,
    readonly attempts: number,
    /** The last failure: an error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, CERT_HAS_EXPIRED) or HTTP 503. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'FLINK_UNREACHABLE',
      `The ${service} at ${origin} could not be reached (${endpoint}: ${reason}, ` +
        `${attempts} attempt${attempts === 1 ? '' : 's'}). ` +
        (isTlsFailure(reason)
          ? "The TLS handshake failed: when Flink's certificate is signed by a private CA set EVOLVE_FLINK_TLS_CA_FILE, and for mutual TLS EVOLVE_FLINK_TLS_CERT_FILE and EVOLVE_FLINK_TLS_KEY_FILE; then retry."
          : 'Check that the cluster is up and reachable from the worker (address, TLS settings), then retry.'),
      options,
    );
  }
}

export class FlinkJobNotFoundError extends EvolveError {
  constructor(
    readonly jobId: string,
    detail = 'Flink does not know this job',
    options?: { cause?: unknown },
  ) {
    super(
      'FLINK_JOB_NOT_FOUND',
      `Flink job ${jobId} was not found (${detail}). Check the job id with the Flink dashboard or ` +
        '`GET /jobs/overview`; a JobManager restart without HA forgets finished jobs.',
      options,
    );
  }
}

export type SavepointOperation = 'savepoint' | 'stop-with-savepoint';

export class FlinkSavepointFailedError extends EvolveError {
  /** Java class of Flink's root cause, for logs and for telling causes apart. */
  readonly flinkCauseClass: string | undefined;

  constructor(
    readonly jobId: string,
    readonly triggerId: string,
    readonly operation: SavepointOperation,
    /** Flink's root cause, one line ("Failed to create savepoint directory at file:/x"). */
    readonly flinkCause: string,
    options?: { cause?: unknown; flinkCauseClass?: string },
  ) {
    super(
      'FLINK_SAVEPOINT_FAILED',
      `The ${operation} of Flink job ${jobId} failed: ${flinkCause}. ` +
        (operation === 'stop-with-savepoint'
          ? 'The job was not stopped by this request; '
          : 'The job keeps running; ') +
        'fix the cause (target directory, checkpoint storage, job health) and trigger a new savepoint.',
      options,
    );
    this.flinkCauseClass = options?.flinkCauseClass;
  }
}

/**
 * Flink keeps the result of a triggered savepoint in JobManager memory only
 * (rest.async.store-duration, 5 min by default) and loses it on restart.
 * Observe the job instead: its state and its latest completed savepoint.
 */
export class FlinkSavepointUnknownError extends EvolveError {
  constructor(
    readonly jobId: string,
    readonly triggerId: string,
    options?: { cause?: unknown },
  ) {
    super(
      'FLINK_SAVEPOINT_UNKNOWN',
      `Flink no longer knows savepoint request ${triggerId} of job ${jobId} (results are kept for a few ` +
        'minutes and lost when the JobManager restarts). Check the job state and its latest completed ' +
        'savepoint before triggering another one.',
      options,
    );
  }
}

export class SavepointDisposalFailedError extends EvolveError {
  constructor(
    readonly location: string,
    readonly flinkCause: string,
    options?: { cause?: unknown },
  ) {
    super(
      'FLINK_SAVEPOINT_FAILED',
      `Flink could not dispose savepoint ${location}: ${flinkCause}. ` +
        'Check that the path exists and that the JobManager can write to it; delete the files by hand if needed.',
      options,
    );
  }
}

export class FlinkUnexpectedResponseError extends EvolveError {
  constructor(
    readonly service: FlinkService,
    readonly endpoint: FlinkEndpoint,
    readonly status: number,
    /** What was wrong: Flink's own error line, or which field failed validation. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'FLINK_UNEXPECTED_RESPONSE',
      `The ${service} answered ${endpoint} with HTTP ${status} in a way flink-evolve did not expect: ${detail}. ` +
        'Check that the Flink version is supported (1.20.x or 2.x) and look at the JobManager log.',
      options,
    );
  }
}

/** A SQL statement the gateway or the planner rejected. */
export class SqlStatementFailedError extends EvolveError {
  constructor(
    /** The planner's root cause: "Object 'orders' not found", with its position when known. */
    readonly flinkCause: string,
    readonly statementIndex: number,
    readonly statement: string,
    options?: { cause?: unknown },
  ) {
    super(
      'FLINK_STATEMENT_FAILED',
      `Flink rejected statement ${statementIndex + 1} (${preview(statement)}): ${flinkCause}`,
      options,
    );
  }
}

function preview(statement: string): string {
  const oneLine = statement.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

/** A script whose shape cannot run as one pipeline; refused before anything is sent to Flink. */
export class SqlScriptInvalidError extends EvolveError {
  constructor(readonly problem: string) {
    super('SQL_INVALID', `The SQL script cannot be submitted: ${problem}.`);
  }
}

/** The cluster runs a Flink release flink-evolve does not speak to (see README "Supported versions"). */
export class FlinkVersionUnsupportedError extends EvolveError {
  constructor(
    readonly service: FlinkService,
    /** What the cluster reported, e.g. "1.18.1". */
    readonly version: string,
    /** What needs the newer release, e.g. "restoring from a savepoint". */
    readonly feature: string,
  ) {
    super(
      'FLINK_VERSION_UNSUPPORTED',
      `The ${service} runs Flink ${version}; ${feature} needs Flink 1.20.x or 2.x. ` +
        'Point the pipeline at a cluster of a supported release (README, "Supported versions") or upgrade this one, then retry.',
    );
  }
}
