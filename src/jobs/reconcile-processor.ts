import type { Redis } from 'ioredis';
import type { Evolution } from '../evolution/evolution.js';
import {
  mayNeedStep,
  neededStep,
  sideNeeds,
  type NeededStep,
} from '../evolution/workflow/needed-step.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import { TokenBucket } from '../kafka/token-bucket.js';
import { RedisKeys } from '../store/redis-keys.js';
import { RedisLease } from '../store/redis-lease.js';
import { WorkingEvolutionIndex } from '../store/working-evolution-index.js';
import { backfillFlow } from './backfill-flow.js';
import type { EvolveQueues } from './evolve-queues.js';
import { loadPipelineFor } from '../evolution/pipeline-snapshot.js';

export interface ReconcileOptions {
  redis: Redis;
  keyPrefix: string;
  /**
   * How long a failed step job stays failed before it is queued again
   * (default 60 s). A job fails for good when a definitive error met an
   * evolution that could not be marked FAILED either (Redis away, its
   * pipeline gone): queued again at once, it would fail every few seconds.
   */
  requeueFailedAfterMs?: number;
}

export interface ReconcileResult {
  looked: number;
  /** Job ids queued again by this run. */
  queued: string[];
  /** Evolutions this run could not look at (an unreadable record, Redis away). */
  errors: number;
  /** Another run held the reconcile lock. */
  skipped?: boolean;
}

/** A run that dies holding the lock only delays the next ones this long (it is renewed while a run lives). */
const LOCK_MS = 30_000;

/**
 * The reconcile loop (the Flink Kubernetes Operator's habit): every few
 * seconds, each evolution that waits for a step job (see neededStep) is
 * compared with the queues, and a missing job is queued again under its
 * deterministic id. That covers a process that died between a transition
 * and its queueing, a reply lost on the way back, and a job that ended
 * while the evolution still needs it. Jobs that exist (waiting, delayed,
 * active) are never touched; an ended one is removed only after the
 * evolution, read again after the job ended, still needs it.
 */
export function reconcileProcessor(deps: WorkflowDeps, queues: EvolveQueues, o: ReconcileOptions) {
  const keys = new RedisKeys(o.keyPrefix);
  const index = new WorkingEvolutionIndex(o.redis, keys);
  return async (): Promise<ReconcileResult> => {
    const lock = await RedisLease.tryAcquire(o.redis, keys.reconcileLock(), { ttlMs: LOCK_MS });
    if (!lock) return { looked: 0, queued: [], errors: 0, skipped: true };
    const result: ReconcileResult = { looked: 0, queued: [], errors: 0 };
    try {
      for (const id of await index.ids()) {
        result.looked++;
        try {
          const ev = await deps.evolutions.get(id);
          if (!ev || !mayNeedStep(ev)) {
            await index.forget(id);
            continue;
          }
          // The lifecycle's step, and what runs beside it (keeping v1's answers, a rollback's merge).
          for (const need of [neededStep(ev), ...sideNeeds(ev, deps.clock.now())]) {
            const queued = need && (await ensureJob(deps, queues, o, ev, need));
            if (queued) result.queued.push(queued);
          }
        } catch {
          // One unreadable record does not keep the others waiting; the next run tries it again.
          result.errors++;
        }
      }
    } finally {
      await lock.release();
    }
    return result;
  };
}

function sameNeed(a: NeededStep | undefined, b: NeededStep): boolean {
  if (!a || a.kind !== b.kind) return false;
  return a.kind === 'step' ? a.name === (b as typeof a).name : a.runId === (b as typeof a).runId;
}

/** Queues what the evolution waits for if it is missing; returns the job id queued, if any. */
async function ensureJob(
  deps: WorkflowDeps,
  queues: EvolveQueues,
  o: ReconcileOptions,
  ev: Evolution,
  need: NeededStep,
): Promise<string | undefined> {
  const queue = need.kind === 'step' ? queues.steps : queues.backfill;
  const jobId = need.kind === 'step' ? `${need.name}-${ev.id}` : `backfill-${ev.id}-${need.runId}`;
  const state = await queue.getJobState(jobId);
  if (state === 'completed' || state === 'failed') {
    const job = await queue.getJob(jobId);
    const failedAgo = Date.now() - (job?.finishedOn ?? 0);
    if (state === 'failed' && failedAgo < (o.requeueFailedAfterMs ?? 60_000)) return undefined;
    // Read after the job ended: a step ends only after its last transition,
    // so a record that still needs it means the job ended without moving it on.
    const again = await deps.evolutions.get(ev.id);
    if (!again) return undefined;
    const still = [neededStep(again), ...sideNeeds(again, deps.clock.now())];
    if (!still.some((n) => sameNeed(n, need))) return undefined;
    await job?.remove();
  } else if (state !== 'unknown') {
    return undefined;
  }
  if (need.kind === 'step') {
    await queues.step(need.name, ev.id);
  } else {
    await requeueBackfill(deps, queues, o, ev);
  }
  return jobId;
}

async function requeueBackfill(
  deps: WorkflowDeps,
  queues: EvolveQueues,
  o: ReconcileOptions,
  ev: Evolution,
): Promise<void> {
  const run = ev.backfill!;
  // The topic the evolution snapshotted at its start, whatever the pipeline says now.
  const pipeline = await loadPipelineFor(deps.pipelines, ev);
  // The process that started the run may have died before it configured the bucket.
  const bucketKey = new RedisKeys(o.keyPrefix).backfillRun(run.runId).bucket;
  if ((await o.redis.exists(bucketKey)) === 0) {
    const bucket = new TokenBucket(o.redis, bucketKey);
    await bucket.configure({ rate: run.rate });
    if (run.paused) await bucket.pause();
  }
  const flow = backfillFlow(ev, pipeline.kafka.outputTopic);
  await queues.startBackfill(flow.parent, flow.children);
}
