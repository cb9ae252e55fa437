/**
 * One worker process of bench/backfill.ts (started by it over IPC, never by
 * hand): runs the backfill of the partitions it is given, or the client-only
 * produce of their planned records, when the parent says so. Connecting and
 * loading happen before, as in a worker that is already up.
 */
import { Kafka, Partitioners, logLevel, type Message, type Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import { BackfillCheckpoints } from '../src/kafka/backfill-checkpoint.js';
import { sendInBatches } from '../src/kafka/backfill-emitter.js';
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

export type WorkerTask = EngineTask | ProduceTask;

/** A progress event of the engine, stamped with the wall clock (comparable across processes). */
export type StampedEvent = BackfillProgressEvent & { at: number };

export interface EngineResult {
  reports: Awaited<ReturnType<typeof runBackfillPartition>>[];
  rssBefore: number;
  peakIndexRss: number;
  peakRss: number;
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
    return { reports, rssBefore, peakIndexRss, peakRss };
  } finally {
    clearInterval(sampler);
    await admin.close();
  }
}

/** Producers connected and records built by prepare-produce, spent by produce. */
let prepared: Array<{ producer: Producer; messages: Message[] }> = [];

async function prepareProduce(t: ProduceTask): Promise<number> {
  prepared = await Promise.all(
    t.partitions.map(async (p) => {
      // As the engine does: one idempotent producer per partition, one request in flight.
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
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

async function run(task: WorkerTask): Promise<unknown> {
  if (task.op === 'engine') return engine(task);
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
