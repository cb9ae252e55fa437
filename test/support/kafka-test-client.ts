import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { stackEndpoints } from './stack-endpoints.js';

/** A kafkajs client for tests, quiet unless something breaks. */
export function testKafka(clientId = 'evolve-test'): Kafka {
  return new Kafka({ clientId, brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.ERROR });
}

export async function withAdmin<T>(f: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function withProducer<T>(f: (producer: Producer) => Promise<T>): Promise<T> {
  const producer = testKafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await f(producer);
  } finally {
    await producer.disconnect();
  }
}

/** Deletes the topics a story created: every topic whose name starts with one of the prefixes (TEMP included). */
export async function deleteTopicsStartingWith(...prefixes: string[]): Promise<void> {
  await withAdmin(async (a) => {
    const doomed = (await a.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (doomed.length > 0) await a.deleteTopics({ topics: doomed });
  });
}

export interface ReadRecord {
  key: Buffer | null;
  value: Buffer | null;
  partition: number;
  offset: string;
  headers: Record<string, string>;
}

/**
 * Reads every record of a topic up to the end offsets observed at the call,
 * with a throwaway group, so a test sees exactly what the topic holds.
 */
export async function readAll(topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const pending = new Map(
    ends.filter((e) => Number(e.high) > 0).map((e) => [e.partition, Number(e.high)]),
  );
  const records: ReadRecord[] = [];
  if (pending.size === 0) return records;
  const groupId = `evolve-test-read-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`readAll(${topic}) timed out`)), timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const end = pending.get(batch.partition);
            if (end === undefined || Number(m.offset) >= end) continue;
            records.push({
              key: m.key,
              value: m.value,
              partition: batch.partition,
              offset: m.offset,
              headers: Object.fromEntries(
                Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]),
              ),
            });
          }
          const end = pending.get(batch.partition);
          // Stop on position, not on "saw the last offset": compaction and
          // transaction markers leave gaps.
          if (
            end !== undefined &&
            Number(batch.highWatermark) >= end &&
            Number(batch.lastOffset()) + 1 >= end
          ) {
            pending.delete(batch.partition);
          }
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
    await withAdmin((a) => a.deleteGroups([groupId])).catch(() => undefined);
  }
  return records;
}

/** The latest value per key, as an upsert-stream client would see it (null = deleted). */
export function latestByKey(records: ReadRecord[]): Map<string, string | null> {
  const latest = new Map<string, string | null>();
  for (const r of records)
    latest.set(r.key?.toString() ?? '', r.value === null ? null : r.value.toString());
  return latest;
}
