import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Attempts after the first one; 0 means try once. */
  retries: number;
  /** Delay before the first retry; doubles for each further one. */
  baseDelayMs: number;
  maxDelayMs?: number;
  /** Only errors for which this returns true are retried; anything else is thrown at once. */
  isTransient: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds, a non-transient error is thrown, or the retries
 * are used up (then the last error is thrown). Backoff is exponential with
 * jitter so that several workers retrying against one recovering
 * JobManager do not hit it in lockstep.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  if (!Number.isInteger(options.retries) || options.retries < 0) {
    throw new RangeError('retries must be an integer >= 0');
  }
  if (!(options.baseDelayMs >= 0)) throw new RangeError('baseDelayMs must be >= 0');
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.retries || !options.isTransient(err)) throw err;
      const ceiling = Math.min(maxDelayMs, options.baseDelayMs * 2 ** attempt);
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      options.onRetry?.(err, attempt + 1, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
