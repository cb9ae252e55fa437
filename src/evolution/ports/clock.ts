/**
 * Time is injected so that the domain is deterministic under test (the
 * Temporal habit): nothing in src/evolution calls Date.now() itself.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}
