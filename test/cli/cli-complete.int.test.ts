import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { untilStatus } from '../support/crash-lane.js';
import { deleteTopicsStartingWith, readAll, withAdmin } from '../support/kafka-test-client.js';
import {
  createOrdersTopics,
  makeOrders,
  ordersPipelineSql,
  sendOrders,
} from '../support/orders-pipeline.js';
import { runEvolve } from '../support/evolve-cli.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * `evolve complete` from the CLI, as its own process, on the real stack: an
 * evolution left LIVE (no backfill wanted) is no dead end.
 */
describe('complete without a backfill (CLI process, real Flink and Kafka)', () => {
  const e = stackEndpoints();
  const ordersTopic = uniqueName('orders');
  const revenueTopic = uniqueName('revenue');
  const pipelineName = uniqueName('done').toLowerCase();
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipelineName}-v1`);
  const notifier = new RecordingNotifier();
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
  const flink = new FlinkAdapter(rest, gateway);
  let rt: Runtime;
  let env: Record<string, string>;
  const jobs: string[] = [];

  beforeAll(async () => {
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, makeOrders('o', 60, 12));
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
    env = {
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: rt.keyPrefix,
      // testRuntime names its queues and keys alike.
      EVOLVE_QUEUE_NAMESPACE: rt.keyPrefix.slice(0, -1),
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
      EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
      EVOLVE_LOG_LEVEL: 'warn',
    };
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

  it('an owner ends a LIVE evolution: COMPLETED, v2 stays production, TEMP deleted, a new develop may start', async () => {
    const owner = { id: 'U0OWNER1' };
    let ev = await rt.service.develop({
      pipeline: pipelineName,
      sql: sql.v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    ev = await untilStatus(rt, ev.id, 'SHADOW_RUNNING');
    await until('shadow output in TEMP', async () =>
      (await readAll(ev.shadow.tempTopic)).length > 0 ? true : undefined,
    );
    await rt.service.requestDeploy(pipelineName, owner);
    await rt.service.decide({
      evolutionId: ev.id,
      shownSqlHash: ev.v2.hash,
      actor: { id: 'U0APPR1' },
      decision: 'approve',
    });
    ev = await untilStatus(rt, ev.id, 'LIVE');
    jobs.push(ev.v2JobId!);

    // The refusals name the way out.
    const abort = await runEvolve(['abort', pipelineName, '--as', 'U0OWNER1'], env);
    expect(abort.code).not.toBe(0);
    expect(abort.out).toMatch(/complete without a backfill \(\/evolve complete\)/);
    const approver = await runEvolve(['complete', pipelineName, '--as', 'U0APPR1'], env);
    expect(approver.code, approver.out).not.toBe(0);
    expect((await rt.workflow.evolutions.load(ev.id)).status).toBe('LIVE');

    const done = await runEvolve(['complete', pipelineName, '--as', 'U0OWNER1'], env);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain(`${ev.id}: COMPLETED`);
    ev = await until('cleanup ended', async () => {
      const cur = await rt.workflow.evolutions.load(ev.id);
      return cur.cleanupEndedAt !== undefined ? cur : undefined;
    });
    expect(ev.status).toBe('COMPLETED');
    expect(ev.completedWithoutBackfill?.by).toBe('U0OWNER1');
    expect((await withAdmin((a) => a.listTopics())).includes(ev.shadow.tempTopic)).toBe(false);
    expect(await flink.jobState(ev.v2JobId!)).toBe('RUNNING');
    // The CLI process and the worker both wrote to the evolution's thread (the log every process appends to).
    const thread = (await rt.threadLog.read(ev.id)).map((t) => JSON.stringify(t));
    const at = (re: RegExp) => thread.findIndex((t) => re.test(t));
    expect(at(/Completed without a backfill by <@U0OWNER1>: v2 stays production/)).toBeGreaterThan(
      -1,
    );
    expect(at(/Cleaned up: [^"]+ deleted\. v2 stays production\./)).toBeGreaterThan(
      at(/Completed without a backfill/),
    );
    expect(
      await rt.workflow.evolutions.activeFor(pipelineName),
      'the pipeline is free again',
    ).toBeUndefined();
    const status = await runEvolve(['status', pipelineName], env);
    expect(status.out).toContain('COMPLETED');
  });
});
