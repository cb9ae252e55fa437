export type FlinkJobState =
  | 'INITIALIZING'
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'RESTARTING'
  | 'SUSPENDED'
  | 'RECONCILING'
  | 'NOT_FOUND';

/** Statement-scoped Flink options, e.g. pipeline.name, execution.savepoint.path. */
export type ExecutionConfig = Readonly<Record<string, string>>;

export interface SavepointProgress {
  acknowledged: number;
  total: number;
}

export interface SavepointOptions {
  /** Called while the savepoint is in progress, for the thread's milestone. */
  onProgress?: (progress: SavepointProgress) => void;
}

export interface FlinkPort {
  /** Submits an INSERT script through the SQL Gateway; returns the job id. */
  submitJob(sql: string, executionConfig: ExecutionConfig): Promise<string>;
  /** Stops with a savepoint under our triggerId (idempotent while Flink remembers it); returns its location. */
  stopWithSavepoint(jobId: string, triggerId: string, options?: SavepointOptions): Promise<string>;
  /** Takes a savepoint and keeps the job running; returns its location. */
  triggerSavepoint(jobId: string, triggerId: string, options?: SavepointOptions): Promise<string>;
  jobState(jobId: string): Promise<FlinkJobState>;
  /**
   * How often the job restarted since it was submitted; undefined when Flink
   * does not report it (not yet, or not for this job). May lag by seconds.
   */
  restartCount(jobId: string): Promise<number | undefined>;
  /** The root cause of the job's newest failure, one line; undefined when it never failed. */
  lastFailure(jobId: string): Promise<string | undefined>;
  /**
   * When the job last became RUNNING and when it ended, by the JobManager's
   * clock (its job timestamps): a gap between two jobs measured from these
   * is Flink's, not when a worker happened to look.
   */
  jobTimes(jobId: string): Promise<{ runningAt?: number; endedAt?: number }>;
  /** Savepoint path the job restored from, if any. */
  restoredFrom(jobId: string): Promise<string | undefined>;
  /** The running or last job with this pipeline.name: how a resumed step finds what it submitted. */
  findJobByName(name: string): Promise<{ jobId: string; state: FlinkJobState } | undefined>;
  cancel(jobId: string): Promise<void>;
  /**
   * Disposes a savepoint (its files and metadata) through the JobManager.
   * Resolves `gone: true` when Flink finds nothing at that location (disposed
   * before, or removed by hand): the end a caller wants either way.
   */
  disposeSavepoint(location: string): Promise<{ gone: boolean }>;
  /**
   * Resolves with the state once RUNNING, or the last state seen when the
   * timeout passes, or at once when the job cannot get a task slot (then
   * lastFailure names NoResourceAvailableException; see no-task-slot.ts).
   */
  waitRunning(jobId: string, timeoutMs: number): Promise<FlinkJobState>;
  /**
   * Watches a RUNNING job for `windowMs`: stable when it stayed RUNNING,
   * never restarted and recorded no failure; otherwise says what was seen.
   * A job that crash-loops is RUNNING between its restarts, so one look at
   * its state cannot tell it apart from a healthy one.
   */
  waitStable(jobId: string, windowMs: number): Promise<{ stable: boolean; seen?: string }>;
}
