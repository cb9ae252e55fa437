import { afterAll, describe, expect, it } from 'vitest';
import { untilStatus } from '../support/crash-lane.js';
import { makeOrders, sendOrders } from '../support/orders-pipeline.js';
import { useOrdersWorld } from '../support/orders-world.js';
import {
  approveToLive,
  evolveToLive,
  expectProductionIsV1FromScratch,
  OWNER,
  untilKept,
  untilMerged,
} from '../support/rollback-steps.js';
import { until } from '../support/until.js';
import { WorkerChild, workerEnv } from '../support/worker-child.js';

/**
 * The copy of v1's answers right after the deploy, with its worker
 * SIGKILLed in the middle of it: another worker copies again from the
 * start, and a rollback from that snapshot still ends with the output topic
 * equal to v1 recomputed from scratch.
 */
describe('rollback with the worker killed during the snapshot copy', () => {
  // Enough customers that v1's output below the cutover takes a while to copy.
  const orders = makeOrders('o', 60_000, 30_000);
  const w = useOrdersWorld('rbkill', {
    orders,
    inProcessWorkers: false,
    v1Ready: (records) => records.length >= 20_000,
  });
  const workers: WorkerChild[] = [];
  // One worker at a time: ready once it listens on the steps queue.
  const startWorker = async (label: string) => {
    const child = await WorkerChild.start(
      label,
      workerEnv(w.rt),
      async () => (await w.rt.queues.steps.getWorkersCount()) > 0,
    );
    workers.push(child);
    return child;
  };

  afterAll(async () => {
    for (const child of workers) await child.killAndWait();
  });

  it('copies again after the kill, and the rollback restores v1’s answers', async () => {
    const first = await startWorker('A');
    const evolved = await evolveToLive(w);
    const topic = evolved.v1Snapshot!.topic;
    // Killed while the snapshot job is active and the copy has not ended.
    await until(
      'the snapshot copy running',
      async () => {
        const state = await w.rt.queues.steps.getJobState(`snapshot-${evolved.id}`);
        return state === 'active' ? true : undefined;
      },
      30_000,
      20,
    );
    await first.killAndWait();
    const atKill = await w.rt.workflow.evolutions.load(evolved.id);
    expect(atKill.v1Snapshot?.completedAt, 'the copy ended before the kill').toBeUndefined();
    console.log(`[rollback-crash] worker A SIGKILLed during the copy into ${topic}`);

    await until(
      'worker A gone from the queue',
      async () => ((await w.rt.queues.steps.getWorkersCount()) === 0 ? true : undefined),
      30_000,
    );
    const second = await startWorker('B');
    const kept = await untilKept(w, evolved.id, 120_000).catch(async (err: Error) => {
      const job = await w.rt.queues.steps.getJobState(`snapshot-${evolved.id}`);
      throw new Error(
        `${err.message}; snapshot job ${job}; worker B said:\n${second.output.slice(-20).join('\n')}`,
      );
    });
    console.log(`[rollback-crash] worker B copied ${kept.v1Snapshot!.records} records`);

    await sendOrders(w.ordersTopic, makeOrders('late', 2_000, 30_000, 9));
    const started = await w.rt.service.rollback({
      pipeline: w.pipelineName,
      actor: OWNER,
      channel: 'C0EVOLVE',
    });
    const live = await approveToLive(w, started);
    await untilMerged(w, live.id);
    await w.rt.service.startBackfill(w.pipelineName, OWNER, { rate: 20_000 });
    const done = await untilStatus(w.rt, live.id, 'COMPLETED', 300_000);
    expect(done.backfill?.report?.conflicts).toBe(0);
    const result = await expectProductionIsV1FromScratch(w, 'crash');
    console.log(
      `[rollback-crash] production equals v1 from scratch: ${result.keys} keys; rollback backfill ${JSON.stringify(done.backfill?.report)}`,
    );
  }, 600_000);
});
