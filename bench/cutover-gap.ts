/**
 * Cutover gap of the whole deploy workflow on the real stack: how long
 * production has no running job (evolution.deploy.cutoverGapMs: v1 stopped
 * with S1 -> v2 RUNNING and restored from S2), and the whole deploy
 * (approval -> LIVE), over full develop -> approve -> deploy runs of a small
 * pipeline driven through the service with in-process workers.
 *
 * Baseline, measured in the same run on the same v1 before each evolution:
 * the plain stop-with-savepoint of v1 and a resubmit of v1 from it, with the
 * Flink clients directly. Its gap (savepoint completed -> RUNNING and
 * restored) is what any savepoint restart costs; the ratio says what the
 * workflow adds on top.
 *
 *   npx tsx bench/cutover-gap.ts       (local stack; EVOLVE_BENCH_RUNS=5)
 *
 * Last line: one JSON object with the figures.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createRuntime, type Runtime } from '../src/app/create-runtime.js';
import { loadConfig } from '../src/config/load-config.js';
import type { Evolution } from '../src/evolution/evolution.js';
import type { EvolutionStatus } from '../src/evolution/evolution-status.js';
import { sqlHash } from '../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../src/flink/flink-adapter.js';
import { FlinkRestClient, newTriggerId } from '../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../src/flink/sql-gateway-client.js';
import { aPipeline } from '../test/support/pipeline-fixture.js';
import { makeOrders, ordersPipelineSql } from '../test/support/orders-pipeline.js';
import { disposeRuntime } from '../test/support/test-runtime.js';
import { benchEndpoints } from './bench-endpoints.js';
import { benchRuns, timedRuns } from './timed-runs.js';

const { brokers, restUrl, gatewayUrl, redisUrl } = benchEndpoints();
const ORDERS = 2_000;
const CUSTOMERS = 200;
const POLL_MS = 100;

const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const ordersTopic = `bench-gap-orders-${suffix}`;

const rest = new FlinkRestClient({ baseUrl: restUrl });
const gateway = new SqlGatewayClient({ baseUrl: gatewayUrl });
const flink = new FlinkAdapter(rest, gateway);
const kafka = new Kafka({ clientId: `bench-${suffix}`, brokers, logLevel: logLevel.NOTHING });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(POLL_MS);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function status(rt: Runtime, id: string, want: EvolutionStatus): Promise<Evolution> {
  return until(`evolution ${id} ${want}`, async () => {
    const ev = await rt.workflow.evolutions.load(id);
    if (['FAILED', 'ROLLED_BACK', 'DEPLOY_FAILED', 'ABORTED'].includes(ev.status))
      throw new Error(`evolution ${id} ended ${ev.status}: ${ev.error?.message}`);
    return ev.status === want ? ev : undefined;
  });
}

interface Baseline {
  /** Stop-with-savepoint call -> restored job RUNNING. */
  totalMs: number;
  /** Savepoint completed (job stopped) -> restored job RUNNING: the gap a plain restart leaves. */
  gapMs: number;
  jobId: string;
}

/** v1 stopped with a savepoint and resubmitted from it, with the clients alone. */
async function baseline(sql: string, name: string, jobId: string): Promise<Baseline> {
  const started = performance.now();
  const location = await flink.stopWithSavepoint(jobId, newTriggerId());
  const stopped = performance.now();
  const next = await flink.submitJob(sql, {
    'pipeline.name': name,
    'execution.savepoint.path': location,
    'execution.savepoint.ignore-unclaimed-state': 'false',
  });
  if ((await flink.waitRunning(next, 120_000)) !== 'RUNNING')
    throw new Error(`baseline job ${next} did not reach RUNNING`);
  const restored = await flink.restoredFrom(next);
  if (restored !== location) throw new Error(`baseline job ${next} restored from ${restored}`);
  const running = performance.now();
  return { totalMs: running - started, gapMs: running - stopped, jobId: next };
}

interface Run {
  gapMs: number;
  deployMs: number;
  baselineGapMs: number;
  baselineTotalMs: number;
}

async function oneRun(rt: Runtime, run: number, jobs: string[], topics: string[]): Promise<Run> {
  const revenue = `bench-gap-revenue-${suffix}-${run}`;
  topics.push(revenue);
  const pipeline = `bench-gap-${suffix}-${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: revenue,
        numPartitions: 2,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
  });
  await admin.disconnect();
  const sql = ordersPipelineSql(ordersTopic, revenue, `${pipeline}-v1`);
  const v1Name = `${pipeline}-v1`;
  const first = await flink.submitJob(sql.v1, { 'pipeline.name': v1Name });
  jobs.push(first);
  if ((await flink.waitRunning(first, 120_000)) !== 'RUNNING')
    throw new Error(`v1 ${first} did not reach RUNNING`);
  // Let v1 take in the orders, so its state is not empty when it is stopped.
  await sleep(3_000);
  const b = await baseline(sql.v1, v1Name, first);
  jobs.push(b.jobId);
  await rt.service.registerFromFile(
    aPipeline({
      name: pipeline,
      flink: { restUrl, gatewayUrl },
      kafka: { outputTopic: revenue, keyFormat: 'json' },
      production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: b.jobId },
    }),
  );
  let ev = await rt.service.develop({
    pipeline,
    sql: sql.v2,
    actor: { id: 'U0OWNER1' },
    channel: 'C0BENCH',
  });
  topics.push(ev.shadow.tempTopic);
  ev = await status(rt, ev.id, 'SHADOW_RUNNING');
  jobs.push(ev.shadow.jobId!);
  await sleep(3_000);
  await rt.service.requestDeploy(pipeline, { id: 'U0OWNER1' });
  const approved = performance.now();
  await rt.service.decide({
    evolutionId: ev.id,
    shownSqlHash: ev.v2.hash,
    actor: { id: 'U0APPR1' },
    decision: 'approve',
  });
  ev = await status(rt, ev.id, 'LIVE');
  const deployMs = performance.now() - approved;
  jobs.push(ev.v2JobId!);
  await flink.cancel(ev.v2JobId!);
  return {
    gapMs: ev.deploy!.cutoverGapMs!,
    deployMs,
    baselineGapMs: b.gapMs,
    baselineTotalMs: b.totalMs,
  };
}

const ms = (n: number) => `${Math.round(n)} ms`.padStart(10);

async function main(): Promise<void> {
  const runs = benchRuns();
  const name = `bench-gap-${suffix}`;
  const rt = await createRuntime(
    loadConfig({
      EVOLVE_REDIS_URL: redisUrl,
      EVOLVE_KAFKA_BROKERS: brokers.join(','),
      EVOLVE_FLINK_REST_URL: restUrl,
      EVOLVE_FLINK_GATEWAY_URL: gatewayUrl,
      EVOLVE_DEPLOY_RUNNING_TIMEOUT_MS: '120000',
    }),
    { namespace: name, keyPrefix: `${name}:` },
  );
  const jobs: string[] = [];
  const topics: string[] = [ordersTopic];
  try {
    await rt.startWorkers({ observeEveryMs: 60_000 });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: ordersTopic, numPartitions: 2 }],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: ordersTopic,
      messages: makeOrders('o', ORDERS, CUSTOMERS).map((o) => ({
        key: o.order_id,
        value: JSON.stringify(o),
      })),
    });
    await producer.disconnect();
    console.log(
      `cutover-gap: ${runs} develop -> approve -> deploy runs, ${ORDERS} orders over ${CUSTOMERS} customers`,
    );
    console.log(
      'run  workflow gap  deploy total   baseline gap  baseline total (stop+savepoint, resubmit)',
    );
    const { each: results, median } = await timedRuns(
      runs,
      (run) => oneRun(rt, run, jobs, topics),
      (run, r) =>
        `${String(run).padStart(3)} ${ms(r.gapMs)}  ${ms(r.deployMs)}   ${ms(r.baselineGapMs)}  ${ms(r.baselineTotalMs)}`,
    );
    const {
      gapMs: gapMedianMs,
      deployMs: deployMedianMs,
      baselineGapMs: baselineGapMedianMs,
      baselineTotalMs: baselineTotalMedianMs,
    } = median;
    const ratio = gapMedianMs / baselineGapMedianMs;
    console.log(
      `median ${ms(gapMedianMs)}  ${ms(deployMedianMs)}   ${ms(baselineGapMedianMs)}  ${ms(baselineTotalMedianMs)}`,
    );
    console.log(`ratio workflow gap / baseline gap: ${ratio.toFixed(2)}`);
    console.log(
      JSON.stringify({
        bench: 'cutover-gap',
        runs,
        orders: ORDERS,
        customers: CUSTOMERS,
        gapMs: results.map((r) => Math.round(r.gapMs)),
        deployMs: results.map((r) => Math.round(r.deployMs)),
        baselineGapMs: results.map((r) => Math.round(r.baselineGapMs)),
        baselineTotalMs: results.map((r) => Math.round(r.baselineTotalMs)),
        gapMedianMs: Math.round(gapMedianMs),
        deployMedianMs: Math.round(deployMedianMs),
        baselineGapMedianMs: Math.round(baselineGapMedianMs),
        baselineTotalMedianMs: Math.round(baselineTotalMedianMs),
        ratio: Number(ratio.toFixed(2)),
      }),
    );
  } finally {
    for (const id of jobs) await flink.cancel(id).catch(() => undefined);
    await disposeRuntime(rt);
    const admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    await admin
      .deleteTopics({ topics: topics.filter((t) => existing.has(t)) })
      .catch(() => undefined);
    await admin.disconnect();
    await Promise.all([rest.close(), gateway.close()]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
