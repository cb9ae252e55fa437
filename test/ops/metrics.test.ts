import { describe, expect, it } from 'vitest';
import type { Evolution } from '../../src/evolution/evolution.js';
import { mergePrometheusText } from '../../src/ops/merge-prometheus-text.js';
import { EvolveMetrics } from '../../src/ops/metrics.js';
import { withJobMetrics } from '../../src/ops/with-job-metrics.js';
import type { PartitionBackfillReport } from '../../src/kafka/run-backfill-partition.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { aJob, typeLineCounts, valueOf } from './ops-test-kit.js';

const clock = new FakeClock();

function liveEvolution(): Evolution {
  const t = clock.now();
  return anEvolutionIn('LIVE', clock, aPipeline(), {
    savepoints: {
      s2: { jobId: 'a'.repeat(32), triggerId: 't2', requestedAt: t, completedAt: t + 4_000 },
      s1: {
        jobId: 'c'.repeat(32),
        triggerId: 't1',
        requestedAt: t + 5_000,
        completedAt: t + 6_500,
      },
    },
    deploy: { startedAt: t, steps: {}, cutoverGapMs: 2_500, finishedAt: t + 9_000 },
  });
}

const report: PartitionBackfillReport = {
  partition: 0,
  refreshed: 7,
  deleted: 3,
  unchanged: 11,
  ownedByV2: 2,
  keptByMode: 0,
  dropped: 1,
  repaired: 1,
  conflicts: 0,
  durationMs: 1234,
  meanRate: 100,
  indexBytes: 4096,
  keys: 24,
};

describe('withJobMetrics', () => {
  it('times a deploy by the status it left and observes its savepoints and cutover gap', async () => {
    const metrics = new EvolveMetrics({ processMetrics: false });
    const ev = liveEvolution();
    const deploy = withJobMetrics(async () => ({ status: 'LIVE' }), metrics, {
      evolutions: { get: async (id) => (id === ev.id ? ev : undefined) },
    });
    await expect(deploy(aJob('deploy', { evolutionId: ev.id }))).resolves.toEqual({
      status: 'LIVE',
    });
    const text = await metrics.render();
    const pipeline = ev.pipeline;
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', { step: 'deploy', outcome: 'LIVE' }),
    ).toBe(1);
    expect(
      valueOf(text, 'evolve_savepoint_duration_seconds_sum', { pipeline, savepoint: 's2' }),
    ).toBe(4);
    expect(
      valueOf(text, 'evolve_savepoint_duration_seconds_sum', { pipeline, savepoint: 's1' }),
    ).toBe(1.5);
    expect(
      valueOf(text, 'evolve_savepoint_duration_seconds_bucket', {
        pipeline,
        savepoint: 's1',
        le: '2',
      }),
    ).toBe(1);
    expect(valueOf(text, 'evolve_cutover_gap_seconds_sum', { pipeline })).toBe(2.5);
    expect(valueOf(text, 'evolve_cutover_gap_seconds_count', { pipeline })).toBe(1);
    expect(valueOf(text, 'evolve_last_cutover_gap_seconds', { pipeline })).toBe(2.5);
  });

  it('observes no cutover gap for a deploy that rolled back, but still its finished savepoints', async () => {
    const metrics = new EvolveMetrics({ processMetrics: false });
    const ev = { ...liveEvolution(), status: 'ROLLED_BACK' as const };
    const deploy = withJobMetrics(async () => ({ status: 'ROLLED_BACK' }), metrics, {
      evolutions: { get: async () => ev },
    });
    await deploy(aJob('deploy', { evolutionId: ev.id }));
    const text = await metrics.render();
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', {
        step: 'deploy',
        outcome: 'ROLLED_BACK',
      }),
    ).toBe(1);
    expect(valueOf(text, 'evolve_savepoint_duration_seconds_count', { savepoint: 's1' })).toBe(1);
    expect(
      valueOf(text, 'evolve_cutover_gap_seconds_count', { pipeline: ev.pipeline }),
    ).toBeUndefined();
  });

  it('counts backfill records by kind from partition reports, summed over partitions', async () => {
    const metrics = new EvolveMetrics({ processMetrics: false });
    const partition = withJobMetrics(async () => report, metrics, { countsBackfill: true });
    await partition(aJob('partition', { evolutionId: 'e1', partition: 0 }));
    await partition(aJob('partition', { evolutionId: 'e1', partition: 1 }));
    const text = await metrics.render();
    const kind = (k: string) => valueOf(text, 'evolve_backfill_records_total', { kind: k });
    expect(kind('refreshed')).toBe(14);
    expect(kind('deleted')).toBe(6);
    expect(kind('unchanged')).toBe(22);
    expect(kind('repaired')).toBe(2);
    expect(kind('owned_by_v2')).toBe(4);
    expect(kind('dropped')).toBe(2);
    // A kind with nothing to count has no series yet (and no made-up zero).
    expect(kind('conflicts')).toBeUndefined();
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', { step: 'partition', outcome: 'ok' }),
    ).toBe(2);
  });

  it('counts nothing for a cancelled partition', async () => {
    const metrics = new EvolveMetrics({ processMetrics: false });
    const partition = withJobMetrics(async () => ({ cancelled: true }), metrics, {
      countsBackfill: true,
    });
    await partition(aJob('partition', { evolutionId: 'e1' }));
    const text = await metrics.render();
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', {
        step: 'partition',
        outcome: 'cancelled',
      }),
    ).toBe(1);
    expect(text).not.toMatch(/^evolve_backfill_records_total\{/m);
  });

  it('times a throwing attempt as an error and lets the error through', async () => {
    const metrics = new EvolveMetrics({ processMetrics: false });
    const failure = new Error('Flink is away');
    const develop = withJobMetrics(async (): Promise<unknown> => Promise.reject(failure), metrics);
    await expect(develop(aJob('develop', { evolutionId: 'e1' }))).rejects.toBe(failure);
    const text = await metrics.render();
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', { step: 'develop', outcome: 'error' }),
    ).toBe(1);
  });

  it('still completes the job when the evolution cannot be read afterwards', async () => {
    const metrics = new EvolveMetrics({ processMetrics: false });
    const deploy = withJobMetrics(async () => ({ status: 'LIVE' }), metrics, {
      evolutions: { get: () => Promise.reject(new Error('Redis is away')) },
    });
    await expect(deploy(aJob('deploy', { evolutionId: 'e1' }))).resolves.toEqual({
      status: 'LIVE',
    });
  });
});

describe('EvolveMetrics', () => {
  it('includes the Node process metrics unless told not to', async () => {
    expect(await new EvolveMetrics().render()).toMatch(/^process_cpu_user_seconds_total /m);
    expect(await new EvolveMetrics({ processMetrics: false }).render()).not.toMatch(
      /^process_cpu/m,
    );
  });
});

describe('mergePrometheusText', () => {
  const queueExport = (queue: string, waiting: number) =>
    [
      '# HELP bullmq_job_count Number of jobs in the queue by state',
      '# TYPE bullmq_job_count gauge',
      `bullmq_job_count{queue="${queue}", state="waiting"} ${waiting}`,
      '# HELP bullmq_job_completed_total Total number of completed jobs',
      '# TYPE bullmq_job_completed_total counter',
      `bullmq_job_completed_total{queue="${queue}"} 0`,
    ].join('\n');

  it('writes each family once, with the samples of every queue under it', () => {
    const text = mergePrometheusText([
      '# HELP up_total ours\n# TYPE up_total counter\nup_total 1\n',
      queueExport('a-steps', 2),
      queueExport('a-observe', 5),
    ]);
    expect([...typeLineCounts(text).values()].every((n) => n === 1)).toBe(true);
    expect(text.split('\n').slice(3, 7)).toEqual([
      '# HELP bullmq_job_count Number of jobs in the queue by state',
      '# TYPE bullmq_job_count gauge',
      'bullmq_job_count{queue="a-steps", state="waiting"} 2',
      'bullmq_job_count{queue="a-observe", state="waiting"} 5',
    ]);
    expect(valueOf(text, 'bullmq_job_count', { queue: 'a-observe', state: 'waiting' })).toBe(5);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('keeps a histogram’s bucket, sum and count lines in their family', () => {
    const text = mergePrometheusText([
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 0.5\nh_count 1\n',
      '# TYPE h_other gauge\nh_other 3\n',
    ]);
    expect(text).toBe(
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 0.5\nh_count 1\n# TYPE h_other gauge\nh_other 3\n',
    );
  });
});
