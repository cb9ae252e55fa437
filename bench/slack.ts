// Ack latency of /evolve under load: 200 concurrent signed slash commands to
// the real Bolt HTTP receiver of `evolve all` (bot + worker in one process)
// while that process runs a throttled backfill partition. Baseline, measured
// in the same run: the same 200 signed requests to a bare node:http server
// that checks the signature and answers 200 (the least an ack can cost).
// `npx tsx bench/slack.ts [--commands=200] [--keys=40000]`; needs the local stack.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startSlackBot } from '../src/app/start-slack-bot.js';
import { loadConfig } from '../src/config/load-config.js';
import { sqlHash } from '../src/evolution/sql-hash.js';
import { BackfillCheckpoints } from '../src/kafka/backfill-checkpoint.js';
import { runBackfillPartition } from '../src/kafka/run-backfill-partition.js';
import { TokenBucket } from '../src/kafka/token-bucket.js';
import { FakeSlackApi, signSlackRequest, slashCommandBody } from '../src/slack-fake/index.js';
import { checkpointKeys } from '../src/store/redis-keys.js';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const arg = (name: string, fallback: number): number =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const COMMANDS = arg('commands', 200);
const KEYS = arg('keys', 40_000);
const BROKERS = process.env.EVOLVE_KAFKA_BROKERS ?? '127.0.0.1:9092';
const run = `bench-slack-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const secret = randomBytes(16).toString('hex');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Fires all requests at once from a separate process (bench/slack-storm.ts),
 * so the client's own work never shares the event loop it measures; returns
 * each one's time to the HTTP response, in ms, sorted.
 */
async function storm(url: string, bodies: string[]): Promise<number[]> {
  const requests = bodies.map((body) => ({ body, headers: signSlackRequest(body, secret) }));
  const child = spawn(
    process.execPath,
    [tsxCli, fileURLToPath(new URL('./slack-storm.ts', import.meta.url))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  child.stdin.end(JSON.stringify({ url, requests }));
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => (out += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`storm client exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as number[];
}

/**
 * Server-side ack time of every request: from the request's headers parsed
 * (Node's 'request' event, before any handler) to the response written. It
 * leaves out the client's own queueing and the kernel's accept queue, so it
 * is the part of an ack our process decides.
 */
function timeRequests(server: Server): { times: number[]; stop: () => void } {
  const times: number[] = [];
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    res.once('finish', () => times.push(performance.now() - t0));
  };
  server.prependListener('request', onRequest);
  return { times, stop: () => server.off('request', onRequest) };
}

async function bareServer(): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const ts = String(req.headers['x-slack-request-timestamp']);
      const mac = createHmac('sha256', secret)
        .update(`v0:${ts}:${Buffer.concat(chunks).toString()}`)
        .digest('hex');
      res.statusCode = req.headers['x-slack-signature'] === `v0=${mac}` ? 200 : 401;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    server,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const kafka = new Kafka({
  clientId: 'bench-slack',
  brokers: BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const prod = `${run}-prod`;
const temp = `${prod}.evolve.ev-bench`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  waitForLeaders: true,
  topics: [prod, temp].map((topic) => ({ topic, numPartitions: 1 })),
});
const producer = kafka.producer();
await producer.connect();
for (let i = 0; i < KEYS; i += 5_000) {
  const keys = Array.from({ length: Math.min(5_000, KEYS - i) }, (_, j) => `k${i + j}`);
  await producer.send({
    topic: prod,
    messages: keys.map((k) => ({ key: k, value: `v1-${k}`, partition: 0 })),
  });
  await producer.send({
    topic: temp,
    messages: keys.map((k) => ({ key: k, value: `v2-${k}`, partition: 0 })),
  });
}
await producer.disconnect();

const fake = new FakeSlackApi({ botToken: 'xoxb-bench' });
const apiUrl = await fake.start();
const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as AddressInfo).port;
    s.close(() => resolve(p));
  });
});
const config = loadConfig({
  ...process.env,
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_SIGNING_SECRET: secret,
  EVOLVE_SLACK_MODE: 'http',
  EVOLVE_SLACK_API_URL: apiUrl,
  EVOLVE_PORT: String(port),
  EVOLVE_REDIS_PREFIX: `${run}:`,
  EVOLVE_QUEUE_NAMESPACE: run,
});
const proc = await startSlackBot(config);
const workers = await proc.runtime.startWorkers();
const pipeline = 'bench';
await proc.runtime.service.registerFromFile({
  name: pipeline,
  flink: { restUrl: config.flink.restUrl, gatewayUrl: config.flink.gatewayUrl },
  kafka: { outputTopic: prod, keyFormat: 'raw' },
  production: {
    sql: 'INSERT INTO t SELECT 1',
    sqlHash: sqlHash('INSERT INTO t SELECT 1'),
    flinkJobId: '0'.repeat(32),
  },
  owners: ['U0BENCH'],
  approvers: ['U0BENCH2'],
  allowSelfApproval: false,
  approvalTtlMs: 3_600_000,
  shadowStartupMode: 'earliest-offset',
  backfill: { rate: 5_000, mode: 'full' },
});

// The backfill runs in this process, as in `evolve all`, throttled like a real one.
const bucket = new TokenBucket(proc.runtime.redis, `${run}:bucket`);
await bucket.configure({ rate: 5_000 });
let emitted = 0;
const backfill = runBackfillPartition(
  {
    kafka,
    admin: proc.runtime.admin,
    bucket,
    checkpoints: new BackfillCheckpoints(proc.runtime.redis, checkpointKeys(`${run}:cp`)),
  },
  {
    runId: run,
    prodTopic: prod,
    tempTopic: temp,
    partition: 0,
    cutover: Number.MAX_SAFE_INTEGER,
    partitions: 1,
    onProgress: (e) => (emitted = e.phase === 'emit' ? e.done : emitted),
  },
);
while (emitted === 0) await new Promise((r) => setTimeout(r, 100));

const bodies = (verb: string) =>
  Array.from({ length: COMMANDS }, (_, i) =>
    slashCommandBody({
      text: `${verb} ${pipeline}`,
      userId: `U0BENCH${i % 7}`,
      channelId: 'C0BENCH',
      responseUrl: fake.createResponseUrl({ channel: 'C0BENCH' }),
    }),
  );
const oursTimer = timeRequests(proc.httpServer!);
const ours = await storm(`http://127.0.0.1:${port}/slack/events`, bodies('status'));
oursTimer.stop();
const emittedDuring = emitted;
const bare = await bareServer();
const bareTimer = timeRequests(bare.server);
const base = await storm(bare.url, bodies('status'));
bareTimer.stop();
await bare.close();
const oursServer = oursTimer.times.sort((a, b) => a - b);
const baseServer = bareTimer.times.sort((a, b) => a - b);
const report = await backfill;

const fig = (t: number[]) => ({
  p50: Math.round(percentile(t, 50) * 10) / 10,
  p99: Math.round(percentile(t, 99) * 10) / 10,
  max: Math.round(t.at(-1)! * 10) / 10,
});
const o = fig(ours);
const b = fig(base);
const os = fig(oursServer);
const bs = fig(baseServer);
const row = (name: string, f: ReturnType<typeof fig>) =>
  `${name.padEnd(34)}${String(f.p50).padStart(8)}  ${String(f.p99).padStart(8)}  ${String(f.max).padStart(8)}`;
console.log(
  `\n${COMMANDS} concurrent signed /evolve status commands, during a backfill at 5000 records/s`,
);
console.log(`${''.padEnd(34)}  p50 ms    p99 ms    max ms`);
console.log(row('evolve bot, in the server', os));
console.log(row('baseline (bare http), in the server', bs));
console.log(row('evolve bot, seen by the client', o));
console.log(row('baseline, seen by the client', b));
console.log(
  `ratio p99 ours/baseline: in the server ${(os.p99 / bs.p99).toFixed(2)}, seen by the client ${(o.p99 / b.p99).toFixed(2)}`,
);
console.log(
  `goal p99 < 100 ms: in the server ${os.p99 < 100 ? 'met' : 'NOT met'}; seen by the client ${o.p99 < 100 ? 'met' : 'NOT met'} (the client's own 200 connections cost the bare baseline ${b.p99} ms)`,
);
console.log(
  `backfill emitted ${emittedDuring} records before the storm ended; final: ${report.refreshed} refreshed`,
);

await workers.close();
await proc.stop();
await fake.stop();
await admin.deleteTopics({ topics: [prod, temp] });
await admin.disconnect();
console.log(
  JSON.stringify({
    commands: COMMANDS,
    serverAckP50Ms: os.p50,
    serverAckP99Ms: os.p99,
    serverBaselineP99Ms: bs.p99,
    serverRatioP99: Math.round((os.p99 / bs.p99) * 100) / 100,
    ackP50Ms: o.p50,
    ackP99Ms: o.p99,
    ackMaxMs: o.max,
    baselineP50Ms: b.p50,
    baselineP99Ms: b.p99,
    ratioP99: Math.round((o.p99 / b.p99) * 100) / 100,
    goalP99MetInServer: os.p99 < 100,
    goalP99Met: o.p99 < 100,
    backfillRate: 5000,
  }),
);
process.exit(0);
