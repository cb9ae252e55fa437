import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import type { FlinkPort } from '../../src/evolution/ports/flink-port.js';
import type { WorkflowDeps } from '../../src/evolution/workflow/workflow-deps.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { BackfillProgressRelay } from '../../src/jobs/backfill-progress-relay.js';
import { EvolveWorkers, type StepLockOptions } from '../../src/jobs/evolve-workers.js';
import { evolutionJobs, untilStatus } from '../support/crash-lane.js';
import { testKafka } from '../support/kafka-test-client.js';
import {
  cancelLaneJobs,
  deleteLaneTopics,
  developShadow,
  newOrdersLane,
  seedOrdersTopic,
  type OrdersLane,
} from '../support/orders-lane.js';
import { makeOrders } from '../support/orders-pipeline.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * Point 9: two workers on one deploy job, the first one's BullMQ lock lapsed
 * while it still lives. Worker A never renews its job lock (lockRenewMs far
 * beyond the 2 s lock), and its v2 submit is held 15 s before it reaches
 * Flink, so a stall check hands the job to another runner (B, or A's own
 * free slots) while A's first run is mid-deploy.
 * Without the step lease B would find no v2 (A has not submitted yet) and
 * submit one, then A would submit its own: two v2 jobs on the production
 * topic. With it, B waits for A's lease and v2 is submitted exactly once,
 * counted in Flink's /jobs/overview.
 */

const e = stackEndpoints();
const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
const flink = new FlinkAdapter(rest, gateway);
const ordersTopic = uniqueName('lease-orders');
const lanes: OrdersLane[] = [];
const HOLD_SUBMIT_MS = 15_000;
const SHORT_LOCK: StepLockOptions = { lockDurationMs: 2_000, stalledIntervalMs: 500 };
let admin: Admin;
let rt: Runtime;
const started: EvolveWorkers[] = [];

/** A worker of its own (not rt.startWorkers): its deps and step lock are the test's. */
async function worker(deps: WorkflowDeps, stepLock: StepLockOptions): Promise<EvolveWorkers> {
  const w = new EvolveWorkers({
    connection: rt.redis,
    deps,
    queues: rt.queues,
    backfill: {
      redis: rt.redis,
      kafka: rt.kafka,
      admin: rt.admin,
      keyPrefix: rt.keyPrefix,
      relay: new BackfillProgressRelay(rt.redis, rt.keyPrefix, deps),
    },
    stepLock,
  });
  // A's completion is refused once B holds the job: BullMQ reports it as an error event.
  for (const bw of w.workers) bw.on('error', () => undefined);
  await w.waitUntilReady();
  started.push(w);
  return w;
}

/** Worker A's Flink: the v2 submit waits HOLD_SUBMIT_MS before it reaches Flink (as a frozen process would). */
function holdingV2Submit(
  real: FlinkPort,
  held: { at?: number; calls: Promise<unknown>[] },
): FlinkPort {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'submitJob' || typeof value !== 'function') return value;
      return (sql: string, config: Record<string, string>) => {
        if (!config['pipeline.name']?.endsWith('/v2')) return real.submitJob(sql, config);
        held.at ??= Date.now();
        const call = new Promise((r) => setTimeout(r, HOLD_SUBMIT_MS)).then(() =>
          real.submitJob(sql, config),
        );
        held.calls.push(call);
        return call;
      };
    },
  });
}

describe('two workers on one deploy job', () => {
  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await seedOrdersTopic(admin, ordersTopic, makeOrders('l', 200, 20));
    rt = await testRuntime(new RecordingNotifier(), { EVOLVE_DEPLOY_STABLE_MS: '2000' });
  });

  afterAll(async () => {
    for (const w of started) await w.close().catch(() => undefined);
    await cancelLaneJobs(flink, () => rest.listJobs(), lanes);
    await disposeRuntime(rt).catch(() => undefined);
    await deleteLaneTopics(admin, ordersTopic, lanes);
    await admin.disconnect();
    await Promise.all([rest.close(), gateway.close()]);
  });

  it('submits v2 exactly once when the first worker lost its lock while it lives', async () => {
    const lane = await newOrdersLane(rt, admin, flink, ordersTopic, 'lease');
    lanes.push(lane);
    // The develop runs on an ordinary worker, closed before the deploy.
    const developer = await worker(rt.workflow, SHORT_LOCK);
    let ev = await developShadow(rt, lane, 'C0LEASE');
    await developer.close();

    const held: { at?: number; calls: Promise<unknown>[] } = { calls: [] };
    const a = await worker(
      { ...rt.workflow, flinkFor: (p) => holdingV2Submit(rt.workflow.flinkFor(p), held) },
      { ...SHORT_LOCK, lockRenewMs: 600_000 },
    );
    await rt.service.requestDeploy(lane.pipeline, { id: 'U0OWNER1' });
    await rt.service.decide({
      evolutionId: ev.id,
      shownSqlHash: ev.v2.hash,
      actor: { id: 'U0APPR1' },
      decision: 'approve',
    });
    const jobId = `deploy-${ev.id}`;
    await until('worker A to take the deploy', async () =>
      (await rt.queues.steps.getJobState(jobId)) === 'active' ? true : undefined,
    );
    // Every later start of the job on either worker is a takeover: A's first run never ended.
    const takenOverAt: number[] = [];
    const b = await worker(rt.workflow, SHORT_LOCK);
    for (const w of [a, b])
      w.workers[0]!.on('active', (job) => {
        if (job.id === jobId) takenOverAt.push(Date.now());
      });

    ev = await untilStatus(rt, ev.id, 'LIVE', 300_000);
    expect(held.at, "worker A reached v2's submit").toBeDefined();
    expect(takenOverAt.length, 'worker B was handed the job (A had lost its lock)').toBeGreaterThan(
      0,
    );
    expect(
      takenOverAt[0]!,
      "B was handed the job before A's held submit reached Flink",
    ).toBeLessThan(held.at! + HOLD_SUBMIT_MS);
    // LIVE may come from another runner first: count only once every held submit has reached Flink.
    await Promise.allSettled(held.calls);
    const v2 = (await evolutionJobs(rest, lane.pipeline, ev.id)).v2;
    console.log(
      `[lease] the deploy was handed on ${takenOverAt.length} time(s) while A's first run lived, first ${((takenOverAt[0]! - held.at!) / 1000).toFixed(1)} s after A began its held submit; held v2 submits by A ${held.calls.length}; v2 jobs in /jobs/overview: ${v2.length} [${v2.map((j) => `${j.jid} ${j.state}`).join(', ')}]`,
    );
    expect(
      v2.map((j) => j.state),
      'v2 submitted exactly once',
    ).toEqual(['RUNNING']);
    expect(v2[0]!.jid).toBe(ev.v2JobId);
    await flink.cancel(ev.v2JobId!);
  }, 600_000);
});
