import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { afterAll, afterEach } from 'vitest';
import { deleteRedisKeys, deleteTopics, testKafka, testRedis } from './kafka-test-kit.js';

export interface KafkaAndRedis {
  kafka: Kafka;
  redis: Redis;
  /** Topics the running test created: deleted after it. */
  topics: string[];
  /** Redis key prefixes the running test wrote under: deleted after it. */
  prefixes: string[];
}

/**
 * The clients of one Kafka integration test file, and the cleanup it owes
 * the shared stack: what a test lists in `topics` and `prefixes` is removed
 * after it even when it failed half-way; Redis is closed after the file.
 * Call it at the top of the file (it registers the hooks).
 */
export function useKafkaAndRedis(): KafkaAndRedis {
  const used: KafkaAndRedis = { kafka: testKafka(), redis: testRedis(), topics: [], prefixes: [] };
  afterEach(async () => {
    await deleteTopics(used.kafka, used.topics.splice(0));
    for (const p of used.prefixes.splice(0)) await deleteRedisKeys(used.redis, p);
  });
  afterAll(async () => {
    await used.redis.quit();
  });
  return used;
}
