import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Evolution } from '../evolution/evolution.js';
import { isTerminalStatus } from '../evolution/evolution-status.js';
import type { Milestone } from '../evolution/ports/notifier.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';
import type { EvolveQueues, StepJobData } from './evolve-queues.js';
import {
  observationChanges,
  type Observation,
  type ObservationChange,
} from './observation-changes.js';
import { shadowLag } from './shadow-lag.js';
import { loadPipelineFor } from '../evolution/pipeline-snapshot.js';
import { lacksTaskSlot, noTaskSlotText } from '../evolution/no-task-slot.js';

export interface ObserveOptions {
  redis: Redis;
  keyPrefix: string;
  /** Reads the shadow's consumer lag behind its inputs. */
  admin: Pick<TopicAdmin, 'consumerLag'>;
  /** Input records above which the shadow counts as behind (EVOLVE_OBSERVE_LAG_THRESHOLD). */
  lagThreshold: number;
}

/** Longer than any evolution is active, so a forgotten key still goes away. */
const KEPT_MS = 30 * 24 * 3600_000;
/** A Java cause can run to pages (a parser's expected tokens); the thread gets its start. */
const MAX_FAILURE_CHARS = 300;

/**
 * Writes `next` only if the key still holds what this look read ('' for
 * none): of two looks that overlap (two workers, a slow one), only the first
 * to write tells the thread.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * The periodic look at an active evolution's jobs: the shadow while it is
 * being evaluated (state, restarts, lag behind its inputs), v2 once it is
 * production (state, restarts). Only changes reach the thread: the last look
 * is kept in Redis, so a healthy job stays quiet and a restarted worker does
 * not post again. Which changes count is decided by observationChanges.
 */
export function observeProcessor(
  deps: WorkflowDeps,
  queues: EvolveQueues,
  options: ObserveOptions,
) {
  const { redis, keyPrefix } = options;
  return async (
    job: Job<StepJobData>,
  ): Promise<{ watched?: string; state?: string; restarts?: number; lagRecords?: number }> => {
    const ev = await deps.evolutions.get(job.data.evolutionId);
    if (!ev || isTerminalStatus(ev.status) || ev.status === 'FAILED') {
      // An abort whose process died before it queued the cleanup: queue it
      // here (same job id, so never twice while the first is kept).
      if (ev?.status === 'ABORTED') await queues.step('cleanup', ev.id);
      await queues.unwatch(job.data.evolutionId);
      return {};
    }
    const pipeline = await loadPipelineFor(deps.pipelines, ev);
    const flink = deps.flinkFor(pipeline);
    const watched =
      ev.status === 'SHADOW_RUNNING' || ev.status === 'AWAITING_APPROVAL'
        ? { role: 'shadow' as const, jobId: ev.shadow.jobId }
        : ev.status === 'LIVE' || ev.status === 'BACKFILLING'
          ? { role: 'v2' as const, jobId: ev.v2JobId }
          : undefined;
    if (!watched?.jobId) return {};
    const jobId = watched.jobId;
    const state = await flink.jobState(jobId);
    // The state is what this look is for; a restart count or lag it cannot read is left out.
    const restarts = await flink.restartCount(jobId).catch(() => undefined);
    const lagRecords = watched.role === 'shadow' ? await shadowLag(ev, options.admin) : undefined;

    const key = `${keyPrefix}observe:${ev.id}:${watched.role}`;
    const raw = await redis.get(key);
    const { observation, changes } = observationChanges(
      parseObservation(raw),
      { jobId, state, restarts, lagRecords },
      options.lagThreshold,
    );
    const stored = await redis.eval(
      COMPARE_AND_SET,
      1,
      key,
      raw ?? '',
      JSON.stringify(observation),
      KEPT_MS,
    );
    const result = {
      watched: watched.role,
      state,
      ...(restarts !== undefined ? { restarts } : {}),
      ...(lagRecords !== undefined ? { lagRecords } : {}),
    };
    if (stored !== 1 || changes.length === 0) return result;

    const unhealthy = changes.some(
      (c) => c.kind === 'restarts' || (c.kind === 'state' && c.to !== 'RUNNING'),
    );
    const failure = unhealthy ? await lastFailure(() => flink.lastFailure(jobId)) : undefined;
    for (const change of changes) {
      await deps.notifier.postMilestone(
        ev,
        milestoneOf(change, { ev, role: watched.role, jobId, failure, options }),
      );
    }
    await deps.notifier.updateStatusCard(ev);
    return result;
  };
}

/** The kept look; a bare state is what this processor kept before it read restarts and lag. */
function parseObservation(raw: string | null): Observation | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'state' in parsed)
      return parsed as Observation;
  } catch {
    // not JSON: the older format
  }
  return { state: raw };
}

async function lastFailure(read: () => Promise<string | undefined>): Promise<string | undefined> {
  const line = await read().catch(() => undefined);
  if (!line) return undefined;
  const flat = line.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_FAILURE_CHARS ? `${flat.slice(0, MAX_FAILURE_CHARS - 1)}…` : flat;
}

/** The thread's words for one change of a watched job. */
export function milestoneOf(
  change: ObservationChange,
  c: {
    ev: Evolution;
    role: 'shadow' | 'v2';
    jobId: string;
    failure: string | undefined;
    options: Pick<ObserveOptions, 'lagThreshold'>;
  },
): Milestone {
  const job = `The ${c.role} job ${c.jobId}`;
  const cause = c.failure
    ? ` Its last exception: ${c.failure}${/[.!?…]$/.test(c.failure) ? '' : '.'}`
    : '';
  // A full cluster is not the job's fault: say so first, and what fixes it.
  const noSlot = lacksTaskSlot(c.failure) ? `${noTaskSlotText(c.role)} ` : '';
  switch (change.kind) {
    case 'state': {
      const healthy = change.to === 'RUNNING';
      return {
        kind: healthy ? 'info' : 'failed',
        text: healthy
          ? `${job} went from ${change.from} to ${change.to}.`
          : `${noSlot}${job} went from ${change.from} to ${change.to}.${noSlot ? '' : `${cause} Check the job in Flink; /evolve status shows the details.`}`,
        details: {
          jobId: c.jobId,
          state: change.to,
          previous: change.from,
        },
      };
    }
    case 'restarts':
      return {
        kind: 'failed',
        text: `${noSlot}${job} restarted ${change.added} time${change.added === 1 ? '' : 's'} since the last look (total ${change.total}).${noSlot ? '' : cause}`,
        details: { jobId: c.jobId, restarts: change.total },
      };
    case 'lag': {
      const records = `${change.records} input record${change.records === 1 ? '' : 's'}`;
      return {
        kind: 'info',
        text:
          change.to === 'caught-up'
            ? `${job} has caught up with its inputs (${records} behind). Its output in ${c.ev.shadow.tempTopic} reflects the current input; /evolve diff compares it with production.`
            : `${job} has fallen behind its inputs: ${records} not yet consumed (threshold ${c.options.lagThreshold}). Its output in ${c.ev.shadow.tempTopic} is not yet complete.`,
        details: { jobId: c.jobId, lagRecords: change.records, band: change.to },
      };
    }
  }
}
