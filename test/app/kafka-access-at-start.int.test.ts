import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvolve } from '../support/evolve-cli.js';
import { freePort } from '../support/free-port.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { WorkerChild } from '../support/worker-child.js';

/**
 * A worker or bot started with settings Kafka refuses stops at once with
 * what to fix, before it takes any step: it used to take develop steps and
 * fail those evolutions (KAFKA_AUTH_FAILED) while a correctly configured
 * worker stood by. Kafka not answering at start is said and let through:
 * brokers may come up after the workers. Each process is started as users
 * start it (node bin/evolve.mjs), against the local stack's SASL/PLAIN and
 * TLS listeners.
 */
const e = stackEndpoints();
const run = uniqueName('kafkastart');
const WRONG_PASSWORD = `wrong-${run}`;
let redis: Redis;
let steps: Queue;

/** What every process gets: its own Redis prefix and queues, the stack's Flink. */
const base = (): Record<string, string> => ({
  EVOLVE_REDIS_URL: e.redisUrl,
  EVOLVE_REDIS_PREFIX: `${run}:`,
  EVOLVE_QUEUE_NAMESPACE: run,
  EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
  EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
  EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
  EVOLVE_LOG_LEVEL: 'warn',
});

const wrongPassword = (): Record<string, string> => ({
  EVOLVE_KAFKA_BROKERS: e.kafkaSasl!.brokers.join(','),
  EVOLVE_KAFKA_SASL_MECHANISM: 'plain',
  EVOLVE_KAFKA_SASL_USERNAME: e.kafkaSasl!.username,
  EVOLVE_KAFKA_SASL_PASSWORD: WRONG_PASSWORD,
});

describe.runIf(e.kind === 'local')('Kafka checked when a worker or the bot starts', () => {
  beforeAll(() => {
    redis = new Redis(e.redisUrl);
    steps = new Queue(`${run}-steps`, { connection: redis.duplicate() });
  });

  afterAll(async () => {
    await steps?.close();
    if (redis) {
      await deleteKeysWithPrefix(redis, `${run}:`);
      await deleteKeysWithPrefix(redis, `bull:${run}-`);
      await redis.quit();
    }
  });

  it('a worker whose password Kafka refuses exits 1 saying what to fix, never the password, and takes no work', async () => {
    const { code, out } = await runEvolve(['worker'], { ...base(), ...wrongPassword() });
    expect(code).toBe(1);
    expect(out).toContain(
      "evolve: Kafka refused flink-evolve's credentials while checking the connection before taking any work (SASL PLAIN authentication failed: Authentication failed: Invalid username or password). Check EVOLVE_KAFKA_SASL_MECHANISM, EVOLVE_KAFKA_SASL_USERNAME and EVOLVE_KAFKA_SASL_PASSWORD",
    );
    expect(out).not.toContain(WRONG_PASSWORD);
    expect(await steps.getWorkersCount()).toBe(0);
  });

  it('the bot refused the same way stops before it answers Slack', async () => {
    const { code, out } = await runEvolve(['bot'], {
      ...base(),
      ...wrongPassword(),
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_PORT: String(await freePort()),
      SLACK_BOT_TOKEN: 'xoxb-kafka-start-test',
      SLACK_SIGNING_SECRET: 'kafka-start-test-secret',
    });
    expect(code).toBe(1);
    expect(out).toContain("evolve: Kafka refused flink-evolve's credentials");
    expect(out).not.toContain(WRONG_PASSWORD);
  });

  it("a worker that does not trust the brokers' certificate exits 1 naming EVOLVE_KAFKA_SSL_CA_FILE", async () => {
    // No CA file: Node's public CAs did not sign the stack's own.
    const { code, out } = await runEvolve(['worker'], {
      ...base(),
      EVOLVE_KAFKA_BROKERS: e.kafkaTls!.brokers.join(','),
      EVOLVE_KAFKA_SSL: 'true',
    });
    expect(code).toBe(1);
    expect(out).toMatch(
      /evolve: The TLS handshake with Kafka failed while checking the connection before taking any work \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)\. .*EVOLVE_KAFKA_SSL_CA_FILE/,
    );
    expect(await steps.getWorkersCount()).toBe(0);
  });

  it('a worker that Kafka does not answer starts anyway and says so', async () => {
    const nobody = `127.0.0.1:${await freePort()}`;
    const worker = await WorkerChild.start(
      'unanswered',
      { ...base(), EVOLVE_KAFKA_BROKERS: nobody },
      async () => (await steps.getWorkersCount()) > 0,
    );
    try {
      expect(worker.output.join('\n')).toContain(`Kafka did not answer at ${nobody} (`);
    } finally {
      await worker.terminate();
    }
  });
});
