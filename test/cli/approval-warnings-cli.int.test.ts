import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { untilStatus } from '../support/crash-lane.js';
import { runEvolve } from '../support/evolve-cli.js';
import { deleteTopicsStartingWith, readAll } from '../support/kafka-test-client.js';
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

describe('the CLI approver sees the warnings Slack shows', () => {
  const e = stackEndpoints();
  const ordersTopic = uniqueName('orders');
  const revenueTopic = uniqueName('revenue');
  const pipelineName = uniqueName('keys').toLowerCase();
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipelineName}-v1`);
  // v2 keys revenue by customer and status: every one of v1's keys would be deleted.
  const v2 = sql.v1
    .replace(
      'customer_id STRING,\n  total INT,',
      'customer_id STRING,\n  status STRING,\n  total INT,',
    )
    .replace('PRIMARY KEY (customer_id)', 'PRIMARY KEY (customer_id, status)')
    .replace('SELECT customer_id, SUM(amount)', 'SELECT customer_id, status, SUM(amount)')
    .replace('GROUP BY customer_id;', 'GROUP BY customer_id, status;');
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const flink = new FlinkAdapter(rest, new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl }));
  let rt: Runtime;
  let v1JobId = '';

  beforeAll(async () => {
    expect(v2).toContain('PRIMARY KEY (customer_id, status)');
    expect(v2).toContain('GROUP BY customer_id, status;');
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, makeOrders('o', 100, 12));
    v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipelineName}-v1` });
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');
    rt = await testRuntime(new RecordingNotifier(), { EVOLVE_DEPLOY_STABLE_MS: '3000' });
    await rt.startWorkers({ observeEveryMs: 2_000 });
    await rt.service.registerFromFile(
      aPipeline({
        name: pipelineName,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
        production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: v1JobId },
      }),
    );
    await until('v1 output', async () =>
      new Set((await readAll(revenueTopic)).map((r) => r.key)).size >= 12 ? true : undefined,
    );
  }, 180_000);

  afterAll(async () => {
    const all = await rest.listJobs().catch(() => []);
    for (const j of all.filter((j) => j.name.includes(pipelineName)))
      await flink.cancel(j.jid).catch(() => undefined);
    await flink.cancel(v1JobId).catch(() => undefined);
    await rest.close();
    if (rt) await disposeRuntime(rt);
    await deleteTopicsStartingWith(ordersTopic, revenueTopic);
  }, 120_000);

  it('deploy, status and approve print the same warnings: all keys deleted, key and value columns changed', async () => {
    const started = await rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: { id: 'U0OWNER1' },
      channel: 'C0EVOLVE',
    });
    const ev = await untilStatus(rt, started.id, 'SHADOW_RUNNING');
    await until('shadow output in TEMP', async () =>
      (await readAll(ev.shadow.tempTopic)).length >= 12 ? true : undefined,
    );
    const env = {
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: rt.keyPrefix,
      EVOLVE_QUEUE_NAMESPACE: rt.keyPrefix.replace(/:$/, ''),
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
      EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
      EVOLVE_LOG_LEVEL: 'warn',
    };
    const expected = [
      /! The backfill would delete 12 of 12 production keys \(100%, over 10%\)\./,
      /! The key columns change from \(customer_id\) to \(customer_id, status\)/,
      /! The value columns change: added status STRING\./,
    ];

    const deploy = await runEvolve(['deploy', pipelineName, '--as', 'U0OWNER1'], env);
    console.log(`evolve deploy printed:\n${deploy.out}`);
    expect(deploy.code).toBe(0);
    expect(deploy.out).toContain('3 warnings for the approver:');
    for (const w of expected) expect(deploy.out).toMatch(w);
    // A caught-up shadow's small lag is no warning.
    expect(deploy.out).not.toContain('behind');

    const status = await runEvolve(['status', pipelineName], env);
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.out).toContain(`evolution ${ev.id}: AWAITING_APPROVAL `);
    for (const w of expected) expect(status.out).toMatch(w);

    const approve = await runEvolve(['approve', pipelineName, '--as', 'U0APPR1', '--no-wait'], env);
    console.log(`evolve approve printed:\n${approve.out}`);
    expect(approve.code).toBe(0);
    const decided = approve.out.indexOf(`approve ${ev.id}`);
    expect(decided).toBeGreaterThan(0);
    for (const w of expected) expect(approve.out.slice(0, decided)).toMatch(w);

    // The deploy runs to its end, so no job of this test is left half-started.
    const live = await untilStatus(rt, ev.id, 'LIVE');
    expect(await flink.jobState(live.v2JobId!)).toBe('RUNNING');
  }, 300_000);
});
