/**
 * Cutover cost on a real Flink: the time from stop-with-savepoint of a
 * running job to a job restored from that savepoint RUNNING (all tasks
 * running, and `latest.restored.external_path` equal to the savepoint),
 * against a baseline measured in the same run: cancel + fresh submit of the
 * same job without a savepoint, to all tasks running. Runs alternate
 * (cutover, baseline, cutover, ...) so that load from other jobs on the
 * cluster hits both alike.
 *
 *   npx tsx bench/flink-cutover.ts          (local stack; EVOLVE_BENCH_RUNS=5)
 *
 * Last line: one JSON object with the figures.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { FlinkRestClient, newTriggerId } from '../src/flink/flink-rest-client.js';
import { subtasksRunning } from '../src/flink/flink-rest-schemas.js';
import { SqlGatewayClient, type ExecutionConfig } from '../src/flink/sql-gateway-client.js';
import { benchEndpoints } from './bench-endpoints.js';
import { benchRuns, timedRuns } from './timed-runs.js';

const { brokers, restUrl, gatewayUrl } = benchEndpoints();
const keys = 2_000;
const records = 20_000;
const POLL_MS = 100;

const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const input = `bench-cutover-in-${suffix}`;
const output = `bench-cutover-out-${suffix}`;
const group = `bench-cutover-${suffix}`;

const rest = new FlinkRestClient({ baseUrl: restUrl });
const gateway = new SqlGatewayClient({ baseUrl: gatewayUrl });
const kafka = new Kafka({ clientId: `bench-${suffix}`, brokers, logLevel: logLevel.NOTHING });

function script(): string[] {
  const servers = brokers.join(',');
  return [
    `CREATE TABLE orders (customer_id STRING, amount INT) WITH ('connector' = 'kafka', 'topic' = '${input}',
      'properties.bootstrap.servers' = '${servers}', 'properties.group.id' = '${group}',
      'scan.startup.mode' = 'earliest-offset', 'format' = 'json')`,
    `CREATE TABLE totals (customer_id STRING, total INT, cnt BIGINT, PRIMARY KEY (customer_id) NOT ENFORCED)
      WITH ('connector' = 'upsert-kafka', 'topic' = '${output}', 'properties.bootstrap.servers' = '${servers}',
      'key.format' = 'json', 'value.format' = 'json')`,
    'INSERT INTO totals SELECT customer_id, SUM(amount), COUNT(*) FROM orders GROUP BY customer_id',
  ];
}

function config(extra: ExecutionConfig = {}): ExecutionConfig {
  return { 'pipeline.name': `bench/cutover/${suffix}`, 'parallelism.default': '1', ...extra };
}

/** From the live overview: the job details (GET /jobs/:jobid) lag up to 3 s behind (web.refresh-interval). */
async function untilAllTasksRunning(jobId: string): Promise<void> {
  for (;;) {
    const job = await rest.getJobOverview(jobId);
    if (['FAILED', 'CANCELED', 'FINISHED'].includes(job.state))
      throw new Error(`job ${jobId} ended ${job.state}`);
    if (job.state === 'RUNNING' && subtasksRunning(job)) return;
    await sleep(POLL_MS);
  }
}

async function untilRestoredFrom(jobId: string, location: string): Promise<void> {
  for (;;) {
    const restored = await rest.latestRestoredPath(jobId);
    if (restored === location) return;
    if (restored !== undefined)
      throw new Error(`job ${jobId} restored from ${restored}, not ${location}`);
    await sleep(POLL_MS);
  }
}

interface Cutover {
  totalMs: number;
  savepointMs: number;
  /** Submit of the restored job until all its tasks run. */
  restartMs: number;
  /** Until the checkpoint statistics name the savepoint (the REST server caches them for a few seconds). */
  confirmMs: number;
  jobId: string;
  location: string;
}

async function cutover(jobId: string): Promise<Cutover> {
  const started = performance.now();
  const triggerId = await rest.stopWithSavepoint(jobId, { triggerId: newTriggerId() });
  const { location } = await rest.waitForSavepoint(jobId, triggerId, {
    operation: 'stop-with-savepoint',
    pollIntervalMs: POLL_MS,
  });
  const savepointDone = performance.now();
  const next = await gateway.submitScript(
    script(),
    config({
      'execution.savepoint.path': location,
      'execution.savepoint.ignore-unclaimed-state': 'false',
    }),
  );
  await untilAllTasksRunning(next.jobId);
  const running = performance.now();
  await untilRestoredFrom(next.jobId, location);
  const done = performance.now();
  return {
    totalMs: done - started,
    savepointMs: savepointDone - started,
    restartMs: running - savepointDone,
    confirmMs: done - running,
    jobId: next.jobId,
    location,
  };
}

async function baseline(jobId: string): Promise<{ totalMs: number; jobId: string }> {
  const started = performance.now();
  await rest.cancelJob(jobId);
  await rest.waitForJobState(jobId, ['CANCELED'], { pollIntervalMs: POLL_MS });
  const next = await gateway.submitScript(script(), config());
  await untilAllTasksRunning(next.jobId);
  return { totalMs: performance.now() - started, jobId: next.jobId };
}

const ms = (n: number) => `${Math.round(n)} ms`.padStart(9);

async function main(): Promise<void> {
  const runs = benchRuns();
  const admin = kafka.admin();
  await admin.connect();
  const savepoints: string[] = [];
  let jobId: string | undefined;
  try {
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: output, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < records; i += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) => ({
        value: JSON.stringify({ customer_id: `c${(i + j) % keys}`, amount: (i + j) % 97 }),
      }));
      await producer.send({ topic: input, messages: batch });
    }
    await producer.disconnect();

    jobId = (await gateway.submitScript(script(), config())).jobId;
    await untilAllTasksRunning(jobId);
    console.log(
      `flink-cutover: ${records} orders over ${keys} keys, ${runs} runs each, parallelism 1`,
    );
    console.log(
      'run   cutover (savepoint + to running + confirmed)   baseline (cancel + fresh submit)',
    );

    // Alternating, on the job the previous step left running: both see the same cluster load.
    const { each, median } = await timedRuns(
      runs,
      async () => {
        const c = await cutover(jobId!);
        jobId = c.jobId;
        savepoints.push(c.location);
        const b = await baseline(jobId);
        jobId = b.jobId;
        const { totalMs, savepointMs, restartMs, confirmMs } = c;
        return { cutoverMs: totalMs, savepointMs, restartMs, confirmMs, baselineMs: b.totalMs };
      },
      (run, f) =>
        `${String(run).padStart(3)} ${ms(f.cutoverMs)} (${[f.savepointMs, f.restartMs, f.confirmMs].map((n) => ms(n).trim()).join(' + ')})    ${ms(f.baselineMs)}`,
    );
    const cutoverMedianMs = median.cutoverMs;
    const baselineMedianMs = median.baselineMs;
    const ratio = cutoverMedianMs / baselineMedianMs;
    console.log(`median ${ms(cutoverMedianMs)}${' '.repeat(36)}${ms(baselineMedianMs)}`);
    console.log(`ratio cutover/baseline: ${ratio.toFixed(2)}`);
    console.log(
      JSON.stringify({
        bench: 'flink-cutover',
        runs,
        records,
        keys,
        cutoverMs: each.map((f) => Math.round(f.cutoverMs)),
        baselineMs: each.map((f) => Math.round(f.baselineMs)),
        cutoverMedianMs: Math.round(cutoverMedianMs),
        baselineMedianMs: Math.round(baselineMedianMs),
        ratio: Number(ratio.toFixed(3)),
      }),
    );
  } finally {
    if (jobId) await rest.cancelJob(jobId).catch(() => undefined);
    for (const location of savepoints) await rest.disposeSavepoint(location).catch(() => undefined);
    await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect();
    await rest.close();
    await gateway.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
