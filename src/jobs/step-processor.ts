import { hostname } from 'node:os';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isDefinitiveError } from '../errors.js';
import type { Evolution } from '../evolution/evolution.js';
import { giveUp } from '../evolution/workflow/give-up.js';
import { runDeploy } from '../evolution/workflow/run-deploy.js';
import { runDevelop } from '../evolution/workflow/run-develop.js';
import { runCleanup, cleanupGaveUp } from '../evolution/workflow/run-cleanup.js';
import { runRollback } from '../evolution/workflow/run-rollback.js';
import { runSnapshot, snapshotGaveUp } from '../evolution/workflow/run-snapshot.js';
import { expireGaveUp, runExpire } from '../evolution/workflow/run-expire.js';
import { mergeGaveUp, runMergeBase } from '../evolution/workflow/run-merge-base.js';
import { sideNeeds } from '../evolution/workflow/needed-step.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import { RedisKeys } from '../store/redis-keys.js';
import type { EvolveQueues, StepJobData, StepName } from './evolve-queues.js';
import { leaseGuardedFlink } from './lease-guarded-flink.js';
import { RedisLease } from '../store/redis-lease.js';

const RUN: Record<StepName, (deps: WorkflowDeps, id: string) => Promise<Evolution>> = {
  develop: runDevelop,
  deploy: runDeploy,
  rollback: runRollback,
  cleanup: runCleanup,
  snapshot: runSnapshot,
  expire: runExpire,
  merge: runMergeBase,
};

/**
 * Steps that change no job in Flink's production path and are correct when
 * two runners overlap (a copy started over, removals of what may be gone):
 * they run without the evolution's step lease, so a long copy never makes
 * a cleanup wait on it.
 */
const UNLEASED: ReadonlySet<StepName> = new Set<StepName>(['snapshot', 'expire', 'merge']);

export interface StepLeaseOptions {
  redis: Redis;
  keyPrefix: string;
  /** How long a dead runner's lease blocks the next one; as the steps queue's job lock. */
  ttlMs: number;
}

/** Held while a step runs: checked before each change to Flink, released at the end. */
export type StepLease = Pick<RedisLease, 'assertHeld' | 'release'>;
export type TakeStepLease = (evolutionId: string, step: StepName) => Promise<StepLease>;

/**
 * The evolution's step lease in Redis. A job taken over from a dead worker
 * waits here (up to the TTL and a second) for that worker's lease to expire;
 * longer, it fails as STEP_BUSY and BullMQ retries it.
 */
export function redisStepLease(o: StepLeaseOptions): TakeStepLease {
  const keys = new RedisKeys(o.keyPrefix);
  return (id, step) =>
    RedisLease.acquire(
      o.redis,
      keys.stepLease(id),
      { what: `The ${step} step of evolution ${id}`, busyCode: 'STEP_BUSY' },
      { ttlMs: o.ttlMs, owner: `${hostname()}:${process.pid}`, waitMs: o.ttlMs + 1_000 },
    );
}

/**
 * One handler per step; the workflow functions carry the logic, this only
 * adapts BullMQ. A step runs under the evolution's step lease (one runner
 * at a time, whatever BullMQ's lock believes) with a Flink port that checks
 * the lease before each change. Transient failures are retried by BullMQ;
 * a definitive one ends the job at once (UnrecoverableError) and the
 * evolution FAILED with the user's message, as does the last attempt.
 */
export function stepProcessor(
  deps: WorkflowDeps,
  queues: Pick<EvolveQueues, 'watch' | 'step'>,
  observeEveryMs: number,
  takeLease: TakeStepLease,
) {
  return async (job: Job<StepJobData>): Promise<{ status: string }> => {
    const run = RUN[job.name as StepName];
    if (!run) throw new UnrecoverableError(`unknown step job '${job.name}'`);
    const id = job.data.evolutionId;
    let lease: StepLease | undefined;
    try {
      let guarded = deps;
      if (!UNLEASED.has(job.name as StepName)) {
        const held = await takeLease(id, job.name as StepName);
        lease = held;
        guarded = { ...deps, flinkFor: (p) => leaseGuardedFlink(deps.flinkFor(p), held) };
      }
      const ev = await run(guarded, id);
      if (ev.status === 'SHADOW_RUNNING' || ev.status === 'LIVE')
        await queues.watch(ev.id, observeEveryMs);
      // Right after the deploy: v1's answers are copied before compaction can
      // drop them, and a rollback's base is merged into its TEMP.
      if (job.name === 'deploy')
        for (const need of sideNeeds(ev, deps.clock.now()))
          if (need.kind === 'step') await queues.step(need.name as StepName, ev.id);
      return { status: ev.status };
    } catch (err) {
      const definitive = isDefinitiveError(err);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!definitive && !lastAttempt) throw err;
      const ev = await handOver(deps, job.name as StepName, id, err, definitive);
      if (definitive) throw new UnrecoverableError(err.userMessage);
      return { status: ev?.status ?? 'unknown' };
    } finally {
      await lease?.release();
    }
  };
}

/**
 * Hands the evolution to a human with what happened. If even that fails
 * (Redis away), the job still ends: the reconcile loop finds the evolution
 * in its working state with a failed job and queues the step again.
 */
async function handOver(
  deps: WorkflowDeps,
  step: StepName,
  id: string,
  err: unknown,
  definitive: boolean,
): Promise<Evolution | undefined> {
  try {
    if (step === 'snapshot') return await snapshotGaveUp(deps, id, err);
    if (step === 'expire') return await expireGaveUp(deps, id, err);
    if (step === 'merge') return await mergeGaveUp(deps, id, err);
    return step === 'cleanup'
      ? await cleanupGaveUp(deps, id, err, { retried: !definitive })
      : await giveUp(deps, id, step, err, { retried: !definitive });
  } catch {
    return undefined;
  }
}
