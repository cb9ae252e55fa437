import type { Clock } from '../evolution/ports/clock.js';

/** The real clock, wired in by processes; the domain only ever sees the Clock port. */
export const systemClock: Clock = { now: () => Date.now() };
