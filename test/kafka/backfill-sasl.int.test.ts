import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaConfig } from '../../src/app/create-runtime.js';
import type { Config } from '../../src/config/load-config.js';
import { partitionForKey } from '../../src/kafka/fingerprint.js';
import { isDefinitiveError } from '../../src/errors.js';
import { KafkaAuthenticationError } from '../../src/kafka/kafka-errors.js';
import { PartitionScanner } from '../../src/kafka/partition-scanner.js';
import { openCopyProducer } from '../../src/kafka/send-records-in-order.js';
import { TopicAdmin } from '../../src/kafka/topic-admin.js';
import { createdRegistry } from '../../src/store/redis-keys.js';
import { uniqueName } from '../support/unique-name.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { BackfillScenario } from './backfill-scenario.js';
import { hex, latestByKey } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';

/**
 * The backfill's own Fetch and Produce requests (src/kafka/wire) ride on
 * kafkajs's connections, which authenticate before the first request that
 * needs it. Production brokers ask for SASL: this runs the whole engine
 * (index, emission with its tail, verify) against the stack's SASL/PLAIN
 * listener, with the client the product builds from EVOLVE_KAFKA_SASL_*.
 */
const sasl = stackEndpoints().kafkaSasl;

function saslKafka(password: string): Kafka {
  if (sasl === undefined)
    throw new Error(
      'this stack has no SASL listener (EVOLVE_TEST_KAFKA_SASL_BROKERS is unset): run the tests on the local stack (npm run stack -- up), whose Kafka listens for SASL/PLAIN on port 9094',
    );
  const config = {
    kafka: {
      brokers: sasl.brokers,
      ssl: false,
      sasl: { mechanism: 'plain', username: sasl.username, password },
    },
  } as unknown as Config;
  return new Kafka({ ...kafkaConfig(config), retry: { retries: 1 } });
}

const { redis } = useKafkaAndRedis();
const scenarios: BackfillScenario[] = [];
afterEach(async () => {
  for (const s of scenarios.splice(0)) await s.tearDown();
});

describe('the backfill over SASL/PLAIN', () => {
  it('reads, writes and verifies through an authenticated listener, every key right', async () => {
    const kafka = saslKafka(sasl?.password ?? '');
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
  });

  it('a wrong password is KAFKA_AUTH_FAILED at once, definitive, naming what to fix and never the password', async () => {
    const wrong = 'not-the-password-7f3a';
    const kafka = saslKafka(wrong);
    const admin = new TopicAdmin(kafka, redis, createdRegistry(uniqueName('sasl-test')));
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
    await admin.close();
    for (const err of failures) {
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
