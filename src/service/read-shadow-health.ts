import type { Evolution } from '../evolution/evolution.js';
import type { FlinkPort } from '../evolution/ports/flink-port.js';
import { failureLine, shadowHealthIssue, type ShadowHealth } from '../evolution/shadow-health.js';
import { EvolveError } from '../errors.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';
import { shadowLag } from '../observer/shadow-lag.js';

/**
 * One look at the shadow as Flink and Kafka see it now: state, restarts,
 * lag, and the last exception when it failed or restarted. A figure Flink
 * or Kafka does not give is left out; the state is what the look is for.
 */
export async function readShadowHealth(
  ev: Evolution,
  flink: Pick<FlinkPort, 'jobState' | 'restartCount' | 'lastFailure'>,
  admin: Pick<TopicAdmin, 'consumerLag'>,
): Promise<ShadowHealth> {
  const jobId = ev.shadow.jobId;
  if (!jobId) return { state: 'NOT_STARTED' };
  const state = await flink.jobState(jobId);
  const restarts = await flink.restartCount(jobId).catch(() => undefined);
  const troubled = state !== 'RUNNING' || (restarts !== undefined && restarts > 0);
  const failure = troubled ? await flink.lastFailure(jobId).catch(() => undefined) : undefined;
  const lagRecords = state === 'RUNNING' ? await shadowLag(ev, admin) : undefined;
  return {
    state,
    ...(restarts !== undefined ? { restarts } : {}),
    ...(failure ? { failure: failureLine(failure) } : {}),
    ...(lagRecords !== undefined ? { lagRecords } : {}),
  };
}

/**
 * Refuses a deploy request or an approval for a shadow Flink does not run
 * now, before anything is recorded: nothing changes, and the person is told
 * why and what to do next.
 */
export function assertShadowHealthy(
  ev: Evolution,
  health: ShadowHealth,
  what: 'request a deploy of' | 'approve',
): void {
  const issue = shadowHealthIssue(health, ev.shadow.jobId);
  if (issue === undefined) return;
  const ended = ['FAILED', 'CANCELED', 'FINISHED', 'NOT_FOUND'].includes(health.state);
  const next = ended
    ? `Fix v2's SQL, then /evolve abort ${ev.pipeline} and /evolve develop ${ev.pipeline} again.`
    : `Wait until it runs again (/evolve status ${ev.pipeline} shows it), or fix v2's SQL: /evolve abort ${ev.pipeline}, then /evolve develop ${ev.pipeline} again.`;
  throw new EvolveError(
    'SHADOW_UNHEALTHY',
    `Cannot ${what} ${ev.id}: ${issue} Nothing was changed. ${next}`,
  );
}
