import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { evolutionJobs, savepointsOf } from '../support/crash-lane.js';
import { deleteTopicsStartingWith, testKafka, withAdmin } from '../support/kafka-test-client.js';
import {
  createOrdersTopics,
  makeOrders,
  ordersPipelineSql,
  sendOrders,
} from '../support/orders-pipeline.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * Invariant 3 on the real stack: a v2 that the shadow ran happily fails on
 * the production topic, and the deploy restarts v1 from S1 by itself. The
 * failure is real Kafka behaviour, not an injected one: v2 writes keys of
 * 3 KB (its shadow wrote them to TEMP, created with the broker's 1 MB
 * limit), and the production topic's max.message.bytes is lowered to 1 KB
 * after develop, so every v2 write is refused and Flink restarts v2 until it
 * fails. When v2 reaches RUNNING between its restarts, only the watch after
 * the cutover (EVOLVE_DEPLOY_STABLE_MS) catches it; when it fails before all
 * its tasks run, the RUNNING check does. Unit tests pin the watch down.
 */
describe('automatic rollback when v2 does not stay up on production', () => {
  const e = stackEndpoints();
  const pipelineName = uniqueName('rollback').toLowerCase();
  const ordersTopic = `${pipelineName}-orders`;
  const revenueTopic = `${pipelineName}-revenue`;
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
  const flink = new FlinkAdapter(rest, gateway);
  const notifier = new RecordingNotifier();
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipelineName}-v1`);
  // Same sink and key column as v1, but keys of ~3 KB: fine for TEMP, too large for production.
  // A refused send fails the job only once the producer gives up on it (delivery.timeout.ms,
  // 120 s by default): v2's sink gives up after 3 s, so the failure shows inside the watch.
  const v2 = sql.v1
    .replace(
      'SELECT customer_id, SUM(amount), COUNT(*)',
      "SELECT CONCAT(customer_id, REPEAT('x', 3000)), SUM(amount), COUNT(*)",
    )
    .replace(
      "'value.format' = 'json'",
      "'value.format' = 'json',\n  'properties.delivery.timeout.ms' = '3000',\n  'properties.request.timeout.ms' = '2000'",
    );
  let rt: Runtime;
  let v1JobId: string;
  let feeding = true;
  let feeder: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, makeOrders('o', 200, 20));
    v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipelineName}-v1` });
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');
    rt = await testRuntime(notifier, { EVOLVE_DEPLOY_STABLE_MS: '8000' });
    await rt.startWorkers({ observeEveryMs: 60_000 });
    await rt.service.registerFromFile(
      aPipeline({
        name: pipelineName,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
        production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: v1JobId },
      }),
    );
  });

  afterAll(async () => {
    feeding = false;
    await feeder;
    const all = await rest.listJobs().catch(() => []);
    for (const j of all.filter((j) => j.name.includes(pipelineName)))
      if (!['FINISHED', 'CANCELED', 'FAILED'].includes(j.state))
        await flink.cancel(j.jid).catch(() => undefined);
    if (rt) await disposeRuntime(rt);
    await Promise.all([rest.close(), gateway.close()]);
    await deleteTopicsStartingWith(pipelineName);
  });

  it('restarts v1 from S1 and hands production back to it; the thread says why', async () => {
    let ev = await rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: { id: 'U0OWNER1' },
      channel: 'C0ROLLBACK',
    });
    ev = await until('SHADOW_RUNNING', async () => {
      const now = await rt.workflow.evolutions.load(ev.id);
      if (now.status === 'FAILED') throw new Error(`develop failed: ${now.error?.message}`);
      return now.status === 'SHADOW_RUNNING' ? now : undefined;
    });
    // The production topic's limit is lowered after TEMP was created like it.
    await withAdmin((a) =>
      a.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: 2, // TOPIC
            name: revenueTopic,
            configEntries: [{ name: 'max.message.bytes', value: '1024' }],
          },
        ],
      }),
    );
    // Orders keep arriving, as in production: v2 meets them as soon as it runs.
    const producer = testKafka().producer();
    await producer.connect();
    feeder = (async () => {
      for (let i = 0; feeding; i++) {
        await producer.send({
          topic: ordersTopic,
          messages: [
            {
              key: `live-${i}`,
              value: JSON.stringify({
                order_id: `live-${i}`,
                customer_id: `c${i % 20}`,
                amount: 5,
                status: 'placed',
              }),
            },
          ],
        });
        await new Promise((r) => setTimeout(r, 200));
      }
      await producer.disconnect();
    })();

    await rt.service.requestDeploy(pipelineName, { id: 'U0OWNER1' });
    await rt.service.decide({
      evolutionId: ev.id,
      shownSqlHash: ev.v2.hash,
      actor: { id: 'U0APPR1' },
      decision: 'approve',
    });
    ev = await until(
      'ROLLED_BACK',
      async () => {
        const now = await rt.workflow.evolutions.load(ev.id);
        if (['LIVE', 'FAILED', 'COMPLETED'].includes(now.status))
          throw new Error(`deploy ended ${now.status}: ${now.error?.message ?? ''}`);
        return now.status === 'ROLLED_BACK' ? now : undefined;
      },
      240_000,
    );
    console.log(`[rollback] ${ev.error?.message}`);
    // Which check catches v2 depends on when its first refused write fails it:
    // before all its tasks run (not RUNNING) or after (the watch). Both roll back.
    expect(ev.error?.message).toMatch(
      /^v2 job \w+ (did not reach RUNNING: it was [A-Z]+ after|reached RUNNING but did not stay up for 8 s)/,
    );

    const jobs = await evolutionJobs(rest, pipelineName, ev.id);
    expect(jobs.v2).toHaveLength(1);
    expect(['CANCELED', 'FAILED']).toContain(jobs.v2[0]!.state);
    expect(
      jobs.rollback.map((j) => j.state),
      'v1 restarted once',
    ).toEqual(['RUNNING']);
    const restarted = jobs.rollback[0]!.jid;
    expect(await flink.restoredFrom(restarted)).toBe(ev.savepoints.s1?.location);
    expect(await flink.jobState(v1JobId), 'the original v1 stopped once, with S1').toBe('FINISHED');
    expect((await savepointsOf(rest, v1JobId)).history).toBe(1);
    const pipeline = await rt.workflow.pipelines.load(pipelineName);
    expect(pipeline.production.flinkJobId, 'production is v1 again').toBe(restarted);
    expect(pipeline.production.sqlHash).toBe(sqlHash(sql.v1));
    await until('TEMP deleted', async () =>
      (await withAdmin((a) => a.listTopics())).includes(ev.shadow.tempTopic) ? undefined : true,
    );
    // The restarted v1 keeps serving: it stays RUNNING while orders keep coming.
    expect((await flink.waitStable(restarted, 5_000)).stable).toBe(true);
    const kinds = notifier.milestones.map((m) => m.kind);
    expect(kinds).toEqual(expect.arrayContaining(['deployFailed', 'rolledBack']));
  }, 420_000);
});
