/** Redis keys shared by every worker of one backfill run. */
export function backfillRunKeys(prefix: string, runId: string) {
  const base = `${prefix}backfill:${runId}`;
  return {
    /** The token bucket all workers take from (invariant 7). */
    bucket: `${base}:bucket`,
    /** Set by /evolve cancel; partition jobs stop at their next chunk. */
    cancel: `${base}:cancel`,
    /** Latest progress per partition (hash field = partition). */
    progress: `${base}:progress`,
    /** Who posts the next progress update to the thread (SET NX PX). */
    poster: `${base}:poster`,
    /** Which worker runs partition p now (a lease renewed while it runs). */
    lease: (partition: number) => `${base}:lease:p${partition}`,
    /** Prefix for the per-partition emission checkpoints. */
    checkpoints: `${prefix}backfill-checkpoints`,
  };
}
