import type { Kafka, Message } from 'kafkajs';
import { KafkaUnreachableError, TopicMissingError, kafkaCallFailure } from './kafka-errors.js';
import { isConnectionError, isUnknownTopic } from './kafka-error-kinds.js';
import type { ScannedRecord } from './partition-scanner.js';
import type { RecordSender } from './record-sender.js';
import { BatchProducer } from './wire/batch-producer.js';

/** Headroom under the broker's default max.message.bytes (1 MB): one send is one record batch. */
const MAX_SEND_BYTES = 512 * 1024;

/**
 * The producer of the topic copies, connected: idempotent (a retried send
 * never duplicates or reorders a partition's records; BatchProducer). Every
 * record names its partition and sends use acks=-1, which idempotence requires.
 */
export async function openCopyProducer(kafka: Kafka, what: string): Promise<BatchProducer> {
  return BatchProducer.open(kafka).catch((err: unknown) => {
    throw kafkaCallFailure(`connecting a producer to ${what}`, err);
  });
}

/**
 * Writes records' keys and values (tombstones as tombstones, no headers) to
 * one partition of `topic`, in the given order, in sends of at most ~512 KB
 * each awaited before the next. Records without a key are skipped: a
 * compacted topic refuses them, and they have no "last record per key".
 * Returns how many were written.
 */
export async function sendRecordsInOrder(
  producer: RecordSender,
  target: { topic: string; partition: number },
  records: readonly ScannedRecord[],
): Promise<number> {
  let batch: Message[] = [];
  let bytes = 0;
  let written = 0;
  for (const r of records) {
    if (r.key === null) continue;
    const size = 64 + r.key.length + (r.value?.length ?? 0);
    if (batch.length > 0 && bytes + size > MAX_SEND_BYTES) {
      written += await send(producer, target, batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ key: r.key, value: r.value, partition: target.partition });
    bytes += size;
  }
  if (batch.length > 0) written += await send(producer, target, batch);
  return written;
}

async function send(
  producer: RecordSender,
  target: { topic: string; partition: number },
  messages: Message[],
): Promise<number> {
  try {
    await producer.send({ topic: target.topic, acks: -1, messages });
  } catch (err) {
    if (isUnknownTopic(err)) throw new TopicMissingError(target.topic);
    if (isConnectionError(err))
      throw new KafkaUnreachableError(`writing to ${target.topic}[${target.partition}]`, err);
    throw err;
  }
  return messages.length;
}
