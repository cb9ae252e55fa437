import type { Kafka } from 'kafkajs';
import type { RecordSender } from './record-sender.js';
import { EvolveError } from '../errors.js';
import type { PartitionOffset } from '../evolution/evolution.js';
import { BackfillAbortedError, CopyAbortedError, PartitionsChangedError } from './kafka-errors.js';
import { PartitionScanner } from './partition-scanner.js';
import { openCopyProducer, sendRecordsInOrder } from './send-records-in-order.js';
import type { TopicAdmin } from './topic-admin.js';

export interface CopyBelowCutoverInput {
  outputTopic: string;
  snapshotTopic: string;
  /** PROD's read_committed end offsets recorded at the cutover: one per partition. */
  cutover: readonly PartitionOffset[];
  signal?: AbortSignal;
  /**
   * Offsets passed so far and in all, over every partition: gaps compaction
   * left count as passed, so `copied` reaches `total` when the copy ends.
   */
  onProgress?: (copied: number, total: number) => void;
}

/** Partitions copied at once: each is one scanner (a consumer group) reading while the producer writes. */
const CONCURRENT_PARTITIONS = 4;

/**
 * Copies v1's answers, PROD's records below the cutover C[p], into the
 * evolution's v1 snapshot topic: partition p to partition p, in offset
 * order, in read_committed (below C[p] every transaction is decided, so
 * aborted records are never copied), keys and values only, tombstones
 * included (a key's LAST record below C[p] is its answer, and that may be a
 * delete). Returns the number of records written.
 *
 * Running it again from the start after a crash is correct: it writes the
 * same records in the same order again, so each key's last record in the
 * snapshot is still its last record below C[p]; compaction removes the
 * duplicates. Records PROD no longer holds (below its log start) cannot be
 * copied; for a compacted PROD that only happens after a DeleteRecords call.
 */
export async function copyBelowCutover(
  deps: { kafka: Kafka; admin: TopicAdmin; producer?: RecordSender },
  input: CopyBelowCutoverInput,
): Promise<{ records: number }> {
  const ranges = await copyRanges(deps.admin, input);
  const total = ranges.reduce((sum, r) => sum + (r.to - r.from), 0);
  let passed = 0;
  let records = 0;
  const own = deps.producer ? undefined : await openCopyProducer(deps.kafka, input.snapshotTopic);
  const producer = deps.producer ?? own!;
  try {
    input.onProgress?.(0, total);
    const queue = ranges.filter((r) => r.from < r.to);
    // One partition failing stops the others, and its error (not their cancellation) is reported.
    const failed = new AbortController();
    const signal = input.signal ? AbortSignal.any([input.signal, failed.signal]) : failed.signal;
    const worker = async (): Promise<void> => {
      for (let range = queue.shift(); range; range = queue.shift()) {
        await copyPartition(deps.kafka, producer, { ...input, signal }, range, (n, offsets) => {
          records += n;
          passed += offsets;
          input.onProgress?.(passed, total);
        });
      }
    };
    const results = await Promise.allSettled(
      Array.from({ length: CONCURRENT_PARTITIONS }, () =>
        worker().catch((err: unknown) => {
          failed.abort(err);
          throw err;
        }),
      ),
    );
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const first = errors.find((e) => !(e instanceof CopyAbortedError)) ?? errors[0];
    if (first !== undefined) throw first;
  } finally {
    await own?.disconnect().catch(() => undefined);
  }
  return { records };
}

interface CopyRange {
  partition: number;
  from: number;
  to: number;
}

/** [log start, C[p]) per partition, after checking both topics still have the cutover's shape. */
async function copyRanges(admin: TopicAdmin, input: CopyBelowCutoverInput): Promise<CopyRange[]> {
  const { outputTopic, snapshotTopic, cutover } = input;
  const offsets = await admin.snapshotOffsets(outputTopic);
  if (offsets.length !== cutover.length)
    throw new PartitionsChangedError(outputTopic, cutover.length, offsets.length);
  await admin.assertPartitionCount(snapshotTopic, offsets.length);
  return offsets.map(({ partition, start, end }) => {
    const at = cutover.find((c) => c.partition === partition)?.offset;
    const to = at === undefined || !/^\d+$/.test(at) ? NaN : Number(at);
    if (Number.isNaN(to))
      throw new EvolveError(
        'INPUT_INVALID',
        `The cutover of ${outputTopic} has no valid offset for partition ${partition}. The evolution record is damaged; v1's answers cannot be copied without it.`,
      );
    if (to > end)
      throw new EvolveError(
        'INPUT_INVALID',
        `The cutover offset ${to} of ${outputTopic}[${partition}] is past the partition's end (${end}): the topic was recreated or truncated since the cutover, so v1's answers are no longer in it.`,
      );
    return { partition, from: Math.min(start, to), to };
  });
}

async function copyPartition(
  kafka: Kafka,
  producer: RecordSender,
  input: CopyBelowCutoverInput,
  range: CopyRange,
  progress: (records: number, offsets: number) => void,
): Promise<void> {
  const { outputTopic, snapshotTopic, signal } = input;
  const scanner = await PartitionScanner.open(kafka, {
    topic: outputTopic,
    partition: range.partition,
    from: range.from,
  });
  let position = range.from;
  try {
    await scanner.readTo(
      range.to,
      async (chunk) => {
        const n = await sendRecordsInOrder(
          producer,
          { topic: snapshotTopic, partition: range.partition },
          chunk,
        );
        const next = chunk[chunk.length - 1]!.offset + 1;
        progress(n, next - position);
        position = next;
      },
      signal,
    );
    progress(0, range.to - position);
  } catch (err) {
    if (err instanceof BackfillAbortedError)
      throw new CopyAbortedError(
        `Copying ${outputTopic}[${range.partition}] below the cutover into ${snapshotTopic}`,
        signal?.reason,
      );
    throw err;
  } finally {
    await scanner.close();
  }
}
