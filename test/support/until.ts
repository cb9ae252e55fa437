/**
 * Polls `probe` every `everyMs` until it returns a value. An error from the
 * probe counts as "not yet" (the stack under test is allowed to be briefly
 * unreachable); the last one is named in the timeout error, so a wait that
 * gives up says why. For a probe whose errors must end the wait at once, use
 * `eventually` of test/flink/flink-test-kit.ts.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 180_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`,
  );
}
