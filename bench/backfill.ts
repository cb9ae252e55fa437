/**
 * Backfill benchmark: `npx tsx --expose-gc bench/backfill.ts [--keys=1000000] [--partitions=4]`.
 *
 * PROD holds `keys` v1 records (200-byte values); TEMP holds v2: 30% of the
 * values changed, 10% of the keys absent (deleted), 5% new keys. Unthrottled.
 * Measures the engine (index, emit, verify; peak RSS; RSS growth per key
 * while indexing) and, in the same run, a baseline doing the least work:
 * read both topics once into Maps with plain kafkajs and write the changed
 * records. Topics are deleted at the end; nothing is cached between runs.
 * The last line is one JSON object with the figures.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { Redis } from 'ioredis';
import { BackfillCheckpoints } from '../src/kafka/backfill-checkpoint.js';
import {
  runBackfillPartition,
  type BackfillPhaseName,
} from '../src/kafka/run-backfill-partition.js';
import { TokenBucket } from '../src/kafka/token-bucket.js';
import { TopicAdmin } from '../src/kafka/topic-admin.js';
import { checkpointKeys, createdRegistry } from '../src/store/redis-keys.js';

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};
const KEYS = arg('keys', 1_000_000);
const PARTITIONS = arg('partitions', 4);
const BROKERS = (process.env.EVOLVE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env.EVOLVE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const prodTopic = `bench-backfill-prod-${suffix}`;
const baselineOut = `bench-backfill-baseline-out-${suffix}`;
const prefix = `bench-backfill-${suffix}`;

const kafka = new Kafka({ clientId: 'evolve-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const topicAdmin = new TopicAdmin(kafka, redis, createdRegistry(prefix));
const rawAdmin = kafka.admin();

const key = (i: number): Buffer => Buffer.from(`customer-${String(i).padStart(9, '0')}`);
const valueOf = (i: number, version: string): Buffer => {
  const head = `{"id":${i},"v":"${version}","pad":"`;
  return Buffer.from(head + 'x'.repeat(200 - head.length - 2) + '"}');
};
// 10% absent from TEMP (deleted), 30% changed, the rest unchanged; plus 5% new keys.
const inTemp = (i: number): boolean => i >= KEYS || i % 10 !== 0;
const changed = (i: number): boolean => i % 10 >= 1 && i % 10 <= 3;

async function produceAll(
  topic: string,
  count: number,
  make: (i: number) => Message | undefined,
): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let written = 0;
  const inFlight: Promise<unknown>[] = [];
  let batch: Message[] = [];
  for (let i = 0; i < count; i++) {
    const m = make(i);
    if (!m) continue;
    batch.push(m);
    if (batch.length === 10_000) {
      inFlight.push(producer.send({ topic, acks: 1, messages: batch }));
      written += batch.length;
      batch = [];
      if (inFlight.length >= 4) await Promise.all(inFlight.splice(0));
    }
  }
  if (batch.length > 0) inFlight.push(producer.send({ topic, acks: 1, messages: batch }));
  written += batch.length;
  await Promise.all(inFlight);
  await producer.disconnect();
  return written;
}

async function endOffsets(topic: string): Promise<number[]> {
  return (await rawAdmin.fetchTopicOffsets(topic))
    .sort((a, b) => a.partition - b.partition)
    .map((o) => Number(o.offset));
}

/** The least work: read both topics once (Maps of latin1 keys), write what differs. */
async function baseline(
  tempTopic: string,
): Promise<{ seconds: number; read: number; written: number }> {
  const started = performance.now();
  const prodEnds = await endOffsets(prodTopic);
  const tempEnds = await endOffsets(tempTopic);
  const prod = new Map<string, Buffer | null>();
  const temp = new Map<string, Buffer | null>();
  let read = 0;
  const remaining = new Map<string, number>();
  prodEnds.forEach((e, p) => e > 0 && remaining.set(`${prodTopic}/${p}`, e));
  tempEnds.forEach((e, p) => e > 0 && remaining.set(`${tempTopic}/${p}`, e));
  const consumer = kafka.consumer({
    groupId: `${prefix}-baseline`,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [prodTopic, tempTopic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const target = batch.topic === prodTopic ? prod : temp;
        for (const m of batch.messages) target.set(m.key!.toString('latin1'), m.value);
        read += batch.messages.length;
        const id = `${batch.topic}/${batch.partition}`;
        if (Number(batch.lastOffset()) + 1 >= (remaining.get(id) ?? 0)) remaining.delete(id);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let out: Message[] = [];
  let written = 0;
  const flush = async (): Promise<void> => {
    if (out.length === 0) return;
    await producer.send({ topic: baselineOut, acks: -1, messages: out });
    written += out.length;
    out = [];
  };
  for (const [k, v] of temp) {
    const old = prod.get(k);
    if (v !== null && (old === undefined || old === null || !old.equals(v)))
      out.push({ key: Buffer.from(k, 'latin1'), value: v });
    if (out.length >= 5000) await flush();
  }
  for (const [k, v] of prod) {
    if (v !== null && (temp.get(k) ?? null) === null)
      out.push({ key: Buffer.from(k, 'latin1'), value: null });
    if (out.length >= 5000) await flush();
  }
  await flush();
  await producer.disconnect();
  return { seconds: (performance.now() - started) / 1000, read, written };
}

async function engine(tempTopic: string, cutover: number[]) {
  const bucket = new TokenBucket(redis, `${prefix}:bucket`);
  await bucket.configure({ rate: 1e9, burst: 1e9 });
  const checkpoints = new BackfillCheckpoints(redis, checkpointKeys(prefix));
  const phases = new Map<BackfillPhaseName, { start: number; end: number; done: number }>();
  const perPartitionPhase = new Map<number, BackfillPhaseName>();
  const lastDone = new Map<string, number>();
  gc();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakIndexRss = rssBefore;
  let indexing = PARTITIONS;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    if (indexing > 0) peakIndexRss = Math.max(peakIndexRss, rss);
  }, 50);
  const started = performance.now();
  const reports = await Promise.all(
    Array.from({ length: PARTITIONS }, (_, partition) =>
      runBackfillPartition(
        { kafka, admin: topicAdmin, bucket, checkpoints },
        {
          runId: `bench-${suffix}`,
          prodTopic,
          tempTopic,
          partition,
          partitions: PARTITIONS,
          cutover: cutover[partition]!,
          chunkSize: 5000,
          onProgress: (e) => {
            const now = performance.now();
            const prev = perPartitionPhase.get(partition);
            if (prev !== e.phase) {
              if (prev === 'index') indexing--;
              perPartitionPhase.set(partition, e.phase);
            }
            const ph = phases.get(e.phase) ?? { start: now, end: now, done: 0 };
            ph.end = Math.max(ph.end, now);
            const k = `${partition}/${e.phase}`;
            ph.done += e.done - (lastDone.get(k) ?? 0);
            lastDone.set(k, e.done);
            phases.set(e.phase, ph);
          },
        },
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return { seconds, reports, phases, rssBefore, peakRss, peakIndexRss };
}

async function main(): Promise<void> {
  await rawAdmin.connect();
  await rawAdmin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: prodTopic,
        numPartitions: PARTITIONS,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
      { topic: baselineOut, numPartitions: PARTITIONS },
    ],
  });
  const { topic: tempTopic } = await topicAdmin.createTempTopic(prodTopic, suffix);
  try {
    const genStart = performance.now();
    await produceAll(prodTopic, KEYS, (i) => ({
      key: key(i),
      value: valueOf(i, 'v1'),
      partition: i % PARTITIONS,
    }));
    const tempCount = await produceAll(tempTopic, Math.floor(KEYS * 1.05), (i) =>
      inTemp(i)
        ? { key: key(i), value: valueOf(i, changed(i) ? 'v2' : 'v1'), partition: i % PARTITIONS }
        : undefined,
    );
    console.log(
      `generated ${KEYS} PROD + ${tempCount} TEMP records in ${((performance.now() - genStart) / 1000).toFixed(1)} s`,
    );
    const cutover = await endOffsets(prodTopic);

    const base = await baseline(tempTopic);
    gc();
    const ours = await engine(tempTopic, cutover);

    const sum = (f: (r: (typeof ours.reports)[number]) => number): number =>
      ours.reports.reduce((a, r) => a + f(r), 0);
    const written = sum((r) => r.refreshed + r.deleted + r.repaired);
    const rate = (phase: BackfillPhaseName): number => {
      const p = ours.phases.get(phase);
      return p && p.end > p.start ? Math.round(p.done / ((p.end - p.start) / 1000)) : 0;
    };
    const unionKeys = Math.floor(KEYS * 1.05);
    const mb = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
    const figures = {
      keys: KEYS,
      partitions: PARTITIONS,
      written,
      expectedWrites: Math.round(KEYS * 0.45),
      conflicts: sum((r) => r.conflicts),
      indexRecordsPerSec: rate('index'),
      emitRecordsPerSec: rate('emit'),
      verifyRecordsPerSec: rate('verify'),
      totalSeconds: Math.round(ours.seconds * 10) / 10,
      totalKeysPerSec: Math.round(unionKeys / ours.seconds),
      baselineSeconds: Math.round(base.seconds * 10) / 10,
      baselineKeysPerSec: Math.round(unionKeys / base.seconds),
      baselineWritten: base.written,
      ratioToBaseline: Math.round((base.seconds / ours.seconds) * 100) / 100,
      peakRssMB: mb(ours.peakRss),
      indexRssGrowthBytesPerKey: Math.round((ours.peakIndexRss - ours.rssBefore) / unionKeys),
      indexStructureBytesPerKey: Math.round(sum((r) => r.indexBytes) / sum((r) => r.keys)),
    };
    console.log('');
    console.log('phase      records/s');
    console.log(`index      ${figures.indexRecordsPerSec}`);
    console.log(`emit       ${figures.emitRecordsPerSec}`);
    console.log(`verify     ${figures.verifyRecordsPerSec}`);
    console.log(`total      ${figures.totalKeysPerSec} keys/s (${figures.totalSeconds} s)`);
    console.log(
      `baseline   ${figures.baselineKeysPerSec} keys/s (${figures.baselineSeconds} s), wrote ${base.written}`,
    );
    console.log(`ratio      ${figures.ratioToBaseline} (goal >= 0.5)`);
    console.log(
      `peak RSS   ${figures.peakRssMB} MB; RSS growth while indexing ${figures.indexRssGrowthBytesPerKey} B/key (goal <= 64)`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    await rawAdmin
      .deleteTopics({ topics: [prodTopic, baselineOut], timeout: 60_000 })
      .catch((err: unknown) => console.error('could not delete the bench topics', err));
    // TEMP last: rawAdmin refreshes metadata of every topic it touched, TEMP included.
    await topicAdmin
      .deleteTempTopic(tempTopic)
      .catch((err: unknown) => console.error('could not delete TEMP', err));
    await rawAdmin.deleteGroups([`${prefix}-baseline`]).catch(() => undefined);
    const leftovers = await redis.keys(`${prefix}*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await topicAdmin.close();
    await rawAdmin.disconnect();
    await redis.quit();
  }
}

await main();
