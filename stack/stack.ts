// The local stack launcher: `npm run stack -- up|down|status|logs [name]`.
// Starts Redis, a KRaft Kafka broker, a Flink session cluster and the Flink
// SQL Gateway as plain processes on 127.0.0.1, from Maven Central jars.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { stackConfig, type StackConfig } from './stack-config.js';
import { ProcessRegistry } from './process-registry.js';
import { startRedis, redisPing } from './redis-server.js';
import { kafkaReady, startKafka } from './kafka-node.js';
import { startFlink } from './flink-cluster.js';
import { httpJson } from './wait-until.js';
import { runningVersions, versionMismatches } from './running-versions.js';

const COMPONENTS = [
  'redis',
  'kafka',
  'flink-jobmanager',
  'flink-taskmanager',
  'flink-sql-gateway',
] as const;

const cfg = loadConfig();
const procs = new ProcessRegistry(cfg.runDir, cfg.logDir);
const log = (line: string) => console.log(`[stack] ${line}`);

/** A bad EVOLVE_STACK_* variable is a one-line message, not a stack trace. */
function loadConfig(): StackConfig {
  try {
    return stackConfig();
  } catch (err) {
    console.error(`[stack] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}

function rssMiB(pid: number | undefined): string {
  if (pid === undefined) return '-';
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? `${Math.round(Number(m[1]) / 1024)} MiB` : '-';
  } catch {
    return '-';
  }
}

async function health(): Promise<Record<(typeof COMPONENTS)[number], boolean>> {
  const ok = async (p: Promise<unknown>) =>
    p.then(
      () => true,
      () => false,
    );
  // Handled at once: it settles while Redis and Kafka are asked, and a
  // rejection nobody listens to yet would end the process (stack status
  // crashed with a trace when Flink was down).
  const overview = httpJson(`http://127.0.0.1:${cfg.flink.restPort}/overview`).then(
    (o) => o as { taskmanagers?: number },
    () => undefined,
  );
  return {
    redis: await redisPing(cfg.redis.port),
    kafka: await ok(
      kafkaReady(cfg.kafka.port).then((r) => r ?? Promise.reject(new Error('not ready'))),
    ),
    'flink-jobmanager': (await overview) !== undefined,
    'flink-taskmanager': ((await overview)?.taskmanagers ?? 0) > 0,
    'flink-sql-gateway': await ok(httpJson(`http://127.0.0.1:${cfg.flink.gatewayPort}/v1/info`)),
  };
}

function endpoints(): string[] {
  return [
    `redis          redis://127.0.0.1:${cfg.redis.port}`,
    `kafka          127.0.0.1:${cfg.kafka.port}`,
    `kafka sasl     127.0.0.1:${cfg.kafka.sasl.port} (SASL/PLAIN, user ${cfg.kafka.sasl.username})`,
    `kafka tls      127.0.0.1:${cfg.kafka.tls.port} (CA ${cfg.kafka.tls.caFile})`,
    `flink rest     http://127.0.0.1:${cfg.flink.restPort}`,
    `flink gateway  http://127.0.0.1:${cfg.flink.gatewayPort}`,
    `state & logs   ${cfg.dir}`,
  ];
}

async function up(): Promise<void> {
  const t0 = Date.now();
  const timings: string[] = [];
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const s = Date.now();
    const r = await f();
    timings.push(`${name} ${((Date.now() - s) / 1000).toFixed(1)}s`);
    return r;
  };
  // Before anything starts: `up` reuses what answers on its ports, and a
  // cluster of another release would run the tests on the wrong version.
  const mismatches = versionMismatches(
    cfg,
    await runningVersions(cfg, procs.pid('kafka') !== undefined),
  );
  if (mismatches.length > 0) {
    throw new Error(
      `${mismatches.join('; ')}. Stop that stack (npm run stack -- down, with its EVOLVE_STACK_DIR and ports) or start this one on other ports and another EVOLVE_STACK_DIR.`,
    );
  }
  const redis = await timed('redis', () => startRedis(cfg, procs, log));
  log(`redis: ${redis === 'external' ? 'reusing the Redis already running' : redis}`);
  const kafka = await timed('kafka', () => startKafka(cfg, procs, log));
  log(`kafka: ${kafka === 'external' ? 'reusing the broker already running' : kafka}`);
  const flink = await timed('flink', () => startFlink(cfg, procs, log));
  log(
    `flink: ${flink[0] === 'external' ? 'reusing the cluster already running' : flink.length > 0 ? `started ${flink.join(', ')}` : 'running'}`,
  );
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${timings.join(', ')})`);
  for (const e of endpoints()) log(e);
  for (const line of await versionLines()) log(line);
}

async function versionLines(): Promise<string[]> {
  const want = cfg.versions;
  const have = await runningVersions(cfg, procs.pid('kafka') !== undefined);
  const shown = (v: string | undefined, fallback: string) => v ?? fallback;
  return [
    `flink version  ${shown(have.flink, 'down')} (gateway ${shown(have.gateway, 'down')}; asked ${want.flink}, kafka connector ${want.flinkKafkaConnector})`,
    `kafka version  ${shown(have.kafka, 'not started by this stack')} (asked ${want.kafka})`,
  ];
}

async function down(purge: boolean): Promise<void> {
  for (const name of [...COMPONENTS].reverse()) {
    if (await procs.stop(name)) log(`stopped ${name}`);
  }
  if (purge) {
    for (const d of ['kafka', 'flink', 'redis'])
      rmSync(`${cfg.dir}/${d}`, { recursive: true, force: true });
    log('removed Kafka data, Flink savepoints/checkpoints and Redis files (jars and logs kept)');
  }
}

async function status(): Promise<boolean> {
  const h = await health();
  console.log('component          state     owner     pid      rss');
  for (const name of COMPONENTS) {
    const pid = procs.pid(name);
    const owner = pid !== undefined ? 'stack' : h[name] ? 'external' : '-';
    console.log(
      `${name.padEnd(18)} ${(h[name] ? 'up' : 'down').padEnd(9)} ${owner.padEnd(9)} ${String(pid ?? '-').padEnd(8)} ${rssMiB(pid)}`,
    );
  }
  for (const e of endpoints()) console.log(e);
  for (const line of await versionLines()) console.log(line);
  return Object.values(h).every(Boolean);
}

function logs(name: string | undefined, lines: number): void {
  const names = name ? [name] : [...COMPONENTS];
  for (const n of names) {
    const file = procs.logFile(n);
    if (!existsSync(file)) {
      if (name) console.log(`no log for ${n}; components: ${COMPONENTS.join(', ')}`);
      continue;
    }
    console.log(`==> ${file} <==`);
    console.log(readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'));
  }
}

const [verb, ...rest] = process.argv.slice(2);
try {
  switch (verb) {
    case 'up':
      await up();
      break;
    case 'down':
      await down(rest.includes('--purge'));
      break;
    case 'status':
      process.exitCode = (await status()) ? 0 : 1;
      break;
    case 'logs':
      logs(
        rest.find((a) => !a.startsWith('-')),
        Number(rest.find((a) => a.startsWith('--lines='))?.slice(8) ?? 60),
      );
      break;
    default:
      console.error(
        'usage: npm run stack -- up | down [--purge] | status | logs [component] [--lines=N]',
      );
      process.exitCode = 2;
  }
} catch (err) {
  console.error(`[stack] ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
