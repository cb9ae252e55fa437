import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { stackConfig } from '../../stack/stack-config.js';
import { kafkaReady } from '../../stack/kafka-node.js';
import { redisPing } from '../../stack/redis-server.js';
import { httpJson } from '../../stack/wait-until.js';
import { startContainerStack, type ContainerStack } from './container-stack.js';
import { flinkSavepointDir } from './flink-savepoint-dir.js';
import { freeSlotsProblem, SLOTS_THE_TESTS_NEED } from './flink-free-slots.js';

// Integration tests run against a real stack: the local one started by
// `npm run stack -- up` (the default, and the only one on hosts without a
// Docker engine), or containers when EVOLVE_TEST_STACK=testcontainers and a
// Docker engine answers. Either way the suite prints which one it ran on.
let containers: ContainerStack | undefined;

export async function setup(): Promise<void> {
  if (process.env.EVOLVE_TEST_STACK === 'testcontainers') {
    containers = await startContainerStack();
    if (containers) {
      Object.assign(process.env, containers.env);
      console.log(`[stack] integration tests run on: testcontainers (${containers.describe})`);
      return;
    }
    console.log(
      '[stack] EVOLVE_TEST_STACK=testcontainers but no Docker engine answers; using the local stack',
    );
  }
  const cfg = stackConfig();
  const missing: string[] = [];
  if (!(await redisPing(cfg.redis.port))) missing.push(`Redis on 127.0.0.1:${cfg.redis.port}`);
  if (!(await kafkaReady(cfg.kafka.port).catch(() => undefined)))
    missing.push(`Kafka on 127.0.0.1:${cfg.kafka.port}`);
  if (!(await httpJson(`http://127.0.0.1:${cfg.flink.restPort}/overview`).catch(() => undefined))) {
    missing.push(`Flink REST on 127.0.0.1:${cfg.flink.restPort}`);
  }
  if (
    !(await httpJson(`http://127.0.0.1:${cfg.flink.gatewayPort}/v1/info`).catch(() => undefined))
  ) {
    missing.push(`Flink SQL Gateway on 127.0.0.1:${cfg.flink.gatewayPort}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `The integration tests need the local stack; not answering: ${missing.join(', ')}. Start it with: npm run stack -- up`,
    );
  }
  const restUrl = `http://127.0.0.1:${cfg.flink.restPort}`;
  const slots = await freeSlotsProblem(restUrl, slotsNeeded());
  if (slots) throw new Error(slots);
  process.env.EVOLVE_TEST_STACK_KIND = 'local';
  process.env.EVOLVE_TEST_KAFKA_BROKERS = `127.0.0.1:${cfg.kafka.port}`;
  process.env.EVOLVE_TEST_KAFKA_SASL_BROKERS = `127.0.0.1:${cfg.kafka.sasl.port}`;
  process.env.EVOLVE_TEST_KAFKA_SASL_USERNAME = cfg.kafka.sasl.username;
  process.env.EVOLVE_TEST_KAFKA_SASL_PASSWORD = cfg.kafka.sasl.password;
  process.env.EVOLVE_TEST_KAFKA_TLS_BROKERS = `127.0.0.1:${cfg.kafka.tls.port}`;
  process.env.EVOLVE_TEST_KAFKA_TLS_CA_FILE = cfg.kafka.tls.caFile;
  process.env.EVOLVE_TEST_FLINK_REST_URL = `http://127.0.0.1:${cfg.flink.restPort}`;
  process.env.EVOLVE_TEST_FLINK_GATEWAY_URL = `http://127.0.0.1:${cfg.flink.gatewayPort}`;
  process.env.EVOLVE_TEST_REDIS_URL = `redis://127.0.0.1:${cfg.redis.port}`;
  // Flink says where it writes savepoints: the stack on these ports may come from another checkout.
  const savepointDir =
    (await flinkSavepointDir(restUrl)) ?? pathToFileURL(join(cfg.dir, 'flink', 'savepoints')).href;
  process.env.EVOLVE_TEST_SAVEPOINT_DIR = savepointDir;
  console.log(
    `[stack] integration tests run on: local stack (${cfg.dir}); Flink writes savepoints to ${savepointDir}`,
  );
}

/**
 * EVOLVE_TEST_FLINK_SLOTS lowers the check for a run of one file that
 * needs fewer slots, on a stack others use at the same time.
 */
function slotsNeeded(): number {
  const raw = process.env.EVOLVE_TEST_FLINK_SLOTS;
  if (raw === undefined || raw === '') return SLOTS_THE_TESTS_NEED;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(
      `EVOLVE_TEST_FLINK_SLOTS=${raw} is not a number of task slots; use a whole number (default ${SLOTS_THE_TESTS_NEED}) or unset it.`,
    );
  }
  return n;
}

export async function teardown(): Promise<void> {
  await containers?.stop();
}
