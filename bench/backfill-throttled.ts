/**
 * The short throttled pass of bench/backfill.ts: a small backfill over two
 * partitions, one per worker process, sharing one token bucket at `rate`
 * records/s; the broker timestamps of what it wrote give the busiest second.
 */
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { scanPartition } from '../src/kafka/partition-scanner.js';
import { isBackfillRecord } from '../src/kafka/record-headers.js';
import { TokenBucket } from '../src/kafka/token-bucket.js';
import type { TopicAdmin } from '../src/kafka/topic-admin.js';
import { endOffsets, produceAll } from './backfill-baseline.js';
import { inTemp, key, tempValue, unionKeys, valueOf } from './backfill-data.js';
import type { EngineResult } from './backfill-worker.js';
import type { BenchWorkers } from './backfill-workers.js';

export interface ThrottledPass {
  rate: number;
  written: number;
  seconds: number;
  maxRecordsInOneSecond: number;
}

/** The most records any 1-second window [t, t + 1000) holds, t at each record. */
export function busiestSecond(sorted: number[]): number {
  let max = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1000) j++;
    max = Math.max(max, j - i);
  }
  return max;
}

export async function throttledPass(opts: {
  kafka: Kafka;
  redis: Redis;
  topicAdmin: TopicAdmin;
  workers: BenchWorkers;
  prefix: string;
  suffix: string;
  rate: number;
  /** PROD keys: about 0.45 of them are written, so keys / (2.2 x rate) seconds. */
  keys: number;
}): Promise<ThrottledPass> {
  const { kafka, prefix, rate, keys } = opts;
  const partitions = 2;
  const prodTopic = `bench-backfill-throttled-${opts.suffix}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: prodTopic,
        numPartitions: partitions,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
  });
  const { topic: tempTopic } = await opts.topicAdmin.createTempTopic(prodTopic, `${opts.suffix}t`);
  const bucketKey = `${prefix}:throttled-bucket`;
  try {
    await produceAll(kafka, prodTopic, keys, (i) => ({
      key: key(i),
      value: valueOf(i, 'v1'),
      partition: i % partitions,
    }));
    await produceAll(kafka, tempTopic, unionKeys(keys), (i) =>
      inTemp(i, keys) ? { key: key(i), value: tempValue(i), partition: i % partitions } : undefined,
    );
    const cutover = await endOffsets(kafka, prodTopic);
    await new TokenBucket(opts.redis, bucketKey).configure({ rate });
    const started = performance.now();
    const results = await opts.workers.all<EngineResult>((w) => ({
      op: 'engine',
      prefix,
      runId: `bench-throttled-${opts.suffix}`,
      bucketKey,
      prodTopic,
      tempTopic,
      partitions: opts.workers.partitionsOf(w, partitions),
      partitionCount: partitions,
      cutover,
      // The product's default largest chunk; at this rate chunks are rate / 20.
      chunkSize: 500,
    }));
    const seconds = (performance.now() - started) / 1000;
    const ends = await endOffsets(kafka, prodTopic);
    const stamps: number[] = [];
    for (let p = 0; p < partitions; p++)
      await scanPartition(
        kafka,
        { topic: prodTopic, partition: p, from: cutover[p]!, to: ends[p]! },
        (records) => {
          for (const r of records) if (isBackfillRecord(r.headers)) stamps.push(r.timestamp!);
        },
      );
    stamps.sort((a, b) => a - b);
    const written = results
      .flatMap((r) => r.reports)
      .reduce((a, r) => a + r.refreshed + r.deleted + r.repaired, 0);
    return { rate, written, seconds, maxRecordsInOneSecond: busiestSecond(stamps) };
  } finally {
    await admin.deleteTopics({ topics: [prodTopic], timeout: 60_000 }).catch(() => undefined);
    await admin.disconnect();
    await opts.topicAdmin.deleteTempTopic(tempTopic).catch(() => undefined);
    await opts.redis.del(bucketKey);
  }
}
