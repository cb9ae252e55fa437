/**
 * One worker process of bench/backfill.ts (started by it over IPC, never by
 * hand): runs the backfill of the partitions it is given, or the client-only
 * produce of their planned records, when the parent says so. Connecting and
 * loading happen before, as in a worker that is already up.
 */
import { Kafka, logLevel, type Message } from 'kafkajs';
import { Redis } from 'ioredis';
import { BackfillCheckpoints } from '../src/kafka/backfill-checkpoint.js';
import { indexPartition } from '../src/kafka/backfill-planner.js';
import { sendInBatches } from '../src/kafka/backfill-emitter.js';
import { BatchProducer } from '../src/kafka/wire/batch-producer.js';
import {
  runBackfillPartition,
  type BackfillProgressEvent,
} from '../src/kafka/run-backfill-partition.js';
import { backfillHeaders } from '../src/kafka/record-headers.js';
import { TokenBucket } from '../src/kafka/token-bucket.js';
import { TopicAdmin } from '../src/kafka/topic-admin.js';
import { checkpointKeys, createdRegistry } from '../src/store/redis-keys.js';
import { plannedRecords } from './backfill-data.js';

export interface EngineTask {
  op: 'engine';
  prefix: string;
  runId: string;
  bucketKey: string;
  prodTopic: string;
  tempTopic: string;
  partitions: number[];
  partitionCount: number;
  cutover: number[];
  chunkSize: number;
}

export interface ProduceTask {
  op: 'prepare-produce' | 'produce';
  topic: string;
  keys: number;
  partitions: number[];
  partitionCount: number;
  chunkSize: number;
}

/** Index-only passes at two sizes in one fresh process, for the RSS slope per key. */
export interface MemoryTask {
  op: 'memory';
  prodTopic: string;
  tempTopic: string;
  partitions: number[];
  /** Per partition: PROD and TEMP offsets [start, end) of the whole data set. */
  prod: Array<{ start: number; end: number }>;
  temp: Array<{ start: number; end: number }>;
  /** The first pass indexes this fraction of every partition's offsets. */
  fraction: number;
}

export interface MemoryPass {
  keys: number;
  /** Peak RSS during the pass minus RSS when the process was ready (after a full GC). */
  rssGrowth: number;
  /** Bytes of the index's typed arrays and key arena. */
  indexBytes: number;
}

export type WorkerTask = EngineTask | ProduceTask | MemoryTask;

/** A progress event of the engine, stamped with the wall clock (comparable across processes). */
export type StampedEvent = BackfillProgressEvent & { at: number };

export interface EngineResult {
  reports: Awaited<ReturnType<typeof runBackfillPartition>>[];
  rssBefore: number;
  peakIndexRss: number;
  peakRss: number;
  /** CPU seconds (user + system) this worker spent on the engine: less swayed by other load than wall time. */
  cpuSeconds: number;
}

const now = (): number => performance.timeOrigin + performance.now();
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const BROKERS = (process.env.EVOLVE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'evolve-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
const redis = new Redis(process.env.EVOLVE_REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
});
const send = (m: object): void => void process.send!(m);

async function engine(t: EngineTask): Promise<EngineResult> {
  const admin = new TopicAdmin(kafka, redis, createdRegistry(t.prefix));
  const bucket = new TokenBucket(redis, t.bucketKey);
  const checkpoints = new BackfillCheckpoints(redis, checkpointKeys(t.prefix));
  gc();
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  let peakRss = rssBefore;
  let peakIndexRss = rssBefore;
  const indexing = new Set(t.partitions);
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    if (indexing.size > 0) peakIndexRss = Math.max(peakIndexRss, rss);
  }, 50);
  try {
    const reports = await Promise.all(
      t.partitions.map((partition) =>
        runBackfillPartition(
          { kafka, admin, bucket, checkpoints },
          {
            runId: t.runId,
            prodTopic: t.prodTopic,
            tempTopic: t.tempTopic,
            partition,
            partitions: t.partitionCount,
            cutover: t.cutover[partition]!,
            chunkSize: t.chunkSize,
            onProgress: (e) => {
              if (e.phase !== 'index') indexing.delete(partition);
              send({ progress: { ...e, at: now() } });
            },
          },
        ),
      ),
    );
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const cpu = process.cpuUsage(cpuBefore);
    return { reports, rssBefore, peakIndexRss, peakRss, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    clearInterval(sampler);
    await admin.close();
  }
}

/** Producers connected and records built by prepare-produce, spent by produce. */
let prepared: Array<{ producer: BatchProducer; messages: Message[] }> = [];

async function prepareProduce(t: ProduceTask): Promise<number> {
  prepared = await Promise.all(
    t.partitions.map(async (p) => {
      // As the engine does: one BatchProducer per partition, one send in flight.
      const producer = await BatchProducer.open(kafka);
      // The emitter's headers too (one object per kind, bytes): the same bytes on the wire.
      const headers = (kind: 'refresh' | 'delete') =>
        Object.fromEntries(
          Object.entries(backfillHeaders('bench', kind)).map(([k, v]) => [
            k,
            Buffer.from(String(v)),
          ]),
        );
      const refresh = headers('refresh');
      const del = headers('delete');
      const messages = plannedRecords(t.keys, t.partitionCount, p).map((m) => ({
        ...m,
        headers: m.value === null ? del : refresh,
      }));
      return { producer, messages };
    }),
  );
  return prepared.reduce((a, x) => a + x.messages.length, 0);
}

/** The same records, chunk sizes and sends as the emitter, without reading or deciding anything. */
async function produce(t: ProduceTask): Promise<{ start: number; end: number; written: number }> {
  const start = now();
  let written = 0;
  await Promise.all(
    prepared.map(async ({ producer, messages }) => {
      for (let i = 0; i < messages.length; i += t.chunkSize) {
        const chunk = messages.slice(i, i + t.chunkSize);
        await sendInBatches(producer, t.topic, chunk);
        written += chunk.length;
      }
    }),
  );
  const end = now();
  await Promise.all(prepared.map(({ producer }) => producer.disconnect()));
  prepared = [];
  return { start, end, written };
}

/**
 * Two index passes in this (fresh) process, partitions of the worker at once
 * as the engine indexes them: a fraction of every partition, then all of it.
 * Both peaks are taken from the same starting RSS, so their difference over
 * the difference in keys is what each key adds, and what the first pass
 * grew beyond its keys' share is the per-process cost of indexing at all
 * (heap grown by decoding, fetch buffers, compiled code).
 */
async function memory(t: MemoryTask): Promise<MemoryPass[]> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const pass = async (fraction: number): Promise<MemoryPass> => {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const indexes = await Promise.all(
        t.partitions.map((p) => {
          const cut = (r: { start: number; end: number }) =>
            r.start + Math.round((r.end - r.start) * fraction);
          return indexPartition(kafka, {
            prodTopic: t.prodTopic,
            tempTopic: t.tempTopic,
            partition: p,
            prodStart: t.prod[p]!.start,
            prodEnd: cut(t.prod[p]!),
            tempStart: t.temp[p]!.start,
            tempEnd: cut(t.temp[p]!),
            cutover: Infinity,
            mode: 'full',
          });
        }),
      );
      peak = Math.max(peak, process.memoryUsage().rss);
      return {
        keys: indexes.reduce((a, x) => a + x.table.size, 0),
        rssGrowth: peak - rss0,
        indexBytes: indexes.reduce((a, x) => a + x.bytes, 0),
      };
    } finally {
      clearInterval(sampler);
      gc();
    }
  };
  const first = await pass(t.fraction);
  const whole = await pass(1);
  return [first, whole];
}

async function run(task: WorkerTask): Promise<unknown> {
  if (task.op === 'engine') return engine(task);
  if (task.op === 'memory') return memory(task);
  if (task.op === 'prepare-produce') return prepareProduce(task);
  return produce(task);
}

process.on('message', (msg: { id: number; task?: WorkerTask; quit?: true }) => {
  if (msg.quit) {
    void redis.quit().finally(() => process.exit(0));
    return;
  }
  run(msg.task!).then(
    (result) => send({ id: msg.id, result }),
    (err: unknown) => send({ id: msg.id, error: String((err as Error).stack ?? err) }),
  );
});
send({ ready: true });
