import { Kafka, logLevel, type Message } from 'kafkajs';
import { Redis } from 'ioredis';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { PartitionScanner, type ScannedRecord } from '../../src/kafka/partition-scanner.js';

/** Shared plumbing of the Kafka integration tests: clients, topics, and reading a topic's final state. */
export function testKafka(): Kafka {
  return new Kafka({
    clientId: 'evolve-test',
    brokers: stackEndpoints().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
}

export function testRedis(): Redis {
  return new Redis(stackEndpoints().redisUrl, { maxRetriesPerRequest: null });
}

export async function createTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  compact = true,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          configEntries: compact ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 1000)
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1000) });
  } finally {
    await producer.disconnect();
  }
}

export async function endOffsets(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic))
      .sort((a, b) => a.partition - b.partition)
      .map((o) => Number(o.offset));
  } finally {
    await admin.disconnect();
  }
}

/** Every record of one partition in [from, to). */
export async function readAll(
  kafka: Kafka,
  topic: string,
  partition: number,
  from: number,
  to: number,
): Promise<ScannedRecord[]> {
  const out: ScannedRecord[] = [];
  if (from >= to) return out;
  const scanner = await PartitionScanner.open(kafka, {
    topic,
    partition,
    from,
  });
  try {
    await scanner.readTo(to, (records) => void out.push(...records));
  } finally {
    await scanner.close();
  }
  return out;
}

/** What a client of the upsert topic sees: the latest record per key (hex key -> value string or null). */
export async function latestByKey(
  kafka: Kafka,
  topic: string,
): Promise<Map<string, { value: string | null; headers: ScannedRecord['headers'] }>> {
  const ends = await endOffsets(kafka, topic);
  const latest = new Map<string, { value: string | null; headers: ScannedRecord['headers'] }>();
  for (let p = 0; p < ends.length; p++) {
    for (const r of await readAll(kafka, topic, p, 0, ends[p]!)) {
      latest.set(r.key!.toString('hex'), {
        value: r.value === null ? null : r.value.toString(),
        headers: r.headers,
      });
    }
  }
  return latest;
}

export const hex = (s: string | Buffer): string =>
  (typeof s === 'string' ? Buffer.from(s) : s).toString('hex');
