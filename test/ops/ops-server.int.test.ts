import { MetricsTime, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { instrumentJobs } from '../../src/ops/instrument-jobs.js';
import { createLogger } from '../../src/ops/logger.js';
import { EvolveMetrics } from '../../src/ops/metrics.js';
import { startOpsServer } from '../../src/ops/ops-server.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { captureLines, typeLineCounts, valueOf } from './ops-test-kit.js';

const TOKEN = 'board-token-0123456789abcdef';

describe('ops server on a real Redis', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function redis(): Redis {
    const connection = new Redis(stackEndpoints().redisUrl, { maxRetriesPerRequest: null });
    closers.push(() => connection.quit());
    return connection;
  }

  function queue(name: string): Queue {
    const q = new Queue(name, { connection: redis() });
    closers.push(() => q.obliterate({ force: true }).then(() => q.close()));
    return q;
  }

  async function serve(metrics: EvolveMetrics, queues: Queue[]) {
    const out = captureLines();
    const server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      metrics,
      queues,
      bullBoardToken: TOKEN,
      logger: createLogger(loadConfig({ EVOLVE_BULL_BOARD_TOKEN: TOKEN }), { destination: out }),
    });
    closers.push(() => server.close());
    return (path: string, init?: RequestInit) =>
      fetch(`http://127.0.0.1:${server.port}${path}`, init);
  }

  it('appends each queue’s BullMQ export to /metrics, one family header for all queues', async () => {
    const ns = uniqueName('ops');
    const steps = queue(`${ns}-steps`);
    const observe = queue(`${ns}-observe`);
    await steps.add('deploy', { evolutionId: 'ev-1' }, { jobId: 'deploy-ev-1' });
    const metrics = new EvolveMetrics({ processMetrics: false, queues: [steps] });
    metrics.addQueues([observe, steps]);
    const get = await serve(metrics, [steps, observe]);

    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(valueOf(text, 'bullmq_job_count', { queue: steps.name, state: 'waiting' })).toBe(1);
    expect(valueOf(text, 'bullmq_job_count', { queue: observe.name, state: 'waiting' })).toBe(0);
    expect(valueOf(text, 'evolve_queue_metrics_up', { queue: steps.name })).toBe(1);
    expect(typeLineCounts(text).get('bullmq_job_count')).toBe(1);
    expect([...typeLineCounts(text).values()].every((n) => n === 1)).toBe(true);
  });

  it('shows the queues and their jobs on Bull Board, only with the token', async () => {
    const q = queue(uniqueName('ops-board'));
    await q.add('develop', { evolutionId: 'ev-2' }, { jobId: 'develop-ev-2' });
    const get = await serve(new EvolveMetrics({ processMetrics: false }), [q]);

    expect((await get('/queues/api/queues')).status).toBe(401);
    const res = await get(
      `/queues/api/queues?activeQueue=${encodeURIComponent(q.name)}&status=waiting&page=1&jobsPerPage=10`,
      { headers: { Authorization: `Bearer ${TOKEN}` } },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      queues: Array<{ name: string; counts: Record<string, number>; jobs: Array<{ id: string }> }>;
    };
    const shown = body.queues.find((x) => x.name === q.name);
    expect(shown?.counts.waiting).toBe(1);
    expect(shown?.jobs.map((j) => j.id)).toEqual(['develop-ev-2']);
  });

  it('a job run by an instrumented worker shows in our metrics, BullMQ’s and the log', async () => {
    const name = uniqueName('ops-steps');
    const q = queue(name);
    const events = new QueueEvents(name, { connection: redis() });
    closers.push(() => events.close());
    const clock = new FakeClock();
    const ev = anEvolutionIn('SHADOW_RUNNING', clock, aPipeline());
    const out = captureLines();
    const metrics = new EvolveMetrics({ processMetrics: false, queues: [q] });
    const wrap = instrumentJobs({
      logger: createLogger(loadConfig({}), { process: 'worker', destination: out }),
      metrics,
      evolutions: { get: async (id) => (id === ev.id ? ev : undefined) },
    });
    const worker = new Worker(
      name,
      wrap('steps', async () => ({ status: 'SHADOW_RUNNING' })),
      { connection: redis(), metrics: { maxDataPoints: MetricsTime.ONE_HOUR } },
    );
    closers.push(() => worker.close());
    await events.waitUntilReady();

    const job = await q.add('develop', { evolutionId: ev.id }, { jobId: `develop-${ev.id}` });
    expect(await job.waitUntilFinished(events, 30_000)).toEqual({ status: 'SHADOW_RUNNING' });

    const text = await (await serve(metrics, [q]))('/metrics').then((r) => r.text());
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', {
        step: 'develop',
        outcome: 'SHADOW_RUNNING',
      }),
    ).toBe(1);
    expect(valueOf(text, 'bullmq_job_completed_total', { queue: name })).toBe(1);
    const finished = out.records().find((r) => r.msg === 'job finished');
    expect(finished).toMatchObject({
      process: 'worker',
      pipeline: ev.pipeline,
      evolution: ev.id,
      job: { id: `develop-${ev.id}`, name: 'develop', queue: name, attempt: 1 },
    });
  });
});
