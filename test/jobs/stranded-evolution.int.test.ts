import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/create-runtime.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { evolutionJobs, untilStatus } from '../support/crash-lane.js';
import { latestByKey, readAll, testKafka } from '../support/kafka-test-client.js';
import {
  cancelLaneJobs,
  deleteLaneTopics,
  developShadow,
  newOrdersLane,
  seedOrdersTopic,
  type OrdersLane,
} from '../support/orders-lane.js';
import { expectedV2, makeOrders } from '../support/orders-pipeline.js';
import { ReplyDroppingProxy } from '../support/reply-dropping-proxy.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * Point 7 of the trust-boundary issue on the real stack: a transition whose
 * process dies before it queues its job, and a transition whose reply Redis
 * sent but the caller never read, leave nothing stranded. The evolution is
 * completed by the workers alone: the reconcile loop queues the missing job.
 *
 * "The process dies between the transition and the queueing" is played by
 * doing exactly what the service does up to the transition (the same domain
 * calls, on the same Redis) and nothing after: Redis then holds what a
 * process killed at that line leaves. The workers are real BullMQ workers
 * (`rt.startWorkers`, as `evolve worker` runs them) in this process.
 */

const e = stackEndpoints();
const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
const flink = new FlinkAdapter(rest, gateway);
const ordersTopic = uniqueName('stranded-orders');
const orders = makeOrders('s', 300, 30);
const lanes: OrdersLane[] = [];
const runtimes: Runtime[] = [];
let admin: Admin;
let workers: Runtime;

async function laneOf(tag: string): Promise<OrdersLane> {
  const lane = await newOrdersLane(workers, admin, flink, ordersTopic, tag);
  lanes.push(lane);
  return lane;
}

function log(line: string): void {
  console.log(`[stranded] ${line}`);
}

/** A second process (bot or CLI) on the same Redis prefix and queues, reaching Redis at `redisUrl`. */
async function serviceProcess(redisUrl: string): Promise<Runtime> {
  const config = loadConfig({
    EVOLVE_REDIS_URL: redisUrl,
    EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
    EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
  });
  const rt = await createRuntime(config, {
    notifiers: [new RecordingNotifier()],
    namespace: workers.queues.names.steps.replace(/-steps$/, ''),
    keyPrefix: workers.keyPrefix,
  });
  runtimes.push(rt);
  return rt;
}

/** Waits for `status`, and says how long the workers took on their own. */
async function completedAlone(
  id: string,
  status: 'SHADOW_RUNNING' | 'LIVE' | 'COMPLETED',
  since: number,
  what: string,
) {
  const ev = await untilStatus(workers, id, status, 300_000);
  log(`${what}: ${status} ${((Date.now() - since) / 1000).toFixed(1)} s after the process died`);
  return ev;
}

async function expectOneV2(lane: OrdersLane, id: string): Promise<void> {
  const jobs = await evolutionJobs(rest, lane.pipeline, id);
  expect(
    jobs.v2.map((j) => j.state),
    'exactly one v2 production job',
  ).toEqual(['RUNNING']);
  expect(
    jobs.shadow.map((j) => j.state),
    'one shadow, stopped once',
  ).toEqual(['FINISHED']);
  expect(await flink.jobState(lane.v1JobId)).toBe('FINISHED');
}

describe('no evolution is stranded between a transition and its job', () => {
  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await seedOrdersTopic(admin, ordersTopic, orders);
    workers = await testRuntime(new RecordingNotifier(), { EVOLVE_DEPLOY_STABLE_MS: '2000' });
    runtimes.push(workers);
    await workers.startWorkers();
  });

  afterAll(async () => {
    await cancelLaneJobs(flink, () => rest.listJobs(), lanes);
    for (const rt of runtimes.slice(1)) await rt.close().catch(() => undefined);
    await disposeRuntime(workers).catch(() => undefined);
    await deleteLaneTopics(admin, ordersTopic, lanes);
    await admin.disconnect();
    await Promise.all([rest.close(), gateway.close()]);
  });

  it('develop recorded but never queued, then the approve reply lost on the wire: LIVE without a human', async () => {
    const proxy = await ReplyDroppingProxy.start(e.redisUrl);
    try {
      const lane = await laneOf('strand-a');
      const service = await serviceProcess(proxy.url);

      // The develop's process dies right after the evolution is recorded.
      const pipeline = await service.workflow.pipelines.load(lane.pipeline);
      let ev = await startEvolution(
        { evolutions: service.workflow.evolutions, audit: service.workflow.audit },
        {
          pipeline,
          v2Sql: lane.sql.v2,
          requester: 'U0OWNER1',
          slack: { channel: 'C0STRAND' },
          clock: service.workflow.clock,
        },
      );
      const diedAt = Date.now();
      expect(await workers.queues.steps.getJobState(`develop-${ev.id}`)).toBe('unknown');
      ev = await completedAlone(ev.id, 'SHADOW_RUNNING', diedAt, 'develop never queued');

      await service.service.requestDeploy(lane.pipeline, { id: 'U0OWNER1' });
      // Redis runs the approve script; its reply never reaches the service.
      proxy.dropReplyTo('"status":"DEPLOYING"');
      const decided = await service.service.decide({
        evolutionId: ev.id,
        shownSqlHash: ev.v2.hash,
        actor: { id: 'U0APPR1' },
        decision: 'approve',
      });
      expect(proxy.dropped, 'the approve reply was lost').toBe(1);
      // Before: ioredis resent the script, met a version conflict, and the approver was told
      // "already approved" while no deploy job was queued.
      expect(decided.status).toBe('DEPLOYING');
      const approvals = (await workers.workflow.audit.list(lane.pipeline)).filter(
        (a) => a.action === 'approve',
      );
      expect(approvals.map((a) => [a.actor, a.accepted])).toEqual([['U0APPR1', true]]);
      ev = await untilStatus(workers, ev.id, 'LIVE', 300_000);
      log(`approve reply lost: LIVE, cutover gap ${ev.deploy?.cutoverGapMs} ms`);
      await expectOneV2(lane, ev.id);
      await flink.cancel(ev.v2JobId!);
    } finally {
      await proxy.close();
    }
  }, 600_000);

  it('approve recorded but deploy never queued, then a backfill started but never queued: COMPLETED without a human', async () => {
    const lane = await laneOf('strand-b');
    const rt = workers;
    let ev = await developShadow(rt, lane, 'C0STRAND');
    await rt.service.requestDeploy(lane.pipeline, { id: 'U0OWNER1' });

    // decide() up to its transition; the process dies before it queues the deploy.
    ev = await rt.workflow.evolutions.transition(
      ev.id,
      { type: 'approve', shownSqlHash: ev.v2.hash },
      'U0APPR1',
    );
    expect(ev.status).toBe('DEPLOYING');
    let diedAt = Date.now();
    ev = await completedAlone(ev.id, 'LIVE', diedAt, 'deploy never queued');
    await expectOneV2(lane, ev.id);

    // startBackfill() up to its transition: no token bucket, no flow.
    const runId = `${ev.id}-${randomBytes(3).toString('hex')}`;
    ev = await rt.workflow.evolutions.transition(
      ev.id,
      { type: 'startBackfill', runId, rate: 500, mode: 'full' },
      'U0OWNER1',
    );
    diedAt = Date.now();
    ev = await completedAlone(ev.id, 'COMPLETED', diedAt, 'backfill never queued');
    expect(ev.backfill?.runId).toBe(runId);
    expect(ev.backfill?.report?.conflicts).toBe(0);
    log(`backfill report: ${JSON.stringify(ev.backfill?.report)}`);
    const latest = latestByKey(await readAll(lane.revenueTopic));
    for (const [customer, v] of expectedV2(orders)) {
      const got = latest.get(JSON.stringify({ customer_id: customer }));
      expect(got === null || got === undefined ? null : JSON.parse(got), customer).toEqual(
        v === null ? null : expect.objectContaining(v),
      );
    }
    await flink.cancel(ev.v2JobId!);
  }, 600_000);
});
