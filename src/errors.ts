/**
 * One error module for the whole product (the bolt-js habit): a string code
 * per failure, a class per code, and a message written for the person who
 * has to act on it, saying what to do next. Causes are kept for logs; the
 * user-facing message never includes secrets.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'FLINK_UNREACHABLE'
  | 'FLINK_JOB_NOT_FOUND'
  | 'FLINK_SAVEPOINT_FAILED'
  | 'FLINK_UNEXPECTED_RESPONSE'
  | 'FLINK_VERSION_UNSUPPORTED'
  | 'FLINK_STATEMENT_FAILED'
  | 'SQL_INVALID'
  | 'KAFKA_UNREACHABLE'
  | 'KAFKA_TOPIC_MISSING'
  | 'KAFKA_TOPIC_NOT_OURS'
  | 'KAFKA_PARTITIONS_CHANGED'
  | 'KAFKA_PRODUCE_FAILED'
  | 'KAFKA_BATCH_TOO_LARGE'
  | 'KAFKA_PRODUCE_UNSUPPORTED'
  | 'KAFKA_RECORDS_UNREADABLE'
  | 'KAFKA_AUTH_FAILED'
  | 'BACKFILL_ABORTED'
  | 'KAFKA_COPY_ABORTED'
  | 'BACKFILL_PARTITION_BUSY'
  | 'STEP_BUSY'
  | 'PIPELINE_UNKNOWN'
  | 'EVOLUTION_CONFLICT'
  | 'EVOLUTION_NOT_FOUND'
  | 'TRANSITION_REFUSED'
  | 'APPROVAL_REFUSED'
  | 'SHADOW_UNHEALTHY'
  | 'ROLLBACK_REFUSED'
  | 'CONCURRENT_UPDATE'
  | 'INPUT_INVALID'
  | 'PERMISSION_DENIED'
  | 'FLINK_SAVEPOINT_UNKNOWN'
  | 'SHADOW_REWRITE_REFUSED'
  | 'SLACK_API_FAILED'
  | 'STORE_RECORD_INVALID';

export class EvolveError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** What the user sees: what happened and what to do next. */
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
    this.name = new.target.name;
  }
}

/** Wraps anything thrown at an edge (listener, job handler, CLI) into an EvolveError. */
export function asEvolveError(
  err: unknown,
  fallback = 'Something unexpected went wrong; check the worker logs.',
): EvolveError {
  if (err instanceof EvolveError) return err;
  return new EvolveError('FLINK_UNEXPECTED_RESPONSE', fallback, { cause: err });
}

const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'FLINK_UNREACHABLE',
  'KAFKA_UNREACHABLE',
  'CONCURRENT_UPDATE',
  'BACKFILL_PARTITION_BUSY',
  'STEP_BUSY',
]);

/**
 * Failures worth waiting out (a JobManager restarting, a broker away): a
 * step that meets one is retried later from where it stopped, instead of
 * being declared failed.
 */
export function isTransientError(err: unknown): boolean {
  return err instanceof EvolveError && TRANSIENT_CODES.has(err.code);
}

/**
 * Failures that another attempt cannot change (bad SQL, a refused
 * permission or transition, an unreadable record): a job that meets one
 * ends at once with the user's message instead of being retried for an hour.
 * Errors of unknown kind (not an EvolveError) are not definitive: they are
 * as likely a connection dropped under us as a bug, so they are retried.
 */
export function isDefinitiveError(err: unknown): err is EvolveError {
  return err instanceof EvolveError && !TRANSIENT_CODES.has(err.code);
}
