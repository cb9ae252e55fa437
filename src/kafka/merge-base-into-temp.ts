import type { Kafka } from 'kafkajs';
import type { RecordSender } from './record-sender.js';
import {
  BackfillAbortedError,
  CopyAbortedError,
  TopicMissingError,
  kafkaCallFailure,
} from './kafka-errors.js';
import { isAuthenticationError, isConnectionError, isUnknownTopic } from './kafka-error-kinds.js';
import { scanPartition, type ScannedRecord } from './partition-scanner.js';
import { openCopyProducer, sendRecordsInOrder } from './send-records-in-order.js';

export interface MergeBaseIntoTempInput {
  /** The v1 snapshot: each key's last record is its fallback value. */
  baseTopic: string;
  /** The rollback's TEMP, static by now (its shadow is stopped). */
  tempTopic: string;
  partition: number;
  signal?: AbortSignal;
  /** An idempotent producer (see openCopyProducer); one is created when absent. */
  producer?: RecordSender;
}

export interface MergeBaseIntoTempResult {
  /** Distinct keys in the base partition. */
  baseKeys: number;
  /** Records appended to TEMP by this run. */
  appended: number;
  /** Distinct keys in the TEMP partition before this run appended anything. */
  tempKeys: number;
}

/** What the one key table holds besides a base key's last offset (always >= 0). */
const IN_TEMP = -1;
const IN_TEMP_AND_BASE = -2;

/**
 * Makes one TEMP partition hold what a rollback's backfill must converge to:
 * a key's last TEMP record if it has one, else its last base record. For
 * every key of base partition p that never appears in TEMP partition p, the
 * base's LAST record of that key is appended to TEMP p, in base order,
 * unless it is a tombstone (no record and a tombstone both mean "absent").
 * Keys in TEMP, TEMP tombstones included, are left alone.
 *
 * Safe to run again after a crash part-way: a key appended by the first run
 * is in TEMP now, so the next run skips it; one not yet appended still is
 * not, and gets its last base record. (Appending a key's last record only is
 * what makes that true: an earlier record appended first would hide it.)
 *
 * TEMP must be static: run it once the rollback's shadow has stopped and no
 * transaction is open on TEMP (a stop with savepoint commits its last one).
 * A key written to TEMP after the first read would end up below a stale base
 * value; records of a transaction still open are above the read_committed
 * end, unseen, and hold back readers of what is appended after them.
 *
 * Three reads: TEMP to its end, the base to its end (last offset per key),
 * the base again (append what is due). Memory: one Map entry per distinct key
 * of TEMP and the base together, keyed by the key's exact bytes as a latin1
 * string (one char per byte, so no two keys share an entry, unlike a 64-bit
 * fingerprint, whose collision would silently drop a key): measured 77
 * bytes per 30-byte key at a million keys on Node 20 (the key plus ~47), so
 * 10 million such keys cost ~0.8 GB. Record values are never held beyond
 * one fetched chunk.
 */
export async function mergeBaseIntoTemp(
  kafka: Kafka,
  input: MergeBaseIntoTempInput,
): Promise<MergeBaseIntoTempResult> {
  const { baseTopic, tempTopic, partition } = input;
  const [temp, base] = await partitionRanges(kafka, [tempTopic, baseTopic], partition);
  const keys = new Map<string, number>();

  await scan(kafka, tempTopic, temp!, input, (records) => {
    for (const r of records) keys.set(r.key!.toString('latin1'), IN_TEMP);
  });
  const tempKeys = keys.size;
  let baseKeys = 0;
  await scan(kafka, baseTopic, base!, input, (records) => {
    for (const r of records) {
      const key = r.key!.toString('latin1');
      const seen = keys.get(key);
      if (seen === undefined || seen === IN_TEMP) baseKeys++;
      if (seen === undefined || seen >= 0) keys.set(key, r.offset);
      else if (seen === IN_TEMP) keys.set(key, IN_TEMP_AND_BASE);
    }
  });

  const own = input.producer ? undefined : await openCopyProducer(kafka, tempTopic);
  const producer = input.producer ?? own!;
  let appended = 0;
  try {
    await scan(kafka, baseTopic, base!, input, async (records) => {
      const due = records.filter(
        (r) => r.value !== null && keys.get(r.key!.toString('latin1')) === r.offset,
      );
      appended += await sendRecordsInOrder(producer, { topic: tempTopic, partition }, due);
    });
  } finally {
    await own?.disconnect().catch(() => undefined);
  }
  return { baseKeys, appended, tempKeys };
}

interface Range {
  from: number;
  to: number;
}

/** [log start, read_committed end) of one partition of each topic, as they are now. */
async function partitionRanges(
  kafka: Kafka,
  topics: readonly string[],
  partition: number,
): Promise<Range[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    // kafkajs retries offsets of an unknown topic for ~10 s before failing: ask the list first.
    const existing = new Set(await admin.listTopics());
    const missing = topics.find((t) => !existing.has(t));
    if (missing !== undefined) throw new TopicMissingError(missing);
    const ranges: Range[] = [];
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic).catch((err: unknown) => {
        if (isUnknownTopic(err)) throw new TopicMissingError(topic);
        throw err;
      });
      const found = offsets.find((o) => o.partition === partition);
      if (!found) throw new TopicMissingError(`${topic}[${partition}]`);
      ranges.push({ from: Number(found.low), to: Number(found.offset) });
    }
    return ranges;
  } catch (err) {
    if (isConnectionError(err) || isAuthenticationError(err))
      throw kafkaCallFailure(`reading the offsets of ${topics.join(' and ')}`, err);
    throw err;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Reads [from, to) of the input's partition of `topic`, handing over keyed records; a cancel becomes CopyAbortedError. */
async function scan(
  kafka: Kafka,
  topic: string,
  range: Range,
  input: MergeBaseIntoTempInput,
  handler: (records: ScannedRecord[]) => Promise<void> | void,
): Promise<void> {
  try {
    await scanPartition(
      kafka,
      { topic, partition: input.partition, ...range },
      (records) => handler(records.filter((r) => r.key !== null)),
      input.signal,
    );
  } catch (err) {
    if (err instanceof BackfillAbortedError)
      throw new CopyAbortedError(
        `Merging ${input.baseTopic}[${input.partition}] into ${input.tempTopic}`,
        input.signal?.reason,
      );
    throw err;
  }
}
