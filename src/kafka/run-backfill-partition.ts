import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { BackfillCheckpoints, type PartitionProgress } from './backfill-checkpoint.js';
import { emitPlan } from './backfill-emitter.js';
import { decideAll, indexPartition } from './backfill-planner.js';
import { verifyPartition } from './backfill-verifier.js';
import { BackfillAbortedError } from './kafka-errors.js';
import type { BackfillMode } from './key-decision.js';
import type { TokenBucket } from './token-bucket.js';
import type { TopicAdmin } from './topic-admin.js';

export type BackfillPhaseName = 'index' | 'emit' | 'verify';

export interface BackfillProgressEvent {
  partition: number;
  phase: BackfillPhaseName;
  done: number;
  total: number;
  /** Records/s in this phase so far. */
  rate: number;
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
  repaired: number;
  conflicts: number;
  durationMs: number;
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
  /** An idempotent producer (`idempotent: true, maxInFlightRequests: 1`); one is created when absent. */
  producer?: Producer;
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
  const chunkSize = params.chunkSize ?? 500;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0)
    throw new Error('chunkSize must be a positive integer');

  await admin.assertPartitionCount(prodTopic, params.partitions);
  await admin.assertPartitionCount(tempTopic, params.partitions);
  const prodOffsets = (await admin.snapshotOffsets(prodTopic))[partition]!;
  const tempOffsets = (await admin.snapshotOffsets(tempTopic))[partition]!;
  const start = await checkpoints.begin(runId, partition, {
    prodStart: prodOffsets.start,
    prodEnd: prodOffsets.end,
    tempStart: tempOffsets.start,
    tempEnd: tempOffsets.end,
    cutover: params.cutover,
    partitions: params.partitions,
    startedAt: clock(),
  });
  let progress = (await checkpoints.load(runId, partition))!;
  if (progress.phase === 'done' && progress.report)
    return JSON.parse(progress.report) as PartitionBackfillReport;

  /** The rate counts what this run did since `since`; `before` was done by an earlier (killed) run. */
  const emit = (
    phase: BackfillPhaseName,
    done: number,
    total: number,
    since: number,
    before = 0,
  ): void => {
    const seconds = Math.max(0.001, (clock() - since) / 1000);
    params.onProgress?.({ partition, phase, done, total, rate: (done - before) / seconds });
  };

  // The log may have been truncated by retention since the run started; start from what is there.
  const prodStart = Math.max(start.prodStart, prodOffsets.start);
  const indexStarted = clock();
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
      cutover: start.cutover,
      mode,
    },
    params.signal,
    (done, total) => emit('index', done, total, indexStarted),
  );
  const plan = decideAll(index, mode);

  const ownProducer = deps.producer === undefined;
  const producer =
    deps.producer ??
    deps.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Every record names its partition; this only silences kafkajs's v2 partitioner warning.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  if (ownProducer) await producer.connect();
  try {
    if (progress.phase === 'emit') {
      const total = plan.tempOffsets.length + plan.arenaPositions.length;
      const emitStarted = clock();
      const before = progress.refreshed + progress.deleted + progress.dropped;
      // The plan counts in the run's totals from now on, not from the first chunk written:
      // a partition waiting for tokens was left out, and the thread said "97%, ETA 1 s" halfway.
      emit('emit', before, total, emitStarted, before);
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
          onChunk: (p: PartitionProgress) =>
            emit('emit', p.refreshed + p.deleted + p.dropped, total, emitStarted, before),
        },
        plan,
        progress,
      );
      progress = { ...progress, phase: 'verify' };
      await checkpoints.save(runId, partition, progress);
    }

    const verifyStarted = clock();
    const verified = await verifyPartition({
      kafka: deps.kafka,
      producer,
      admin,
      bucket: deps.bucket,
      runId,
      prodTopic,
      partition,
      partitions: params.partitions,
      // Retention may have removed the start of v2's output; read what is there.
      cutover: Math.max(start.cutover, prodOffsets.start),
      maxRounds: params.maxRepairRounds ?? 5,
      chunkSize,
      signal: params.signal,
      onRound: (_round, _conflicts, _repaired, read) => emit('verify', read, read, verifyStarted),
    });

    const durationMs = clock() - start.startedAt;
    const repaired = progress.repaired + verified.repaired;
    const final: PartitionBackfillReport = {
      partition,
      refreshed: progress.refreshed,
      deleted: progress.deleted,
      unchanged: plan.counts.unchanged,
      ownedByV2: plan.counts.skippedV2,
      keptByMode: plan.counts.keptByMode,
      dropped: progress.dropped,
      repaired,
      conflicts: verified.conflicts,
      durationMs,
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
    if (ownProducer) await producer.disconnect();
  }
}
