import type { TopicAdmin } from './topic-admin.js';

/** How often a running emission asks the cluster for the topic's partition count. */
const WATCH_INTERVAL_MS = 1_000;

/**
 * Watches that a topic keeps the partition count a run started with (keys
 * would move between partitions otherwise), without putting a metadata round
 * trip in front of every chunk: the emitter sends a chunk every few
 * milliseconds at full speed, and the metadata request was the slowest part
 * of some chunks. A check runs in the background at most once a second, and
 * what it found stops the run at the next chunk (`poll`).
 */
export class PartitionCountWatch {
  private startedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly admin: Pick<TopicAdmin, 'assertPartitionCount'>,
    private readonly topic: string,
    private readonly expected: number,
    private readonly intervalMs = WATCH_INTERVAL_MS,
  ) {}

  /** Checks now and waits for the answer (before the first chunk). */
  async assert(): Promise<void> {
    await this.inFlight;
    this.throwFailure();
    this.startedAt = Date.now();
    await this.admin.assertPartitionCount(this.topic, this.expected);
  }

  /**
   * Throws what a finished check found (a changed count, or the cluster not
   * answering), and starts the next check when the last is older than the interval.
   */
  poll(): void {
    this.throwFailure();
    if (this.inFlight !== undefined || Date.now() - this.startedAt < this.intervalMs) return;
    this.startedAt = Date.now();
    this.inFlight = this.admin
      .assertPartitionCount(this.topic, this.expected)
      .catch((error: unknown) => {
        this.failure = { error };
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Waits for a check in flight, so none outlives the emission that started it. */
  async settle(): Promise<void> {
    await this.inFlight;
  }

  private throwFailure(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
