import type { Evolution } from '../evolution/evolution.js';
import type { FlinkPort } from '../evolution/ports/flink-port.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';
import type { JobReading } from './observation-changes.js';
import { shadowLag } from './shadow-lag.js';

export type WatchedRole = 'shadow' | 'v2';

/** The job an evolution's state makes worth watching: the shadow under evaluation, v2 once it is production. */
export function watchedJob(ev: Evolution): { role: WatchedRole; jobId: string } | undefined {
  const watched =
    ev.status === 'SHADOW_RUNNING' || ev.status === 'AWAITING_APPROVAL'
      ? { role: 'shadow' as const, jobId: ev.shadow.jobId }
      : ev.status === 'LIVE' || ev.status === 'BACKFILLING'
        ? { role: 'v2' as const, jobId: ev.v2JobId }
        : undefined;
  return watched?.jobId ? { role: watched.role, jobId: watched.jobId } : undefined;
}

/**
 * Observe: one look at the watched job (state, restarts, and for the shadow
 * its lag behind the inputs). The state is what the look is for; a restart
 * count or lag it cannot read is left out rather than failing the look.
 */
export async function observeJob(
  ev: Evolution,
  watched: { role: WatchedRole; jobId: string },
  flink: Pick<FlinkPort, 'jobState' | 'restartCount'>,
  admin: Pick<TopicAdmin, 'consumerLag'>,
): Promise<JobReading> {
  const { jobId } = watched;
  const state = await flink.jobState(jobId);
  const restarts = await flink.restartCount(jobId).catch(() => undefined);
  const lagRecords = watched.role === 'shadow' ? await shadowLag(ev, admin) : undefined;
  return {
    jobId,
    state,
    ...(restarts !== undefined ? { restarts } : {}),
    ...(lagRecords !== undefined ? { lagRecords } : {}),
  };
}
