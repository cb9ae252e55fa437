import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaConfig } from '../../src/app/create-runtime.js';
import type { Config } from '../../src/config/load-config.js';
import { isDefinitiveError, isTransientError } from '../../src/errors.js';
import { partitionForKey } from '../../src/kafka/fingerprint.js';
import { KafkaAuthenticationError, KafkaUnreachableError } from '../../src/kafka/kafka-errors.js';
import { PartitionScanner } from '../../src/kafka/partition-scanner.js';
import { openCopyProducer } from '../../src/kafka/send-records-in-order.js';
import { TopicAdmin } from '../../src/kafka/topic-admin.js';
import { createdRegistry } from '../../src/store/redis-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { testPki } from '../support/test-pki.js';
import { uniqueName } from '../support/unique-name.js';
import { BackfillScenario } from './backfill-scenario.js';
import { hex, latestByKey } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';

/**
 * The backfill's own Fetch and Produce requests (src/kafka/wire) ride on
 * kafkajs's connections, which speak TLS and authenticate before the first
 * request that needs it. Production brokers ask for both: this runs the
 * whole engine (index, emission with its tail, verify) against the stack's
 * SASL/PLAIN and TLS listeners, with the client the product builds from
 * EVOLVE_KAFKA_SASL_* and EVOLVE_KAFKA_SSL*, and checks what a user is told
 * when the credentials or the CA are wrong.
 */
const { kafkaSasl, kafkaTls, kind } = stackEndpoints();
// docker-compose.yml's broker has neither listener; the local stack always has both.
const onLocalStack = kind === 'local';

function productKafka(kafka: Partial<Config['kafka']> & { brokers: string[] }): Kafka {
  const config = { kafka: { ssl: false, ...kafka } } as Config;
  return new Kafka({ ...kafkaConfig(config), retry: { retries: 1 } });
}

function saslKafka(password: string): Kafka {
  if (kafkaSasl === undefined)
    throw new Error(noListener('SASL', 'EVOLVE_TEST_KAFKA_SASL_BROKERS'));
  const { brokers, username } = kafkaSasl;
  return productKafka({ brokers, sasl: { mechanism: 'plain', username, password } });
}

function tlsKafka(caFile: string): Kafka {
  if (kafkaTls === undefined) throw new Error(noListener('TLS', 'EVOLVE_TEST_KAFKA_TLS_BROKERS'));
  return productKafka({ brokers: kafkaTls.brokers, ssl: true, sslCaFile: caFile });
}

function noListener(kind: string, variable: string): string {
  return `this stack has no ${kind} listener (${variable} is unset): run the tests on the local stack (npm run stack -- up), whose Kafka listens for SASL/PLAIN on 9094 and TLS on 9095`;
}

const { redis } = useKafkaAndRedis();
const scenarios: BackfillScenario[] = [];
afterEach(async () => {
  for (const s of scenarios.splice(0)) await s.tearDown();
});

/** A two-partition backfill through `kafka`: every key ends right, nothing conflicts. */
async function backfillEveryKeyRight(kafka: Kafka): Promise<void> {
  const s = new BackfillScenario(kafka, redis, 2);
  scenarios.push(s);
  await s.setUp(100_000);
  const keys = 600;
  const { key, expected, planned } = await s.produceThirdChangedTenthGone(keys, (i) =>
    partitionForKey(Buffer.from(`acct-${i}`), 2),
  );
  await s.cutOver();
  const reports = [await s.run(0, { chunkSize: 50 }), await s.run(1, { chunkSize: 50 })];
  expect(reports.reduce((a, r) => a + r.refreshed + r.deleted, 0)).toBe(planned);
  expect(reports.map((r) => r.conflicts)).toEqual([0, 0]);
  const latest = await latestByKey(kafka, s.prodTopic);
  for (let i = 0; i < keys; i++) expect(latest.get(hex(key(i)))?.value, key(i)).toBe(expected(i));
}

/** What the scanner, the copy producer and the topic admin each throw when connecting through `kafka`. */
async function connectFailures(kafka: Kafka): Promise<unknown[]> {
  const admin = new TopicAdmin(kafka, redis, createdRegistry(uniqueName('secured-test')));
  const failures = await Promise.all([
    openCopyProducer(kafka, 'the production topic').then(
      (p) => p.disconnect().then(() => undefined),
      (err: unknown) => err,
    ),
    PartitionScanner.open(kafka, { topic: '__consumer_offsets', partition: 0, from: 0 }).then(
      (sc) => sc.close().then(() => undefined),
      (err: unknown) => err,
    ),
    admin.partitionCount('__consumer_offsets').then(
      () => undefined,
      (err: unknown) => err,
    ),
  ]);
  await admin.close().catch(() => undefined);
  return failures;
}

describe.runIf(onLocalStack)('the backfill over SASL/PLAIN', () => {
  it('reads, writes and verifies through an authenticated listener, every key right', async () => {
    await backfillEveryKeyRight(saslKafka(kafkaSasl?.password ?? ''));
  });

  it('a wrong password is KAFKA_AUTH_FAILED at once, definitive, naming what to fix and never the password', async () => {
    const wrong = 'not-the-password-7f3a';
    for (const err of await connectFailures(saslKafka(wrong))) {
      expect(err).toBeInstanceOf(KafkaAuthenticationError);
      // Not waited out as an outage: the same password is refused the same way.
      expect(isDefinitiveError(err)).toBe(true);
      const message = (err as Error).message;
      expect(message).toMatch(
        /^Kafka refused flink-evolve's credentials while .*authentication failed/i,
      );
      expect(message).toContain('EVOLVE_KAFKA_SASL_USERNAME');
      expect(message).not.toContain(wrong);
    }
  });
});

describe.runIf(onLocalStack)('the backfill over TLS', () => {
  it('reads, writes and verifies through a TLS listener of a private CA, every key right', async () => {
    await backfillEveryKeyRight(tlsKafka(kafkaTls?.caFile ?? ''));
  });

  it('a CA that did not sign the brokers is told as a TLS handshake to fix with EVOLVE_KAFKA_SSL_CA_FILE', async () => {
    const pki = testPki();
    try {
      for (const err of await connectFailures(tlsKafka(pki.caFile))) {
        expect(err).toBeInstanceOf(KafkaUnreachableError);
        // Like Flink's: a CA may be rotated on the brokers' side, so it is waited out, not definitive.
        expect(isTransientError(err)).toBe(true);
        expect((err as Error).message).toMatch(
          /^The TLS handshake with Kafka failed while .* \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)\. .*EVOLVE_KAFKA_SSL_CA_FILE/,
        );
      }
    } finally {
      pki.dispose();
    }
  });
});
