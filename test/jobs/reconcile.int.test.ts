import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { reconcileProcessor } from '../../src/jobs/reconcile-processor.js';
import { aPipeline, V2_SQL } from '../support/pipeline-fixture.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * The reconcile loop against BullMQ's real queue states (Redis only, no
 * Flink: the steps queue is served by stand-in processors, and the loop is
 * run by hand): what it queues again, what it leaves alone.
 */
describe('reconcileProcessor on the real queues', () => {
  let rt: Runtime;
  const workers: Worker[] = [];

  beforeAll(async () => {
    rt = await testRuntime(new RecordingNotifier());
  });
  afterAll(async () => {
    for (const w of workers) await w.close(true).catch(() => undefined);
    await disposeRuntime(rt);
  });

  /** A new pipeline with an evolution in DEVELOPING, and nothing queued for it. */
  async function developing(): Promise<Evolution> {
    const pipeline = await rt.service.registerFromFile(
      aPipeline({ name: uniqueName('rec').toLowerCase() }),
    );
    return startEvolution(
      { evolutions: rt.workflow.evolutions, audit: rt.workflow.audit },
      {
        pipeline,
        v2Sql: V2_SQL,
        requester: 'U0OWNER1',
        slack: { channel: 'C0REC' },
        clock: rt.workflow.clock,
      },
    );
  }

  /** Serves the steps queue with `processor` until the returned close is called. */
  function serveSteps(processor: (job: Job) => Promise<unknown>): Worker {
    const w = new Worker(rt.queues.names.steps, processor, {
      connection: rt.redis.duplicate(),
      lockDuration: 60_000,
    });
    w.on('error', () => undefined);
    workers.push(w);
    return w;
  }

  const reconcile = (requeueFailedAfterMs?: number) =>
    reconcileProcessor(rt.workflow, rt.queues, {
      redis: rt.redis,
      keyPrefix: rt.keyPrefix,
      ...(requeueFailedAfterMs !== undefined ? { requeueFailedAfterMs } : {}),
    })();

  it('queues a missing step; leaves a live one alone; queues again one that ended while the evolution still needs it', async () => {
    const ev = await developing();
    const jobId = `develop-${ev.id}`;
    const first = await reconcile();
    expect(first.queued).toContain(jobId);
    expect(await rt.queues.steps.getJobState(jobId)).toBe('waiting');
    expect((await reconcile()).queued, 'a waiting job is not queued twice').not.toContain(jobId);

    // Active: a worker holds it. The loop never touches it.
    let finish!: () => void;
    const held = new Promise<void>((r) => (finish = r));
    const w = serveSteps(async (job) => (job.id === jobId ? held : undefined));
    await expect.poll(() => rt.queues.steps.getJobState(jobId), { timeout: 10_000 }).toBe('active');
    expect((await reconcile()).queued).not.toContain(jobId);
    expect(await rt.queues.steps.getJobState(jobId)).toBe('active');

    // It completes without moving the evolution on (the stand-in does nothing): queued again.
    finish();
    await expect
      .poll(() => rt.queues.steps.getJobState(jobId), { timeout: 10_000 })
      .toBe('completed');
    await w.close();
    expect((await reconcile()).queued).toContain(jobId);
    expect(await rt.queues.steps.getJobState(jobId)).toBe('waiting');
    expect((await rt.workflow.evolutions.load(ev.id)).status).toBe('DEVELOPING');
  });

  it('a failed step is queued again only after a while (no loop on a job that fails for good at once)', async () => {
    const ev = await developing();
    const jobId = `develop-${ev.id}`;
    const w = serveSteps(async (job) => {
      if (job.id === jobId) throw new UnrecoverableError('the stand-in fails for good');
    });
    await rt.queues.step('develop', ev.id);
    await expect.poll(() => rt.queues.steps.getJobState(jobId), { timeout: 10_000 }).toBe('failed');
    await w.close();
    expect((await reconcile()).queued, 'failed just now: left for a while').not.toContain(jobId);
    expect(await rt.queues.steps.getJobState(jobId)).toBe('failed');
    expect((await reconcile(0)).queued).toContain(jobId);
    expect(await rt.queues.steps.getJobState(jobId)).toBe('waiting');
  });

  it('an evolution that needs nothing more leaves the working set with its last write; of two runs at once, one skips', async () => {
    const ev = await developing();
    const aborted = await rt.workflow.evolutions.transition(ev.id, { type: 'abort' }, 'U0OWNER1');
    await rt.workflow.evolutions.update(ev.id, aborted.version, (cur) => ({
      ...cur,
      cleanupEndedAt: Date.now(),
    }));
    const working = await rt.redis.smembers(`${rt.keyPrefix}evolutions:working`);
    expect(working).not.toContain(ev.id);
    const [a, b] = await Promise.all([reconcile(), reconcile()]);
    expect([a.skipped, b.skipped].filter(Boolean), 'two runs at once: one skips').toHaveLength(1);
    expect(a.errors + b.errors).toBe(0);
  });
});
