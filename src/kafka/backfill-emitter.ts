import type { IHeaders, Kafka, Message } from 'kafkajs';
import type { BackfillCheckpoints, PartitionProgress } from './backfill-checkpoint.js';
import type { BackfillPlan } from './backfill-planner.js';
import { EmitterTail } from './emitter-tail.js';
import { BackfillAbortedError } from './kafka-errors.js';
import { PartitionCountWatch } from './partition-count-watch.js';
import { PartitionScanner, type ScannedRecord } from './partition-scanner.js';
import { backfillHeaders } from './record-headers.js';
import type { RecordSender } from './record-sender.js';
import { chunkFor, type TokenBucket } from './token-bucket.js';
import type { TopicAdmin } from './topic-admin.js';

export interface EmitContext {
  kafka: Kafka;
  producer: RecordSender;
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
 * Fetch size of the emitter's TEMP reader: a chunk of 5,000 200-byte records
 * spans about 4 MB of TEMP; with 1 MB fetches, reading it took four fetch
 * round trips in a row.
 */
const EMIT_FETCH_BYTES = 4 * 1024 * 1024;

/** One chunk of the plan, read and ready to send. */
interface Chunk {
  /** Records to produce: refreshes and tombstones read from TEMP, or deletes built from the arena. */
  records: ScannedRecord[];
  /** Planned keys the chunk covers: the tokens it takes. */
  planned: number;
  /** The segment position once the chunk is acknowledged. */
  position: number;
}

/** Reads the next chunk of at most `size` planned keys; undefined when the segment is done. */
type NextChunk = (size: number) => Promise<Chunk | undefined>;

/**
 * Step 3 of DESIGN.md section 7 for one partition: produce the plan in
 * chunks sized to the rate (1/20 s worth, so the topic sees an even flow
 * rather than a second's worth at once and idle time after).
 *
 * Per chunk: take its tokens (the same Redis script writes the checkpoint of
 * the chunk acknowledged before), drop keys the tail saw v2 write, and send.
 * While the chunk is in flight, the next one is read from TEMP and the tail
 * of PROD catches up, so the send, the TEMP read and the tail overlap
 * instead of queueing behind each other. (Taking the next chunk's tokens
 * during the send as well was tried: the bench, bound by CPU, showed no
 * gain, and a pause would then let out the chunk reserved before it.) The
 * tail skips the offsets the broker acknowledged as our sends and reads only
 * what lies between them (`EmitterTail`). A v2 write landing after what the
 * tail has read and before our record is the race DESIGN.md leaves to
 * verify-and-repair; the overlap widens that window by one send.
 *
 * The tail always starts at S: a resumed run rebuilt its index from [0, S),
 * so v2 writes seen by the interrupted tail must be seen again (and the
 * interrupted run's acknowledged ranges are not known: they are read too).
 */
export async function emitPlan(
  ctx: EmitContext,
  plan: BackfillPlan,
  start: PartitionProgress,
): Promise<PartitionProgress> {
  const progress: PartitionProgress = { ...start };
  const tail = await EmitterTail.open(
    ctx.kafka,
    {
      topic: ctx.prodTopic,
      partition: ctx.partition,
      from: ctx.prodEnd,
      highWater: Math.max(2_000, 2 * ctx.chunkSize),
    },
    (key) => plan.index.markV2Write(key),
  );
  let temp: PartitionScanner | undefined;
  const partitionCount = new PartitionCountWatch(ctx.admin, ctx.prodTopic, ctx.partitions);
  const run: EmitRun = { progress, tail, plan, emittedInRun: 0, size: 0, partitionCount };
  try {
    run.size = await ctx.bucket.chunkSize(ctx.chunkSize);
    // Segment 1: keys TEMP holds, in TEMP offset order.
    const offsets = plan.tempOffsets;
    let i = progress.segment === 'temp' ? firstAbove(offsets, progress.position) : offsets.length;
    if (i < offsets.length) {
      temp = await PartitionScanner.open(ctx.kafka, {
        topic: ctx.tempTopic,
        partition: ctx.partition,
        from: offsets[i]!,
        // Prefetch the next two chunks' records while one is sent.
        highWater: Math.max(2_000, 2 * ctx.chunkSize),
        maxBytesPerPartition: EMIT_FETCH_BYTES,
        // Planned keys are about a third of TEMP: the rest is dropped as it arrives.
        keepOffset: plannedOffset(offsets),
        // The emitter writes its own headers: v2's are never looked at.
        headers: false,
      });
      const values = temp;
      await emitSegment(ctx, run, async (size) => {
        if (i >= offsets.length) return undefined;
        const chunk = offsets.subarray(i, Math.min(offsets.length, i + size));
        i += chunk.length;
        const records = await readAt(values, chunk, ctx.signal);
        return { records, planned: chunk.length, position: chunk[chunk.length - 1]! };
      });
      await temp.close();
      temp = undefined;
    }

    // Segment 2: production-only keys (deletes), bytes from the arena, in PROD order.
    if (progress.segment === 'temp') {
      progress.segment = 'prod';
      progress.position = -1;
    }
    const arena = plan.index.arena;
    const positions = plan.arenaPositions;
    let k = 0;
    while (k < positions.length && arena.offsetAt(positions[k]!) <= progress.position) k++;
    await emitSegment(ctx, run, (size) => {
      if (k >= positions.length) return Promise.resolve(undefined);
      const chunk = positions.subarray(k, Math.min(positions.length, k + size));
      k += chunk.length;
      const records: ScannedRecord[] = [];
      for (const pos of chunk)
        records.push({
          offset: arena.offsetAt(pos),
          key: arena.keyAt(pos),
          value: null,
          headers: {},
        });
      const position = arena.offsetAt(chunk[chunk.length - 1]!);
      return Promise.resolve({ records, planned: chunk.length, position });
    });
    return progress;
  } finally {
    await temp?.close();
    await tail.close();
    await partitionCount.settle();
  }
}

interface EmitRun {
  progress: PartitionProgress;
  tail: EmitterTail;
  plan: BackfillPlan;
  emittedInRun: number;
  /** Planned keys per chunk at the rate last seen. */
  size: number;
  partitionCount: PartitionCountWatch;
}

/**
 * Emits one segment chunk by chunk, each send overlapping the next read and
 * the tail. Progress is checkpointed with the next chunk's tokens, and once
 * more when the segment ends or stops (an abort keeps what was acknowledged).
 */
async function emitSegment(ctx: EmitContext, run: EmitRun, next: NextChunk): Promise<void> {
  try {
    await emitChunks(ctx, run, next);
  } catch (err) {
    // Best effort: if Redis is what failed, the last written checkpoint is one chunk behind.
    await ctx.checkpoints.save(ctx.runId, ctx.partition, run.progress).catch(() => undefined);
    throw err;
  }
  await ctx.checkpoints.save(ctx.runId, ctx.partition, run.progress);
}

async function emitChunks(ctx: EmitContext, run: EmitRun, next: NextChunk): Promise<void> {
  const { progress } = run;
  let [chunk] = await Promise.all([next(run.size), readTail(ctx, run)]);
  while (chunk) {
    checkAbort(ctx);
    const checkpoint = ctx.checkpoints.write(ctx.runId, ctx.partition, progress);
    const rate = await ctx.bucket.take(chunk.planned, ctx.signal, checkpoint);
    run.size = chunkFor(rate > 0 ? rate : 1, ctx.chunkSize);
    const out = toMessages(ctx, run.plan, chunk.records);
    // The tail reads gaps between our sends until this chunk is acknowledged, never longer.
    const sent = new AbortController();
    const send = sendInBatches(ctx.producer, ctx.prodTopic, out.messages, (base, count) =>
      run.tail.acknowledge(base, count),
    ).finally(() => sent.abort());
    const [, , following] = await Promise.all([
      send,
      readTail(ctx, run, sent.signal),
      next(run.size),
    ]);
    // Acknowledged: only now does the progress (the next checkpoint) count the chunk.
    progress.refreshed += out.refreshed;
    progress.deleted += out.deleted;
    progress.dropped += out.dropped;
    progress.position = chunk.position;
    run.emittedInRun += out.messages.length;
    ctx.onChunk?.(progress, run.emittedInRun);
    chunk = following;
  }
}

/**
 * Reads the tail of PROD, marking keys v2 wrote meanwhile as v2's: to its
 * current end before the first chunk (no `sent`); during a send, the gaps
 * between our acknowledged sends, until that send is acknowledged, so that a
 * chunk never waits on the tail. What the tail has not reached yet is the
 * race verify-and-repair covers.
 */
async function readTail(ctx: EmitContext, run: EmitRun, sent?: AbortSignal): Promise<void> {
  if (sent === undefined) {
    await run.partitionCount.assert();
    await run.tail.readTo(await ctx.admin.endOffset(ctx.prodTopic, ctx.partition), ctx.signal);
  } else {
    run.partitionCount.poll();
    await run.tail.catchUp(sent, ctx.signal);
  }
  run.progress.tailPosition = run.tail.position;
}

/** The chunk's records as messages, without the keys v2 wrote since the plan. */
function toMessages(
  ctx: EmitContext,
  plan: BackfillPlan,
  records: ScannedRecord[],
): { messages: Message[]; refreshed: number; deleted: number; dropped: number } {
  // One headers object per kind, shared by the chunk's messages: the encoder encodes each once a batch.
  const headers = {
    refresh: encodedHeaders(ctx.runId, 'refresh'),
    delete: encodedHeaders(ctx.runId, 'delete'),
  };
  const messages: Message[] = [];
  let refreshed = 0;
  let deleted = 0;
  let dropped = 0;
  for (const r of records) {
    if (plan.index.isV2Owned(r.key!)) {
      dropped++;
      continue;
    }
    const kind = r.value === null ? 'delete' : 'refresh';
    messages.push({ key: r.key, value: r.value, partition: ctx.partition, headers: headers[kind] });
    if (kind === 'delete') deleted++;
    else refreshed++;
  }
  return { messages, refreshed, deleted, dropped };
}

function encodedHeaders(runId: string, kind: 'refresh' | 'delete'): IHeaders {
  const h = backfillHeaders(runId, kind);
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(String(v))]));
}

/** The broker acknowledged one send as written at [baseOffset, baseOffset + count). */
export type OnAcknowledged = (baseOffset: number, count: number) => void;

/**
 * One partition's messages of one send become one record batch, which the
 * broker refuses above max.message.bytes (1 MB by default): large chunks go
 * out as several sends of at most ~512 KB, in order.
 */
export async function sendInBatches(
  producer: RecordSender,
  topic: string,
  messages: Message[],
  onAcknowledged?: OnAcknowledged,
  maxBytes = 512 * 1024,
): Promise<void> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const size = 64 + byteLength(m.key) + byteLength(m.value);
    if (i > start && bytes + size > maxBytes) {
      await sendOne(producer, topic, messages.slice(start, i), onAcknowledged);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < messages.length)
    await sendOne(producer, topic, messages.slice(start), onAcknowledged);
}

/**
 * One send, and where the broker put it. BatchProducer (and kafkajs) sends
 * one partition's messages of one `send` as one record batch, which the broker appends at
 * contiguous offsets and acknowledges with the first (a retried idempotent
 * send is acknowledged with the offsets of the batch first appended). Only
 * a send of a single partition, acknowledged without error, is reported.
 */
async function sendOne(
  producer: RecordSender,
  topic: string,
  messages: Message[],
  onAcknowledged?: OnAcknowledged,
): Promise<void> {
  const acks = await producer.send({ topic, acks: -1, messages });
  if (onAcknowledged === undefined) return;
  const partition = messages[0]!.partition;
  if (partition === undefined || messages.some((m) => m.partition !== partition)) return;
  const ack = acks.find((a) => a.topicName === topic && a.partition === partition);
  const base = Number(ack?.baseOffset);
  if (ack?.errorCode === 0 && Number.isSafeInteger(base) && base >= 0)
    onAcknowledged(base, messages.length);
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

/**
 * Whether an offset is planned, for offsets asked in ascending order (as a
 * reader meets them): a cursor that moves forward, O(1) a record (a binary
 * search per TEMP record was 56 ms of one bench worker's emission CPU); it
 * searches again only when asked about an earlier offset (a fetch sent again).
 */
function plannedOffset(sorted: Float64Array): (offset: number) => boolean {
  let j = 0;
  return (offset) => {
    if (j > 0 && sorted[j - 1]! >= offset) j = firstAbove(sorted, offset - 1);
    while (j < sorted.length && sorted[j]! < offset) j++;
    return j < sorted.length && sorted[j] === offset;
  };
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
