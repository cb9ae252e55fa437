/**
 * How far behind its inputs the shadow is, in two bands. Why only two, and
 * not also "growing": the shadow's consumer groups move only when a
 * checkpoint completes (Flink commits source offsets then), so between two
 * checkpoints the measured lag climbs with every input record and drops at
 * the next one. Consecutive looks of a healthy shadow therefore rise and
 * fall; a band built on "rose K times in a row" would post that sawtooth.
 * What a person needs is "it has caught up" (deployable) and "it fell
 * behind" (not yet, or not keeping up), and `/evolve status` shows the
 * number at any time.
 */
export type LagBand = 'caught-up' | 'behind';

/** What one look at a watched job found. */
export interface JobReading {
  jobId: string;
  state: string;
  /** Flink's restart count; undefined when Flink does not report it (yet). */
  restarts?: number;
  /** Input records the shadow has not consumed; undefined when not measured (v2, Kafka unreachable). */
  lagRecords?: number;
}

/** What is kept between looks (in Redis), so a restarted worker does not post again. */
export interface Observation {
  jobId?: string;
  state: string;
  restarts?: number;
  lagBand?: LagBand;
}

export type ObservationChange =
  | { kind: 'state'; from: string; to: string }
  | { kind: 'restarts'; added: number; total: number }
  | { kind: 'lag'; from: LagBand; to: LagBand; records: number };

/**
 * The band of a lag. Hysteresis: once behind, the shadow counts as caught up
 * again only at half the threshold or less, so a lag hovering at the
 * threshold does not post "behind" and "caught up" in turn.
 */
export function lagBand(
  records: number,
  previous: LagBand | undefined,
  threshold: number,
): LagBand {
  if (records > threshold) return 'behind';
  if (previous === 'behind' && records > threshold / 2) return 'behind';
  return 'caught-up';
}

/**
 * Given what the last look kept and what this look read, what to keep and
 * which changes to tell the thread. The first look only sets the baseline
 * (a worker that starts watching has nothing to compare with), and a value
 * this look could not read keeps the last known one, so that an outage of
 * the metric or of Kafka neither posts nor loses a change seen later.
 */
export function observationChanges(
  previous: Observation | undefined,
  reading: JobReading,
  lagThreshold: number,
): { observation: Observation; changes: ObservationChange[] } {
  const sameJob = previous?.jobId === undefined || previous.jobId === reading.jobId;
  // Restart counts belong to one job: a new job id starts a new baseline.
  const lastRestarts = sameJob ? previous?.restarts : undefined;
  const restarts = reading.restarts ?? lastRestarts;
  const lagBandNow =
    reading.lagRecords === undefined
      ? previous?.lagBand
      : lagBand(reading.lagRecords, previous?.lagBand, lagThreshold);
  const observation: Observation = {
    jobId: reading.jobId,
    state: reading.state,
    ...(restarts !== undefined ? { restarts } : {}),
    ...(lagBandNow !== undefined ? { lagBand: lagBandNow } : {}),
  };
  if (!previous) return { observation, changes: [] };

  const changes: ObservationChange[] = [];
  if (previous.state !== reading.state) {
    changes.push({ kind: 'state', from: previous.state, to: reading.state });
  }
  // A count that went down is Flink's, not a recovery (a JobManager failover
  // resets the metric): it becomes the new baseline without a message.
  if (reading.restarts !== undefined && lastRestarts !== undefined) {
    if (reading.restarts > lastRestarts) {
      changes.push({
        kind: 'restarts',
        added: reading.restarts - lastRestarts,
        total: reading.restarts,
      });
    }
  }
  if (
    reading.lagRecords !== undefined &&
    previous.lagBand !== undefined &&
    lagBandNow !== undefined &&
    lagBandNow !== previous.lagBand
  ) {
    changes.push({
      kind: 'lag',
      from: previous.lagBand,
      to: lagBandNow,
      records: reading.lagRecords,
    });
  }
  return { observation, changes };
}
