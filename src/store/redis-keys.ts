export const DEFAULT_KEY_PREFIX = 'evolve:';

/** Every key the product writes, under one prefix so several installations (or tests) can share a Redis. */
export class RedisKeys {
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {
    if (prefix.length === 0)
      throw new Error('The Redis key prefix must not be empty; the default is "evolve:".');
  }
  evolution(id: string): string {
    return `${this.prefix}evolution:${id}`;
  }
  pipeline(name: string): string {
    return `${this.prefix}pipeline:${name}`;
  }
  pipelineNames(): string {
    return `${this.prefix}pipelines`;
  }
  /** Id of the pipeline's active evolution: the lock behind invariant 2. */
  activeEvolution(pipeline: string): string {
    return `${this.prefix}pipeline:${pipeline}:active`;
  }
  /** Sorted set of the pipeline's evolution ids by creation time. */
  history(pipeline: string): string {
    return `${this.prefix}pipeline:${pipeline}:evolutions`;
  }
  audit(pipeline: string): string {
    return `${this.prefix}pipeline:${pipeline}:audit`;
  }
  /** A Slack delivery already taken (request signature, event or envelope id), kept for its replay window. */
  slackDelivery(id: string): string {
    return `${this.prefix}slack:seen:${id}`;
  }
  /**
   * Ids of evolutions that may still need a step job: every active one, and
   * an aborted one until its cleanup ran. The reconcile loop reads it.
   */
  workingEvolutions(): string {
    return `${this.prefix}evolutions:working`;
  }
  /** Held by the worker running a Flink-calling step of the evolution (develop, deploy, rollback, cleanup). */
  stepLease(evolutionId: string): string {
    return `${this.prefix}evolution:${evolutionId}:step-lease`;
  }
  /** Keeps two reconcile runs (slow Redis, several workers) from overlapping. */
  reconcileLock(): string {
    return `${this.prefix}reconcile:lock`;
  }
  /** The installation's one stream of Slack thread updates (every process appends, one writer posts). */
  slackStream(): string {
    return `${this.prefix}slack:stream`;
  }
  /** Entry id -> ts of what the writer posted for it, kept between the post and the ack. */
  slackStreamPosted(): string {
    return `${this.prefix}slack:stream:posted`;
  }
  /** Who writes to Slack now: a lease, so one writer posts and a dead one's entries are claimed. */
  slackWriterLease(): string {
    return `${this.prefix}slack:writer`;
  }
  /** The evolution's thread as Slack knows it (channel, thread ts, status card ts): the writer's. */
  slackThread(evolutionId: string): string {
    return `${this.prefix}slack:thread:${evolutionId}`;
  }
  /** Slack user id -> name, learnt from signed Slack requests and users.info (a hash with a long TTL). */
  userNames(): string {
    return `${this.prefix}slack:user-names`;
  }
  /** The evolution's thread as a capped stream (what the CLI follows; every process writes it). */
  threadLog(evolutionId: string): string {
    return `${this.prefix}thread:${evolutionId}`;
  }
  /** Kafka topics the product created (TEMP topics), so only those are ever deleted. */
  createdTopics(): string {
    return `${this.prefix}registry:topics`;
  }
  /** Consumer groups the product created (diff and backfill scans), so only those are ever deleted. */
  createdGroups(): string {
    return `${this.prefix}registry:groups`;
  }
  /** Keys shared by every worker of one backfill run. */
  backfillRun(runId: string) {
    const base = `${this.prefix}backfill:${runId}`;
    return {
      /** The token bucket all workers take from (invariant 7). */
      bucket: `${base}:bucket`,
      /** Set by /evolve cancel; partition jobs stop at their next chunk. */
      cancel: `${base}:cancel`,
      /** Latest progress per partition and phase (hash field = partition). */
      progress: `${base}:progress`,
      /** Recent (time, records written) samples the progress rate is measured over. */
      progressSamples: `${base}:progress:samples`,
      /** Who posts the next progress update to the thread (SET NX PX). */
      poster: `${base}:poster`,
      /** The phase the last progress post was about (a phase change posts at once). */
      posterStage: `${base}:poster:stage`,
      /** Who takes the next rate sample (about once a second over all workers). */
      posterSample: `${base}:poster:sample`,
      /** Which worker runs partition p now (a lease renewed while it runs). */
      lease: (partition: number) => `${base}:lease:p${partition}`,
    };
  }
  /** A backfill partition's emission checkpoint (run start and position), kept across worker crashes. */
  backfillCheckpoint(runId: string, partition: number): string {
    return `${this.prefix}backfill-checkpoints:run:${runId}:p:${partition}`;
  }
  /** The observer's last look at the evolution's shadow or v2 job (state, restarts, lag band). */
  observation(evolutionId: string, role: 'shadow' | 'v2'): string {
    return `${this.prefix}observe:${evolutionId}:${role}`;
  }
  /** The playground's fake Slack workspace (channel, threads, edits, counters), kept across `npm start` restarts. */
  playgroundWorkspace(): string {
    return `${this.prefix}playground:workspace`;
  }
}

/** TopicAdmin's registry keys under a prefix of one's own (tests, benchmarks): the same formats as an installation's. */
export function createdRegistry(prefix: string): { registry: { topics: string; groups: string } } {
  const keys = new RedisKeys(`${prefix}:`);
  return { registry: { topics: keys.createdTopics(), groups: keys.createdGroups() } };
}

/** BackfillCheckpoints' keys under a prefix of one's own (tests, benchmarks): the installation's format. */
export function checkpointKeys(prefix: string): (runId: string, partition: number) => string {
  const keys = new RedisKeys(`${prefix}:`);
  return (runId, partition) => keys.backfillCheckpoint(runId, partition);
}
