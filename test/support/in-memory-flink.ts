import type {
  ExecutionConfig,
  FlinkJobState,
  FlinkPort,
  SavepointOptions,
} from '../../src/evolution/ports/flink-port.js';

interface FakeJob {
  jobId: string;
  sql: string;
  config: ExecutionConfig;
  state: FlinkJobState;
  restoredFrom?: string;
  /** undefined: the metric is not reported (yet). */
  restarts?: number;
  failures: string[];
  /** The JobManager's timestamps: when it became RUNNING, when it ended. */
  runningAt?: number;
  endedAt?: number;
}

/**
 * A Flink session cluster in memory with Flink's contracts where the
 * workflow relies on them: a stop with a known trigger id returns the same
 * savepoint instead of taking a second one; a stopped job is FINISHED.
 * Failures are injected per call.
 */
export class InMemoryFlink implements FlinkPort {
  readonly jobs = new Map<string, FakeJob>();
  readonly savepoints: Array<{ jobId: string; triggerId: string; location: string }> = [];
  submissions = 0;
  /** Jobs submitted with this SQL never reach RUNNING. */
  failingSql = new Set<string>();
  failStopOf = new Set<string>();
  /** The JobManager's clock (a world sets its fake clock here). */
  now: () => number = () => 0;
  private nextId = 1;

  startJob(sql: string, config: ExecutionConfig = {}): string {
    const jobId = (this.nextId++).toString(16).padStart(32, '0');
    this.jobs.set(jobId, {
      jobId,
      sql,
      config,
      state: this.failingSql.has(sql) ? 'FAILED' : 'RUNNING',
      restoredFrom: config['execution.savepoint.path'],
      restarts: 0,
      failures: this.failingSql.has(sql) ? ['RuntimeException: the job failed at start'] : [],
      ...(this.failingSql.has(sql) ? {} : { runningAt: this.now() }),
    });
    return jobId;
  }

  /** The job failed with `cause` and Flink restarted it: RUNNING again, one restart more. */
  restart(jobId: string, cause = 'RuntimeException: injected failure'): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`job ${jobId} not found`);
    job.failures.push(cause);
    job.restarts = (job.restarts ?? 0) + 1;
    job.state = 'RUNNING';
  }

  running(): FakeJob[] {
    return [...this.jobs.values()].filter((j) => j.state === 'RUNNING');
  }

  async submitJob(sql: string, executionConfig: ExecutionConfig): Promise<string> {
    this.submissions++;
    return this.startJob(sql, executionConfig);
  }

  async stopWithSavepoint(
    jobId: string,
    triggerId: string,
    options?: SavepointOptions,
  ): Promise<string> {
    const known = this.savepoints.find((s) => s.jobId === jobId && s.triggerId === triggerId);
    if (known) return known.location;
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`job ${jobId} not found`);
    if (job.state === 'FINISHED') {
      // Flink forgot the trigger (store-duration passed): observe the last savepoint instead.
      const last = [...this.savepoints].reverse().find((s) => s.jobId === jobId);
      if (last) return last.location;
    }
    if (this.failStopOf.has(jobId)) throw new Error(`savepoint of ${jobId} failed`);
    options?.onProgress?.({ acknowledged: 1, total: 1 });
    const location = `file:/savepoints/savepoint-${jobId.slice(-6)}-${this.savepoints.length + 1}`;
    this.savepoints.push({ jobId, triggerId, location });
    job.state = 'FINISHED';
    job.endedAt = this.now();
    return location;
  }

  async triggerSavepoint(jobId: string, triggerId: string): Promise<string> {
    const location = `file:/savepoints/savepoint-${jobId.slice(-6)}-${this.savepoints.length + 1}`;
    this.savepoints.push({ jobId, triggerId, location });
    return location;
  }

  async jobTimes(jobId: string): Promise<{ runningAt?: number; endedAt?: number }> {
    const job = this.jobs.get(jobId);
    return {
      ...(job?.runningAt !== undefined ? { runningAt: job.runningAt } : {}),
      ...(job?.endedAt !== undefined ? { endedAt: job.endedAt } : {}),
    };
  }

  async jobState(jobId: string): Promise<FlinkJobState> {
    return this.jobs.get(jobId)?.state ?? 'NOT_FOUND';
  }

  async restartCount(jobId: string): Promise<number | undefined> {
    return this.jobs.get(jobId)?.restarts;
  }

  async lastFailure(jobId: string): Promise<string | undefined> {
    return this.jobs.get(jobId)?.failures.at(-1);
  }

  async restoredFrom(jobId: string): Promise<string | undefined> {
    return this.jobs.get(jobId)?.restoredFrom;
  }

  async findJobByName(name: string): Promise<{ jobId: string; state: FlinkJobState } | undefined> {
    const matches = [...this.jobs.values()].filter((j) => j.config['pipeline.name'] === name);
    const last = matches.at(-1);
    return last && { jobId: last.jobId, state: last.state };
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job && job.state !== 'FINISHED' && job.state !== 'FAILED') job.state = 'CANCELED';
  }

  /** Savepoint locations disposed, in order. */
  readonly disposed: string[] = [];

  async disposeSavepoint(location: string): Promise<{ gone: boolean }> {
    const gone = this.disposed.includes(location);
    if (!gone) this.disposed.push(location);
    return { gone };
  }

  async waitStable(jobId: string): Promise<{ stable: boolean; seen?: string }> {
    const job = this.jobs.get(jobId);
    if (!job || job.state !== 'RUNNING')
      return { stable: false, seen: `state ${job?.state ?? 'NOT_FOUND'}` };
    if (job.failures.length > 0)
      return { stable: false, seen: `a failure: ${job.failures.at(-1)}` };
    return { stable: true };
  }

  async waitRunning(jobId: string): Promise<FlinkJobState> {
    return this.jobs.get(jobId)?.state ?? 'NOT_FOUND';
  }
}
