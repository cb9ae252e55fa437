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
  const notifier = new RecordingNotifier();
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const flink = new FlinkAdapter(rest, new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl }));
  const owner = { id: 'U0OWNER1' };
  let rt: Runtime;
  let v1JobId = '';

  beforeAll(async () => {
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

  const cliEnv = () => ({
    EVOLVE_REDIS_URL: e.redisUrl,
    EVOLVE_REDIS_PREFIX: rt.keyPrefix,
    EVOLVE_QUEUE_NAMESPACE: rt.keyPrefix.replace(/:$/, ''),
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
    EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
    EVOLVE_LOG_LEVEL: 'warn',
  });

  /** Nothing recorded: same state, same version, no approval, no new audit event. */
  async function deployRefused(evolutionId: string, expected: RegExp): Promise<void> {
    const before = await rt.workflow.evolutions.load(evolutionId);
    const audit = await rt.workflow.audit.list(pipelineName, { evolutionId });
    const deploy = await runEvolve(['deploy', pipelineName, '--as', owner.id], cliEnv());
    console.log(`evolve deploy printed:\n${deploy.out}`);
    expect(deploy.code).not.toBe(0);
    expect(deploy.out).toMatch(expected);
    const after = await rt.workflow.evolutions.load(evolutionId);
    expect(after.status).toBe(before.status);
    expect(after.approval).toBeUndefined();
    expect(
      (await rt.workflow.audit.list(pipelineName, { evolutionId })).length,
    ).toBeLessThanOrEqual(audit.length + (before.status === 'FAILED' ? 1 : 0));
  }

  it('fails on its first records: develop fails with the exception (never RUNNING), status says FAILED, deploy is refused', async () => {
    // 'placed' and 'cancelled' are no numbers: the CAST throws on the first record the shadow reads.
    const v2 = sql.v2.replace('SUM(amount)', 'SUM(CAST(status AS INT))');
    expect(v2).not.toBe(sql.v2);
    notifier.milestones.length = 0;
    const started = await rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    await until(
      'develop ends',
      async () => {
        const ev = await rt.workflow.evolutions.load(started.id);
        return ev.status === 'DEVELOPING' ? undefined : ev;
      },
      180_000,
    );
    const ev = await rt.workflow.evolutions.load(started.id);
    const thread = notifier.milestones.map((m) => m.text);
    console.log(`develop told the thread:\n  ${thread.join('\n  ')}`);
    // Whether Flink failed it before or after all its tasks ran, develop says the same kind of thing.
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.message).toMatch(
      /^The shadow job [0-9a-f]{32} (started but did not stay up: Flink shows it \w+( after \d+ restarts?)?|did not reach RUNNING within \d+ s \(state \w+\))\. Its last exception: NumberFormatException.*\/evolve abort /,
    );
    expect(thread.some((t) => /is RUNNING/.test(t))).toBe(false);
    const jobs = await rest.listJobs();
    expect(jobs.filter((j) => j.name.includes(ev.id) && j.state === 'RUNNING')).toEqual([]);

    const status = await runEvolve(['status', pipelineName], cliEnv());
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.out).toContain(`evolution ${ev.id}: FAILED `);
    expect(status.out).toContain('NumberFormatException');

    await deployRefused(
      ev.id,
      new RegExp(
        `Cannot request a deploy \\(/evolve deploy\\) for evolution ${ev.id}: it is FAILED\\. Possible now: abort`,
      ),
    );
    await rt.service.abort(pipelineName, owner);
    await untilStatus(rt, ev.id, 'ABORTED').catch(() => undefined);
  }, 300_000);

  it('fails later on a new record: status follows Flink to FAILED and deploy is refused with the reason', async () => {
    // Customer ids are c<number>; the CAST throws only on a record sent once the shadow runs.
    const v2 = sql.v2.replace(
      "WHERE status <> 'cancelled'",
      "WHERE status <> 'cancelled' AND CAST(REPLACE(customer_id, 'c', '') AS INT) >= 0",
    );
    expect(v2).not.toBe(sql.v2);
    const started = await rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    const ev = await untilStatus(rt, started.id, 'SHADOW_RUNNING');
    const shadowJobId = ev.shadow.jobId!;

    await sendOrders(ordersTopic, [
      { order_id: 'bad-1', customer_id: 'cXYZ', amount: 1, status: 'placed' },
    ]);
    // Three restarts (the stack's fixed-delay strategy), then FAILED for good.
    await until(
      'shadow FAILED in Flink',
      async () => ((await flink.jobState(shadowJobId)) === 'FAILED' ? true : undefined),
      60_000,
    );
    expect((await rt.workflow.evolutions.load(ev.id)).status).toBe('SHADOW_RUNNING');

    const status = await runEvolve(['status', pipelineName], cliEnv());
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`evolution ${ev.id}: SHADOW_FAILED `);
    expect(status.out).toMatch(
      new RegExp(`shadow job ${shadowJobId}: FAILED in Flink.*NumberFormatException`),
    );
    expect(status.out).not.toMatch(/: SHADOW_RUNNING /);

    await deployRefused(
      ev.id,
      new RegExp(
        `Cannot request a deploy of ${ev.id}: The shadow job ${shadowJobId} is FAILED in Flink.*not RUNNING\\..*NumberFormatException.*Nothing was changed\\..*/evolve abort ${pipelineName}`,
      ),
    );
    await rt.service.abort(pipelineName, owner);
    expect(await flink.jobState(v1JobId)).toBe('RUNNING');
  }, 300_000);

  it('breaks after the deploy request: approve is refused with the reason, and the request stays', async () => {
    // The CAST throws only for an order id starting with 'late-', sent once the deploy is requested.
    const v2 = sql.v2.replace(
      "WHERE status <> 'cancelled'",
      "WHERE status <> 'cancelled' AND CAST(CASE WHEN order_id LIKE 'late-%' THEN 'x' ELSE '1' END AS INT) > 0",
    );
    expect(v2).not.toBe(sql.v2);
    const started = await rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    const ev = await untilStatus(rt, started.id, 'SHADOW_RUNNING');
    const shadowJobId = ev.shadow.jobId!;
    const { evolution: awaiting } = await rt.service.requestDeploy(pipelineName, owner);
    expect(awaiting.status).toBe('AWAITING_APPROVAL');

    await sendOrders(ordersTopic, [
      { order_id: 'late-1', customer_id: 'c1', amount: 1, status: 'placed' },
    ]);
    await until(
      'shadow FAILED in Flink',
      async () => ((await flink.jobState(shadowJobId)) === 'FAILED' ? true : undefined),
      60_000,
    );
    const status = await runEvolve(['status', pipelineName], cliEnv());
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.out).toContain(`evolution ${ev.id}: SHADOW_FAILED `);

    const before = await rt.workflow.evolutions.load(ev.id);
    const approve = await runEvolve(
      ['approve', pipelineName, '--as', 'U0APPR1', '--no-wait'],
      cliEnv(),
    );
    console.log(`evolve approve printed:\n${approve.out}`);
    expect(approve.code).not.toBe(0);
    expect(approve.out).toMatch(
      new RegExp(
        `Cannot approve ${ev.id}: The shadow job ${shadowJobId} is FAILED in Flink.*NumberFormatException.*Nothing was changed\\.`,
      ),
    );
    const after = await rt.workflow.evolutions.load(ev.id);
    expect(after.status).toBe('AWAITING_APPROVAL');
    expect(after.version).toBe(before.version);
    expect(after.approval?.decision).toBeUndefined();

    await rt.service.abort(pipelineName, owner);
    expect(await flink.jobState(v1JobId)).toBe('RUNNING');
  }, 300_000);
});
