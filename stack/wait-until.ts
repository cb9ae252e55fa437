import { sleep } from './process-registry.js';

/**
 * Polls `probe` until it returns a value or the deadline passes. `alive`
 * lets a wait fail fast when the process it waits for has already died.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; alive?: () => boolean; logFile?: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (options.alive && !options.alive()) {
      throw new Error(
        `${what} exited before it was ready${options.logFile ? `; see ${options.logFile}` : ''}`,
      );
    }
    await sleep(500);
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(
    `${what} was not ready after ${options.timeoutMs / 1000}s${cause}${options.logFile ? `; see ${options.logFile}` : ''}`,
  );
}

export async function httpJson(url: string, timeoutMs = 2000): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}
