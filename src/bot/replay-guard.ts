/**
 * Remembers which Slack deliveries the bot has taken, so one seen again
 * (a replayed signed request, a redelivered event or envelope) runs nothing.
 * Shared by every bot process of an installation (Redis in production).
 */
export interface ReplayGuard {
  /**
   * Records `id` for `ttlMs` and resolves true the first time; false while
   * it is remembered. Atomic: of two concurrent calls, one gets true.
   */
  firstSeen(id: string, ttlMs: number): Promise<boolean>;
}
