import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { untilStatus } from '../support/crash-lane.js';
import {
  deleteTopicsStartingWith,
  latestByKey,
  readAll,
  withAdmin,
} from '../support/kafka-test-client.js';
import {
  createOrdersTopics,
  expectedV2,
  makeOrders,
  onlyCancelledOrders,
  ordersPipelineSql,
  sendOrders,
} from '../support/orders-pipeline.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { RecordingNotifier } from '../support/workflow-world.js';
import { aPipeline } from '../support/pipeline-fixture.js';

describe('the whole evolution on the real stack: develop -> approve -> deploy -> backfill', () => {
  const e = stackEndpoints();
  const ordersTopic = uniqueName('orders');
  const revenueTopic = uniqueName('revenue');
  const pipelineName = uniqueName('rev').toLowerCase();
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipelineName}-v1`);
  const notifier = new RecordingNotifier();
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
  const flink = new FlinkAdapter(rest, gateway);
  let rt: Runtime;
  // Customers whose every order was cancelled exist only in v1's answer: the backfill must delete them.
  const orders = [...onlyCancelledOrders(), ...makeOrders('o', 400, 60)];
  const jobs: string[] = [];

  beforeAll(async () => {
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, orders.slice(0, 306));
    const v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipelineName}-v1` });
    jobs.push(v1JobId);
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');
    rt = await testRuntime(notifier);
    await rt.startWorkers({ observeEveryMs: 2_000 });
    await rt.service.registerFromFile(
      aPipeline({
        name: pipelineName,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
        production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: v1JobId },
      }),
    );
    // v1 has written every customer before the evolution starts.
    await until('v1 output', async () =>
      (await readAll(revenueTopic)).length >= 40 ? true : undefined,
    );
  });

  afterAll(async () => {
    const all = await rest.listJobs().catch(() => []);
    for (const j of all.filter((j) => j.name.includes(pipelineName) && j.state === 'RUNNING'))
      await flink.cancel(j.jid);
    for (const id of jobs) await flink.cancel(id).catch(() => undefined);
    await Promise.all([rest.close(), gateway.close()]);
    if (rt) await disposeRuntime(rt);
    await deleteTopicsStartingWith(ordersTopic, revenueTopic);
  });

  it('ends COMPLETED with the production topic holding v2 for every key and TEMP deleted', async () => {
    const owner = { id: 'U0OWNER1' };
    const approver = { id: 'U0APPR1' };

    // A second develop while one is active is refused, naming the first.
    let ev = await rt.service.develop({
      pipeline: pipelineName,
      sql: sql.v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    await expect(
      rt.service.develop({
        pipeline: pipelineName,
        sql: sql.v2,
        actor: owner,
        channel: 'C0EVOLVE',
      }),
    ).rejects.toThrow(ev.id);
    ev = await untilStatus(rt, ev.id, 'SHADOW_RUNNING');
    const shadowJobId = ev.shadow.jobId!;
    await until('shadow output in TEMP', async () =>
      (await readAll(ev.shadow.tempTopic)).length >= 40 ? true : undefined,
    );
    expect(await flink.jobState(jobs[0]!)).toBe('RUNNING');

    const { evolution: awaiting, diff } = await rt.service.requestDeploy(pipelineName, owner);
    expect(awaiting.status).toBe('AWAITING_APPROVAL');
    expect(diff?.counts.changed).toBeGreaterThan(0);
    // The requester may not approve their own change.
    await expect(
      rt.service.decide({
        evolutionId: ev.id,
        shownSqlHash: ev.v2.hash,
        actor: owner,
        decision: 'approve',
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/APPROVAL_REFUSED|PERMISSION_DENIED/) });
    await rt.service.decide({
      evolutionId: ev.id,
      shownSqlHash: ev.v2.hash,
      actor: approver,
      decision: 'approve',
    });

    ev = await untilStatus(rt, ev.id, 'LIVE');
    expect(await flink.jobState(shadowJobId)).toBe('FINISHED');
    expect(await flink.jobState(jobs[0]!)).toBe('FINISHED');
    expect(await flink.jobState(ev.v2JobId!)).toBe('RUNNING');
    expect(await flink.restoredFrom(ev.v2JobId!)).toBe(ev.savepoints.s2?.location);
    expect(ev.deploy?.cutoverGapMs).toBeGreaterThan(0);
    // The gap is Flink's: v2 RUNNING minus v1's end, both by the JobManager's timestamps.
    const [v1Times, v2Times] = [await flink.jobTimes(jobs[0]!), await flink.jobTimes(ev.v2JobId!)];
    console.log(
      `[story] cutover gap ${ev.deploy?.cutoverGapMs} ms; Flink: v1 ended ${v1Times.endedAt}, v2 RUNNING ${v2Times.runningAt}`,
    );
    expect(ev.deploy?.cutoverGapMs).toBe(v2Times.runningAt! - v1Times.endedAt!);
    expect((await rt.workflow.pipelines.load(pipelineName)).production.flinkJobId).toBe(ev.v2JobId);
    jobs.push(ev.v2JobId!);

    // Live v2 writes after the cutover must survive the backfill.
    await sendOrders(ordersTopic, orders.slice(306));
    await rt.service.startBackfill(pipelineName, owner, { rate: 2000 });
    ev = await untilStatus(rt, ev.id, 'COMPLETED');
    // Printed so that a run whose figures differ can be told from its log.
    console.log(`[story] backfill report ${JSON.stringify(ev.backfill?.report)}`);
    expect(ev.backfill?.report?.conflicts).toBe(0);
    expect(ev.backfill!.report!.deleted).toBe(3);
    expect((await withAdmin((a) => a.listTopics())).includes(ev.shadow.tempTopic)).toBe(false);

    const want = expectedV2(orders);
    await until('v2 view of every key', async () => {
      const latest = latestByKey(await readAll(revenueTopic));
      for (const [customer, v] of want) {
        const got = latest.get(JSON.stringify({ customer_id: customer }));
        const parsed =
          got === null || got === undefined
            ? got
            : (JSON.parse(got) as { total: number; orders: number });
        if (v === null ? parsed !== null : parsed?.total !== v.total || parsed?.orders !== v.orders)
          return undefined;
      }
      return true;
    });
    const kinds = notifier.milestones.map((m) => m.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'shadowStarted',
        'savepointCompleted',
        'jobStarted',
        'deployCompleted',
        'backfillCompleted',
      ]),
    );
  });
});
