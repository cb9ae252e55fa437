import { UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { EvolveError } from '../../src/errors.js';
import type { StepJobData } from '../../src/jobs/evolve-queues.js';
import { stepProcessor, type StepLease } from '../../src/jobs/step-processor.js';
import { approvedWorld } from '../support/workflow-world.js';

/** What BullMQ hands the processor: the attempt so far and how many there are. */
function aJob(name: string, evolutionId: string, attemptsMade: number): Job<StepJobData> {
  return { name, data: { evolutionId }, attemptsMade, opts: { attempts: 12 } } as Job<StepJobData>;
}

/** A lease that is always held, counting how it is used. */
function countingLease() {
  const counts = { taken: 0, checked: 0, released: 0 };
  const lease: StepLease = {
    assertHeld: async () => void counts.checked++,
    release: async () => void counts.released++,
  };
  return {
    counts,
    take: async () => {
      counts.taken++;
      return lease;
    },
  };
}

const queues = { watch: async () => undefined, step: async () => undefined };

describe('stepProcessor: definitive errors end the job at once, outages are retried', () => {
  it('a definitive error (pipeline unknown) fails the evolution with its message and is not retried', async () => {
    const w = await approvedWorld();
    const unknown = new EvolveError(
      'PIPELINE_UNKNOWN',
      `Pipeline ${w.pipeline.name} is not registered. Register it, then develop again.`,
    );
    const deps = { ...w.deps, pipelines: Object.create(w.pipelines) as typeof w.pipelines };
    deps.pipelines.load = () => Promise.reject(unknown);
    const lease = countingLease();
    const run = stepProcessor(deps, queues, 30_000, lease.take);
    const outcome = await run(aJob('deploy', w.evolution.id, 0)).catch((e: unknown) => e);
    // UnrecoverableError is how BullMQ is told: no further attempt, whatever `attempts` says.
    expect(outcome).toBeInstanceOf(UnrecoverableError);
    expect((outcome as Error).message).toBe(unknown.userMessage);
    const ev = await w.store.load(w.evolution.id);
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.code).toBe('PIPELINE_UNKNOWN');
    expect(ev.error?.message).toMatch(/^deploy failed: Pipeline .* is not registered/);
    expect(ev.error?.message).not.toMatch(/repeated retries/);
    expect(w.notifier.milestones.at(-1)).toMatchObject({ kind: 'failed' });
    expect(lease.counts).toMatchObject({ taken: 1, released: 1 });
  });

  it('an outage before the last attempt is thrown for BullMQ to retry; the evolution is left as it was', async () => {
    const w = await approvedWorld();
    const outage = new EvolveError('FLINK_UNREACHABLE', 'Flink REST API is unreachable');
    w.flink.stopWithSavepoint = async () => {
      throw outage;
    };
    const lease = countingLease();
    const run = stepProcessor(w.deps, queues, 30_000, lease.take);
    await expect(run(aJob('deploy', w.evolution.id, 3))).rejects.toBe(outage);
    expect((await w.store.load(w.evolution.id)).status).toBe('DEPLOYING');
    // The Flink change went through the lease check first.
    expect(lease.counts.checked).toBeGreaterThan(0);
    expect(lease.counts.released).toBe(1);
  });

  it('the same outage on the last attempt hands the evolution to a human, saying it was retried', async () => {
    const w = await approvedWorld();
    w.flink.stopWithSavepoint = async () => {
      throw new EvolveError('FLINK_UNREACHABLE', 'Flink REST API is unreachable');
    };
    const run = stepProcessor(w.deps, queues, 30_000, countingLease().take);
    expect(await run(aJob('deploy', w.evolution.id, 11))).toEqual({ status: 'FAILED' });
    const ev = await w.store.load(w.evolution.id);
    expect(ev.error?.message).toMatch(/^deploy could not finish after repeated retries/);
  });

  it('a runner that lost its lease changes nothing in Flink and is retried (transient)', async () => {
    const w = await approvedWorld();
    const lost = new EvolveError('STEP_BUSY', 'The deploy step is being run by another worker');
    const take = async (): Promise<StepLease> => ({
      assertHeld: () => Promise.reject(lost),
      release: async () => undefined,
    });
    const run = stepProcessor(w.deps, queues, 30_000, take);
    const before = w.flink.running().map((j) => j.jobId);
    await expect(run(aJob('deploy', w.evolution.id, 0))).rejects.toBe(lost);
    expect(w.flink.running().map((j) => j.jobId)).toEqual(before);
    expect((await w.store.load(w.evolution.id)).status).toBe('DEPLOYING');
  });
});
