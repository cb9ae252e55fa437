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

describe('a v2 whose CAST throws at runtime: its shadow is never called healthy', () => {
  const e = stackEndpoints();
  const ordersTopic = uniqueName('orders');
  const revenueTopic = uniqueName('revenue');
  const pipelineName = uniqueName('bad').toLowerCase();
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipelineName}-v1`);
  // 'placed' and 'cancelled' are no numbers: the CAST throws on the first record the shadow reads.
  const v2 = sql.v2.replace('SUM(amount)', 'SUM(CAST(status AS INT))');
  const notifier = new RecordingNotifier();
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const flink = new FlinkAdapter(rest, new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl }));
  const owner = { id: 'U0OWNER1' };
  let rt: Runtime;
  let v1JobId = '';

  beforeAll(async () => {
    expect(v2).not.toBe(sql.v2);
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, makeOrders('o', 50, 10));
    v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipelineName}-v1` });
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');
    rt = await testRuntime(notifier, { EVOLVE_DEPLOY_STABLE_MS: '8000' });
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
      (await readAll(revenueTopic)).length >= 5 ? true : undefined,
    );
  }, 180_000);

  afterAll(async () => {
    // Every job this test started, v1 and the shadow, whatever state it was left in.
    const all = await rest.listJobs().catch(() => []);
    for (const j of all.filter((j) => j.name.includes(pipelineName)))
      await flink.cancel(j.jid).catch(() => undefined);
    await flink.cancel(v1JobId).catch(() => undefined);
    await rest.close();
    if (rt) await disposeRuntime(rt);
    await deleteTopicsStartingWith(ordersTopic, revenueTopic);
  }, 120_000);

  it('develop does not say RUNNING, status follows Flink, and deploy is refused with the reason', async () => {
    const started = await rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    const ev = await untilStatus(rt, started.id, 'SHADOW_RUNNING');
    const shadowJobId = ev.shadow.jobId!;
    const thread = notifier.milestones.map((m) => m.text);
    console.log(`develop told the thread:\n  ${thread.join('\n  ')}`);
    expect(thread.some((t) => /is RUNNING/.test(t))).toBe(false);
    const failed = notifier.milestones.find((m) => m.kind === 'failed');
    expect(failed?.text).toMatch(
      new RegExp(
        `^Shadow job ${shadowJobId} started but did not stay up: Flink shows it (RESTARTING|FAILED|RUNNING after \\d+ restarts?)\\..*NumberFormatException`,
      ),
    );

    // status, as users run it: its own process; Flink's state, not the stored SHADOW_RUNNING.
    const cliEnv = {
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: rt.keyPrefix,
      EVOLVE_QUEUE_NAMESPACE: rt.keyPrefix.replace(/:$/, ''),
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
      EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
      EVOLVE_LOG_LEVEL: 'warn',
    };
    const status = await runEvolve(['status', pipelineName], cliEnv);
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(new RegExp(`evolution ${ev.id}: SHADOW_(RESTARTING|FAILED) `));
    expect(status.out).toMatch(
      new RegExp(`shadow job ${shadowJobId}: (RESTARTING|FAILED) in Flink.*NumberFormatException`),
    );
    expect(status.out).not.toMatch(/: SHADOW_RUNNING /);

    // deploy: refused up front, with the reason and what to do; nothing recorded.
    const auditBefore = await rt.workflow.audit.list(pipelineName, { evolutionId: ev.id });
    const deploy = await runEvolve(['deploy', pipelineName, '--as', owner.id], cliEnv);
    console.log(`evolve deploy printed:\n${deploy.out}`);
    expect(deploy.code).not.toBe(0);
    expect(deploy.out).toMatch(
      new RegExp(
        `Cannot request a deploy of ${ev.id}: The shadow job ${shadowJobId} is (RESTARTING|FAILED) in Flink.*not RUNNING\\..*NumberFormatException.*Nothing was changed\\.`,
      ),
    );
    expect(deploy.out).toContain(`/evolve abort ${pipelineName}`);
    const after = await rt.workflow.evolutions.load(ev.id);
    expect(after.status).toBe('SHADOW_RUNNING');
    expect(after.version).toBe(ev.version);
    expect(after.approval).toBeUndefined();
    expect(await rt.workflow.audit.list(pipelineName, { evolutionId: ev.id })).toEqual(auditBefore);

    // Abort removes the shadow; production's v1 never stopped.
    await rt.service.abort(pipelineName, owner);
    await until('shadow gone', async () =>
      ['CANCELED', 'FAILED', 'NOT_FOUND'].includes(await flink.jobState(shadowJobId))
        ? true
        : undefined,
    );
    expect(await flink.jobState(v1JobId)).toBe('RUNNING');
  }, 300_000);
});
