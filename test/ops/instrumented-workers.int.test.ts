import { QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { loadConfig } from '../../src/config/load-config.js';
import { instrumentJobs } from '../../src/ops/instrument-jobs.js';
import { createLogger } from '../../src/ops/logger.js';
import { EvolveMetrics } from '../../src/ops/metrics.js';
import { evolveQueueList } from '../../src/ops/start-configured-ops-server.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';
import { captureLines, valueOf } from './ops-test-kit.js';

describe('the evolve workers, instrumented', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start() {
    const rt: Runtime = await testRuntime(new RecordingNotifier());
    closers.push(() => disposeRuntime(rt));
    const out = captureLines();
    const metrics = new EvolveMetrics({
      processMetrics: false,
      queues: evolveQueueList(rt.queues),
    });
    const logger = createLogger(loadConfig({ EVOLVE_LOG_LEVEL: 'debug' }), {
      process: 'worker',
      destination: out,
    });
    await rt.startWorkers({
      wrap: instrumentJobs({ logger, metrics, evolutions: rt.workflow.evolutions }),
    });
    const events = async (queue: string) => {
      const connection = rt.redis.duplicate();
      const e = new QueueEvents(queue, { connection });
      closers.push(async () => {
        await e.close();
        await connection.quit();
      });
      await e.waitUntilReady();
      return e;
    };
    return { rt, out, metrics, events };
  }

  it('times and logs an observe job (at debug) and BullMQ counts it as completed', async () => {
    const { rt, out, metrics, events } = await start();
    const observed = await events(rt.queues.names.observe);
    const evolutionId = uniqueName('gone');
    const job = await rt.queues.observe.add('observe', { evolutionId }, { jobId: evolutionId });
    // An evolution that no longer exists: the observer stops watching it and returns nothing.
    expect(await job.waitUntilFinished(observed, 60_000)).toEqual({});

    const text = await metrics.render();
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', { step: 'observe', outcome: 'ok' }),
    ).toBe(1);
    expect(valueOf(text, 'bullmq_job_completed_total', { queue: rt.queues.names.observe })).toBe(1);
    expect(
      valueOf(text, 'bullmq_job_count', { queue: rt.queues.names.steps, state: 'waiting' }),
    ).toBe(0);
    // Every queue the workers take from is counted, the reconcile loop's too.
    expect(
      valueOf(text, 'bullmq_job_count', { queue: rt.queues.names.reconcile, state: 'failed' }),
    ).toBe(0);
    expect(out.records().find((r) => r.msg === 'job finished')).toMatchObject({
      level: 'debug',
      process: 'worker',
      evolution: evolutionId,
      job: { id: evolutionId, name: 'observe', queue: rt.queues.names.observe, attempt: 1 },
    });
  });

  it('logs a failed step job as an error and times it as one', async () => {
    const { rt, out, metrics, events } = await start();
    const steps = await events(rt.queues.names.steps);
    const job = await rt.queues.steps.add(
      'bogus',
      { evolutionId: 'ev-x' },
      { jobId: 'bogus-ev-x' },
    );
    await expect(job.waitUntilFinished(steps, 60_000)).rejects.toThrow(/unknown step job 'bogus'/);

    const text = await metrics.render();
    expect(
      valueOf(text, 'evolve_step_duration_seconds_count', { step: 'bogus', outcome: 'error' }),
    ).toBe(1);
    expect(
      valueOf(text, 'bullmq_job_count', { queue: rt.queues.names.steps, state: 'failed' }),
    ).toBe(1);
    const failed = out.records().find((r) => r.msg === 'job failed');
    expect(failed).toMatchObject({
      level: 'error',
      evolution: 'ev-x',
      willRetry: false,
      job: { id: 'bogus-ev-x', name: 'bogus', queue: rt.queues.names.steps },
      err: { message: "unknown step job 'bogus'" },
    });
  });
});
