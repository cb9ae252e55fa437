import type { Clock } from '../../src/evolution/ports/clock.js';

/** A clock that moves only when a test says so. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 15, 9, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
