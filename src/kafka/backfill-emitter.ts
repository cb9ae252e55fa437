import type { Kafka, Message, Producer } from 'kafkajs';
import type { BackfillCheckpoints, PartitionProgress } from './backfill-checkpoint.js';
import type { BackfillPlan } from './backfill-planner.js';
import { BackfillAbortedError } from './kafka-errors.js';
import { PartitionScanner, type ScannedRecord } from './partition-scanner.js';
import { backfillHeaders, isBackfillRecord } from './record-headers.js';
import type { TokenBucket } from './token-bucket.js';
import type { TopicAdmin } from './topic-admin.js';

export interface EmitContext {
  kafka: Kafka;
  producer: Producer;
  admin: TopicAdmin;
  bucket: TokenBucket;
  checkpoints: BackfillCheckpoints;
  runId: string;
  prodTopic: string;
  tempTopic: string;
  partition: number;
  /** Partition count recorded at the run start; the run stops if PROD's changes. */
  partitions: number;
  /** S[p]: where the tail of PROD starts (everything below was indexed). */
  prodEnd: number;
  /** The largest chunk; each chunk is sized to the current rate (`TokenBucket.chunkSize`) below it. */
  chunkSize: number;
  signal?: AbortSignal;
  onChunk?: (progress: PartitionProgress, emittedInRun: number) => void;
}

/**
 * Step 3 of DESIGN.md section 7 for one partition: produce the plan in
 * chunks sized to the rate (1/20 s worth, so the topic sees an even flow
 * rather than a second's worth at once and idle time after). Per chunk: read the chunk's TEMP records (values streamed in offset
 * order, never held beyond one chunk), take tokens, tail PROD to its current
 * end and drop keys v2 wrote meanwhile, produce with the verbatim key bytes to
 * this partition, then checkpoint.
 *
 * The tail always starts at S: a resumed run rebuilt its index from [0, S),
 * so v2 writes seen by the interrupted tail must be seen again.
 */
export async function emitPlan(
  ctx: EmitContext,
  plan: BackfillPlan,
  start: PartitionProgress,
): Promise<PartitionProgress> {
  const progress: PartitionProgress = { ...start };
  const { index } = plan;
  const tail = await PartitionScanner.open(ctx.kafka, {
    topic: ctx.prodTopic,
    partition: ctx.partition,
    from: ctx.prodEnd,
    groupPrefix: 'evolve-tail',
    // Each tail reads at least our own last chunk: buffer that much so fetching never stalls on a pause.
    highWater: Math.max(2_000, 2 * ctx.chunkSize),
  });
  let temp: PartitionScanner | undefined;
  let emittedInRun = 0;
  try {
    const tailToEnd = async (): Promise<number> => {
      await ctx.admin.assertPartitionCount(ctx.prodTopic, ctx.partitions);
      const end = await ctx.admin.endOffset(ctx.prodTopic, ctx.partition);
      await tail.readTo(
        end,
        (records) => {
          for (const r of records)
            if (r.key !== null && !isBackfillRecord(r.headers)) index.markV2Write(r.key);
        },
        ctx.signal,
      );
      return end;
    };

    const send = async (records: ScannedRecord[], planned: number): Promise<void> => {
      await ctx.bucket.take(planned, ctx.signal);
      progress.tailPosition = await tailToEnd();
      const messages: Message[] = [];
      for (const r of records) {
        if (index.isV2Owned(r.key!)) {
          progress.dropped++;
          continue;
        }
        const kind = r.value === null ? 'delete' : 'refresh';
        messages.push({
          key: r.key,
          value: r.value,
          partition: ctx.partition,
          headers: backfillHeaders(ctx.runId, kind),
        });
        if (kind === 'delete') progress.deleted++;
        else progress.refreshed++;
      }
      await sendInBatches(ctx.producer, ctx.prodTopic, messages);
      emittedInRun += messages.length;
    };

    // Segment 1: keys TEMP holds, in TEMP offset order.
    const offsets = plan.tempOffsets;
    let i = progress.segment === 'temp' ? firstAbove(offsets, progress.position) : offsets.length;
    if (i < offsets.length) {
      temp = await PartitionScanner.open(ctx.kafka, {
        topic: ctx.tempTopic,
        partition: ctx.partition,
        from: offsets[i]!,
        groupPrefix: 'evolve-values',
        // Prefetch the next chunk's TEMP records (planned keys are a fraction of TEMP) while this one is sent.
        highWater: Math.max(2_000, 4 * ctx.chunkSize),
      });
    }
    while (i < offsets.length) {
      checkAbort(ctx);
      const size = await ctx.bucket.chunkSize(ctx.chunkSize);
      const chunk = offsets.subarray(i, Math.min(offsets.length, i + size));
      const records = await readAt(temp!, chunk, ctx.signal);
      await send(records, chunk.length);
      progress.position = chunk[chunk.length - 1]!;
      await ctx.checkpoints.save(ctx.runId, ctx.partition, progress);
      ctx.onChunk?.(progress, emittedInRun);
      i += chunk.length;
    }
    await temp?.close();
    temp = undefined;

    // Segment 2: production-only keys (deletes), bytes from the arena, in PROD order.
    if (progress.segment === 'temp') {
      progress.segment = 'prod';
      progress.position = -1;
    }
    const arena = plan.index.arena;
    const positions = plan.arenaPositions;
    let k = 0;
    while (k < positions.length && arena.offsetAt(positions[k]!) <= progress.position) k++;
    while (k < positions.length) {
      checkAbort(ctx);
      const size = await ctx.bucket.chunkSize(ctx.chunkSize);
      const chunk = positions.subarray(k, Math.min(positions.length, k + size));
      const records: ScannedRecord[] = [];
      for (const pos of chunk)
        records.push({
          offset: arena.offsetAt(pos),
          key: arena.keyAt(pos),
          value: null,
          headers: {},
        });
      await send(records, chunk.length);
      progress.position = arena.offsetAt(chunk[chunk.length - 1]!);
      await ctx.checkpoints.save(ctx.runId, ctx.partition, progress);
      ctx.onChunk?.(progress, emittedInRun);
      k += chunk.length;
    }
    return progress;
  } finally {
    await temp?.close();
    await tail.close();
  }
}

/**
 * One partition's messages of one send become one record batch, which the
 * broker refuses above max.message.bytes (1 MB by default): large chunks go
 * out as several sends of at most ~512 KB, in order.
 */
export async function sendInBatches(
  producer: Producer,
  topic: string,
  messages: Message[],
  maxBytes = 512 * 1024,
): Promise<void> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const size = 64 + byteLength(m.key) + byteLength(m.value);
    if (i > start && bytes + size > maxBytes) {
      await producer.send({ topic, acks: -1, messages: messages.slice(start, i) });
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < messages.length)
    await producer.send({ topic, acks: -1, messages: messages.slice(start) });
}

function byteLength(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/** The records at the given ascending offsets, read forward from the scanner's position. */
async function readAt(
  scanner: PartitionScanner,
  offsets: Float64Array,
  signal?: AbortSignal,
): Promise<ScannedRecord[]> {
  const found: ScannedRecord[] = [];
  let j = 0;
  await scanner.readTo(
    offsets[offsets.length - 1]! + 1,
    (records) => {
      for (const r of records) {
        while (j < offsets.length && offsets[j]! < r.offset) j++;
        if (j < offsets.length && offsets[j] === r.offset && r.key !== null) found.push(r);
      }
    },
    signal,
  );
  return found;
}

function firstAbove(sorted: Float64Array, position: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkAbort(ctx: EmitContext): void {
  if (ctx.signal?.aborted) throw new BackfillAbortedError(ctx.partition, ctx.signal.reason);
}
