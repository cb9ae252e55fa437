import type { Kafka } from 'kafkajs';
import type { RecordSender } from './record-sender.js';
import { openCopyProducer } from './send-records-in-order.js';
import {
  BackfillCheckpoints,
  type PartitionProgress,
  type PartitionRunStart,
} from './backfill-checkpoint.js';
import { emitPlan } from './backfill-emitter.js';
import { decideAll, indexPartition } from './backfill-planner.js';
import { verifyPartition } from './backfill-verifier.js';
import { BackfillAbortedError } from './kafka-errors.js';
import type { BackfillMode } from './key-decision.js';
import type { TokenBucket } from './token-bucket.js';
import type { TopicAdmin } from './topic-admin.js';

export type BackfillPhaseName = 'index' | 'emit' | 'verify';

/**
 * Where one partition is. `total` is known when the phase starts (from
 * offsets: records to index, planned keys to emit, records to verify) and
 * does not change; `done` only grows and reaches `total` when the phase ends.
 */
export interface BackfillProgressEvent {
  partition: number;
  phase: BackfillPhaseName;
  done: number;
  total: number;
}

export interface PartitionBackfillReport {
  partition: number;
  refreshed: number;
  deleted: number;
  unchanged: number;
  /** Keys v2 already wrote after the cutover (left alone). */
  ownedByV2: number;
  /** Keys a `refresh-only` run would have deleted. */
  keptByMode: number;
  /** Planned keys dropped because v2 wrote them during emission. */
  dropped: number;
  /** Keys whose backfill record v2 had overwritten, written back with v2's value. */
  repaired: number;
  conflicts: number;
  durationMs: number;
  /** Records written (refreshes, deletes, repairs); absent in reports stored by older runs. */
  written?: number;
  /** Records produced per second over the whole run of this partition. */
  meanRate: number;
  /** Bytes held by the key index (typed arrays and key arena) of this partition. */
  indexBytes: number;
  /** Distinct keys indexed in this partition. */
  keys: number;
}

export interface BackfillDeps {
  kafka: Kafka;
  admin: TopicAdmin;
  bucket: TokenBucket;
  checkpoints: BackfillCheckpoints;
  /** An idempotent producer (a BatchProducer, or kafkajs's with `idempotent: true, maxInFlightRequests: 1`); one is created when absent. */
  producer?: RecordSender;
  clock?: () => number;
}

export interface BackfillPartitionParams {
  runId: string;
  prodTopic: string;
  tempTopic: string;
  partition: number;
  /** C[p], recorded at deploy. */
  cutover: number;
  /** Partition count recorded when the run was created. */
  partitions: number;
  mode?: BackfillMode;
  chunkSize?: number;
  maxRepairRounds?: number;
  signal?: AbortSignal;
  onProgress?: (event: BackfillProgressEvent) => void;
}

/**
 * The largest chunk, reached above 100,000 records/s (a chunk is 1/20 s of
 * the rate). Each chunk costs a Redis round trip and send round trips: with
 * 500, bench/backfill (1M keys, unthrottled) emitted 96k records/s, with
 * 5,000 140-155k. A kill re-sends at most one chunk, ~1 MB of 200-byte records.
 */
const MAX_CHUNK = 5_000;

/**
 * One partition of a backfill, start to finish: index -> decide -> emit ->
 * verify/repair. Safe to call again after a crash or cancel: the run start
 * (S[p], TEMP's end) and the emission position are checkpointed in Redis, so
 * the repeat re-plans the same records and resumes after the last
 * acknowledged chunk; a finished partition returns its stored report.
 */
export async function runBackfillPartition(
  deps: BackfillDeps,
  params: BackfillPartitionParams,
): Promise<PartitionBackfillReport> {
  try {
    return await runPartition(deps, params);
  } catch (err) {
    // The throttle does not know the partition; the caller should.
    if (err instanceof BackfillAbortedError && err.partition !== params.partition)
      throw new BackfillAbortedError(params.partition, err.cause);
    throw err;
  }
}

async function runPartition(
  deps: BackfillDeps,
  params: BackfillPartitionParams,
): Promise<PartitionBackfillReport> {
  const clock = deps.clock ?? Date.now;
  const { admin, checkpoints } = deps;
  const { runId, partition, prodTopic, tempTopic } = params;
  const mode = params.mode ?? 'full';
  const chunkSize = params.chunkSize ?? MAX_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0)
    throw new Error('chunkSize must be a positive integer');

  await admin.assertPartitionCount(prodTopic, params.partitions);
  await admin.assertPartitionCount(tempTopic, params.partitions);
  const prodAll = await admin.snapshotOffsets(prodTopic);
  const tempAll = await admin.snapshotOffsets(tempTopic);
  const prodOffsets = prodAll[partition]!;
  const start = await beginEveryPartition(checkpoints, params, prodAll, tempAll, clock());
  let progress = (await checkpoints.load(runId, partition))!;
  if (progress.phase === 'done' && progress.report)
    return JSON.parse(progress.report) as PartitionBackfillReport;

  const emit = (phase: BackfillPhaseName, done: number, total: number): void =>
    params.onProgress?.({ partition, phase, done: Math.min(done, total), total });

  // The log may have been truncated by retention since the run started; start from what is there
  // (what retention removed counts as indexed, so the phase still ends at its total).
  const prodStart = Math.max(start.prodStart, prodOffsets.start);
  const indexTotal = indexRecords(start);
  const skipped = prodStart - start.prodStart;
  emit('index', 0, indexTotal);
  const index = await indexPartition(
    deps.kafka,
    {
      prodTopic,
      tempTopic,
      partition,
      prodStart,
      prodEnd: start.prodEnd,
      tempStart: start.tempStart,
      tempEnd: start.tempEnd,
      cutover: params.cutover,
      mode,
    },
    params.signal,
    (done) => emit('index', done + skipped, indexTotal),
  );
  emit('index', indexTotal, indexTotal);
  const plan = decideAll(index, mode);
  const planned = plan.tempOffsets.length + plan.arenaPositions.length;

  // BatchProducer: idempotent, and not bound by kafkajs's per-record encoding CPU.
  const own = deps.producer ? undefined : await openCopyProducer(deps.kafka, prodTopic);
  const producer = deps.producer ?? own!;
  try {
    const emitted = (p: PartitionProgress) => p.refreshed + p.deleted + p.dropped;
    emit('emit', progress.phase === 'emit' ? emitted(progress) : planned, planned);
    if (progress.phase === 'emit') {
      progress = await emitPlan(
        {
          kafka: deps.kafka,
          producer,
          admin,
          bucket: deps.bucket,
          checkpoints,
          runId,
          prodTopic,
          tempTopic,
          partition,
          partitions: params.partitions,
          prodEnd: start.prodEnd,
          chunkSize,
          signal: params.signal,
          onChunk: (p: PartitionProgress) => emit('emit', emitted(p), planned),
        },
        plan,
        progress,
      );
      emit('emit', planned, planned);
      progress = { ...progress, phase: 'verify' };
      await checkpoints.save(runId, partition, progress);
    }

    // Retention may have removed the start of v2's output; read what is there.
    const verifyFrom = Math.max(params.cutover, prodOffsets.start);
    const verifyTotal = Math.max(0, (await admin.endOffset(prodTopic, partition)) - verifyFrom);
    // Below the total until verification ends: a repair round reads past it.
    emit('verify', 0, verifyTotal);
    const verified = await verifyPartition({
      kafka: deps.kafka,
      producer,
      admin,
      bucket: deps.bucket,
      runId,
      prodTopic,
      partition,
      partitions: params.partitions,
      cutover: verifyFrom,
      maxRounds: params.maxRepairRounds ?? 5,
      chunkSize,
      signal: params.signal,
      onRead: (position) =>
        emit('verify', Math.min(position - verifyFrom, verifyTotal - 1), verifyTotal),
    });
    emit('verify', verifyTotal, verifyTotal);

    const durationMs = clock() - start.startedAt;
    const repaired = progress.repaired + verified.repaired;
    // Outcomes per key, so that they add up to the keys indexed: a key repaired ends with
    // v2's value, so it is counted repaired rather than refreshed, deleted or owned by v2.
    const r = verified.repairedKeys;
    const final: PartitionBackfillReport = {
      partition,
      refreshed: progress.refreshed - r.fromRefresh,
      deleted: progress.deleted - r.fromDelete,
      unchanged: plan.counts.unchanged,
      ownedByV2: Math.max(0, plan.counts.skippedV2 - r.other),
      keptByMode: plan.counts.keptByMode,
      dropped: progress.dropped,
      repaired: r.fromRefresh + r.fromDelete + Math.min(r.other, plan.counts.skippedV2),
      conflicts: verified.conflicts,
      durationMs,
      written: progress.refreshed + progress.deleted + repaired,
      meanRate:
        ((progress.refreshed + progress.deleted + repaired) * 1000) / Math.max(1, durationMs),
      indexBytes: plan.index.bytes,
      keys: plan.index.table.size,
    };
    await checkpoints.save(runId, partition, {
      ...progress,
      repaired,
      phase: 'done',
      report: JSON.stringify(final),
    });
    return final;
  } finally {
    await own?.disconnect();
  }
}

/** Records the run start of every partition (first writer wins), so the run's totals are known before any starts. */
async function beginEveryPartition(
  checkpoints: BackfillCheckpoints,
  params: BackfillPartitionParams,
  prod: ReadonlyArray<{ start: number; end: number }>,
  temp: ReadonlyArray<{ start: number; end: number }>,
  now: number,
): Promise<PartitionRunStart> {
  let own: PartitionRunStart | undefined;
  for (let p = 0; p < params.partitions; p++) {
    const start = await checkpoints.begin(params.runId, p, {
      prodStart: prod[p]!.start,
      prodEnd: prod[p]!.end,
      tempStart: temp[p]!.start,
      tempEnd: temp[p]!.end,
      // C[p] of other partitions is not known here; each partition's own run records its own.
      cutover: p === params.partition ? params.cutover : -1,
      partitions: params.partitions,
      startedAt: now,
    });
    if (p === params.partition) own = start;
  }
  return own!;
}

/** Records the index phase reads in one partition: TEMP, then PROD below S[p]. */
export function indexRecords(start: PartitionRunStart): number {
  return (
    Math.max(0, start.tempEnd - start.tempStart) + Math.max(0, start.prodEnd - start.prodStart)
  );
}
