/**
 * The work a listener does after its ack (a service call, then a reply
 * through response_url) runs at most `limit` at a time per process. Slack
 * retries a command not acked within 3 s, while a reply may come later, so
 * under a burst the acks go first: 200 simultaneous /evolve status commands
 * no longer queue their acks behind 200 status lookups on one event loop.
 */
export class AfterAckQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit = 8) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('limit must be an integer >= 1');
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Calls waiting for a turn (for tests and metrics). */
  get queued(): number {
    return this.waiting.length;
  }
}

/** One per process: every listener's post-ack work shares the turns. */
export const afterAck = new AfterAckQueue();
