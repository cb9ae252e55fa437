import type { Kafka } from 'kafkajs';
import { afterEach } from 'vitest';
import type { Redis } from 'ioredis';
import { uniqueName } from '../support/unique-name.js';
import { BackfillCheckpoints } from '../../src/kafka/backfill-checkpoint.js';
import {
  runBackfillPartition,
  type BackfillPartitionParams,
  type PartitionBackfillReport,
} from '../../src/kafka/run-backfill-partition.js';
import { TokenBucket } from '../../src/kafka/token-bucket.js';
import { TopicAdmin } from '../../src/kafka/topic-admin.js';
import {
  createTopic,
  deleteRedisKeys,
  deleteTopics,
  endOffsets,
  produce,
} from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';
import { checkpointKeys, createdRegistry } from '../../src/store/redis-keys.js';

/** A production topic, its TEMP (created the product's way), a Redis prefix and a throttle, torn down together. */
export class BackfillScenario {
  readonly prefix = uniqueName('backfill-test');
  readonly prodTopic = uniqueName('prod-out');
  readonly evolutionId = uniqueName('evo');
  readonly runId = uniqueName('run');
  tempTopic = '';
  cutover: number[] = [];
  readonly admin: TopicAdmin;
  readonly bucket: TokenBucket;
  readonly checkpoints: BackfillCheckpoints;

  constructor(
    readonly kafka: Kafka,
    readonly redis: Redis,
    readonly partitions: number,
  ) {
    this.admin = new TopicAdmin(kafka, redis, createdRegistry(this.prefix));
    this.bucket = new TokenBucket(redis, `${this.prefix}:bucket`);
    this.checkpoints = new BackfillCheckpoints(redis, checkpointKeys(this.prefix));
  }

  async setUp(rate: number): Promise<void> {
    await createTopic(this.kafka, this.prodTopic, this.partitions);
    this.tempTopic = (await this.admin.createTempTopic(this.prodTopic, this.evolutionId)).topic;
    await this.bucket.configure({ rate });
  }

  /**
   * PROD holds v1 of `keys` keys (`acct-<i>`: `v1-<i>`); TEMP holds v2, where a
   * third of the values changed and a tenth of the keys are gone. Returns the
   * key names, what each key must read once backfilled, and how many records
   * the plan writes.
   */
  async produceThirdChangedTenthGone(
    keys: number,
    partitionOf: (i: number) => number = () => 0,
  ): Promise<{
    key: (i: number) => string;
    expected: (i: number) => string | null;
    planned: number;
  }> {
    const key = (i: number) => `acct-${i}`;
    const expected = (i: number): string | null =>
      i % 10 === 0 ? null : i % 3 === 0 ? `v2-${i}` : `v1-${i}`;
    const all = Array.from({ length: keys }, (_, i) => i);
    await produce(
      this.kafka,
      this.prodTopic,
      all.map((i) => ({ key: key(i), value: `v1-${i}`, partition: partitionOf(i) })),
    );
    await produce(
      this.kafka,
      this.tempTopic,
      all
        .filter((i) => expected(i) !== null)
        .map((i) => ({ key: key(i), value: expected(i), partition: partitionOf(i) })),
    );
    return { key, expected, planned: all.filter((i) => expected(i) !== `v1-${i}`).length };
  }

  /** Records C[p] as deploy does: PROD's end offsets just before v2 starts writing. */
  async cutOver(): Promise<void> {
    this.cutover = await endOffsets(this.kafka, this.prodTopic);
  }

  run(
    partition: number,
    extra: Partial<BackfillPartitionParams> = {},
  ): Promise<PartitionBackfillReport> {
    return runBackfillPartition(
      { kafka: this.kafka, admin: this.admin, bucket: this.bucket, checkpoints: this.checkpoints },
      {
        runId: this.runId,
        prodTopic: this.prodTopic,
        tempTopic: this.tempTopic,
        partition,
        partitions: this.partitions,
        cutover: this.cutover[partition]!,
        ...extra,
      },
    );
  }

  async tearDown(): Promise<void> {
    if (this.tempTopic) await this.admin.deleteTempTopic(this.tempTopic).catch(() => undefined);
    await deleteTopics(this.kafka, [this.prodTopic, this.tempTopic].filter(Boolean));
    await this.admin.close();
    await deleteRedisKeys(this.redis, this.prefix);
  }
}

/**
 * Kafka and Redis for a test file of backfill scenarios: `scenario(n)` makes
 * one with n partitions, torn down after the test that made it.
 */
export function useBackfillScenarios(): {
  kafka: Kafka;
  scenario: (partitions: number) => BackfillScenario;
} {
  const { kafka, redis } = useKafkaAndRedis();
  const made: BackfillScenario[] = [];
  afterEach(async () => {
    for (const s of made.splice(0)) await s.tearDown();
  });
  return {
    kafka,
    scenario: (partitions) => {
      const s = new BackfillScenario(kafka, redis, partitions);
      made.push(s);
      return s;
    },
  };
}
