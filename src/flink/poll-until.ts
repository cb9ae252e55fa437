import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  pollIntervalMs?: number;
  /** Default 15 min: longer than Flink's own checkpoint timeout (10 min), which ends a stuck savepoint. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Waiting ran out of time; Flink may still be working on it. */
export class PollTimeout extends Error {
  constructor(
    what: string,
    readonly waitedMs: number,
  ) {
    super(`gave up waiting for ${what} after ${Math.round(waitedMs)} ms`);
  }
}

/** Calls `step` until it returns a value, pausing between calls; PollTimeout when time runs out. */
export async function pollUntil<T>(
  options: WaitOptions,
  what: string,
  step: () => Promise<T | undefined>,
): Promise<T> {
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const started = performance.now();
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await step();
    if (value !== undefined) return value;
    const waitedMs = performance.now() - started;
    if (waitedMs >= timeoutMs) throw new PollTimeout(what, waitedMs);
    await sleep(pollIntervalMs, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}
