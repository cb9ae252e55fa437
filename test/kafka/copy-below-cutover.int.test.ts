import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { TopicAdmin } from '../../src/kafka/topic-admin.js';
import { KafkaClusterPort } from '../../src/kafka/kafka-cluster-port.js';
import { v1SnapshotTopicName } from '../../src/evolution/shadow-names.js';
import {
  CopyAbortedError,
  PartitionsChangedError,
  TopicMissingError,
} from '../../src/kafka/kafka-errors.js';
import type { PartitionOffset } from '../../src/evolution/evolution.js';
import { createdRegistry } from '../../src/store/redis-keys.js';
import { createTopic, endOffsets, produce, readAll } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';

const { kafka, redis, topics, prefixes } = useKafkaAndRedis();

interface World {
  prod: string;
  snapshot: string;
  admin: TopicAdmin;
  port: KafkaClusterPort;
}

/** PROD (2 partitions, not compacted so nothing moves under the test) and its evolution's snapshot. */
async function world(): Promise<World> {
  const prod = uniqueName('prod-copy');
  const evo = uniqueName('ev');
  const snapshot = v1SnapshotTopicName(prod, evo);
  topics.push(prod, snapshot);
  const prefix = uniqueName('copy-test');
  prefixes.push(prefix);
  await createTopic(kafka, prod, 2, false);
  const admin = new TopicAdmin(kafka, redis, createdRegistry(prefix));
  await admin.createV1SnapshotTopic(prod, evo);
  return { prod, snapshot, admin, port: new KafkaClusterPort(admin, kafka) };
}

const rec = (partition: number, key: string, value: string | null): Message => ({
  partition,
  key,
  value,
  headers: { 'evolve-run': 'r1' },
});

type KV = [string, string | null];

async function keyValues(topic: string, partition: number): Promise<KV[]> {
  const ends = await endOffsets(kafka, topic);
  return (await readAll(kafka, topic, partition, 0, ends[partition]!)).map((r) => [
    r.key!.toString(),
    r.value === null ? null : r.value.toString(),
  ]);
}

function folded(kvs: KV[]): Map<string, string | null> {
  return new Map(kvs);
}

/** A transaction of v1's output that Flink aborted (a failed checkpoint): never visible in read_committed. */
async function abortedTransaction(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({
    transactionalId: uniqueName('copy-test-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    await tx.send({ topic, acks: -1, messages });
    await tx.abort();
  } finally {
    await producer.disconnect();
  }
}

const cutoverOf = (ends: number[]): PartitionOffset[] =>
  ends.map((offset, partition) => ({ partition, offset: String(offset) }));

describe('copyBelowCutover', () => {
  it('copies exactly the committed records below the cutover, tombstones included, without headers; a second run leaves the folded view as it was', async () => {
    const w = await world();
    await produce(kafka, w.prod, [
      rec(0, 'a', 'a1'),
      rec(0, 'b', 'b1'),
      rec(1, 'x', 'x1'),
      rec(0, 'a', 'a2'),
    ]);
    await abortedTransaction(w.prod, [rec(0, 'a', 'aborted'), rec(1, 'z', 'aborted')]);
    await produce(kafka, w.prod, [rec(0, 'b', null), rec(1, 'y', 'y1'), rec(1, 'x', null)]);
    // The abort's markers are written after abort() returns; until then the last stable
    // offset stays at the aborted records (seen on a cluster's first transaction).
    const cutover = cutoverOf(
      await until(
        'the aborted transaction is decided',
        async () => {
          const ends = await endOffsets(kafka, w.prod);
          return ends[0] === 6 && ends[1] === 5 ? ends : undefined;
        },
        30_000,
        100,
      ),
    );
    // v2 and the backfill write on after the cutover: none of it is v1's.
    await produce(kafka, w.prod, [rec(0, 'a', 'v2'), rec(0, 'c', 'v2'), rec(1, 'y', null)]);

    const progress: [number, number][] = [];
    const first = await w.port.copyBelowCutover({
      outputTopic: w.prod,
      snapshotTopic: w.snapshot,
      cutover,
      onProgress: (copied, total) => progress.push([copied, total]),
    });

    const p0: KV[] = [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['b', null],
    ];
    const p1: KV[] = [
      ['x', 'x1'],
      ['y', 'y1'],
      ['x', null],
    ];
    expect(first).toEqual({ records: 7 });
    expect(await keyValues(w.snapshot, 0)).toEqual(p0);
    expect(await keyValues(w.snapshot, 1)).toEqual(p1);
    const snapshotRecords = await readAll(kafka, w.snapshot, 0, 0, 4);
    expect(snapshotRecords.every((r) => Object.keys(r.headers).length === 0)).toBe(true);
    const total = cutover.reduce((sum, c) => sum + Number(c.offset), 0);
    expect(progress.at(-1)).toEqual([total, total]);

    const again = await w.port.copyBelowCutover({
      outputTopic: w.prod,
      snapshotTopic: w.snapshot,
      cutover,
    });
    expect(again).toEqual({ records: 7 });
    expect(folded(await keyValues(w.snapshot, 0))).toEqual(folded(p0));
    expect(folded(await keyValues(w.snapshot, 1))).toEqual(folded(p1));
    expect(await endOffsets(kafka, w.snapshot)).toEqual([8, 6]);
    await w.admin.close();
  });

  it('copies nothing when the cutover is at the log start', async () => {
    const w = await world();
    const cutover = cutoverOf(await endOffsets(kafka, w.prod));
    await produce(kafka, w.prod, [rec(0, 'a', 'v2')]);
    const result = await w.port.copyBelowCutover({
      outputTopic: w.prod,
      snapshotTopic: w.snapshot,
      cutover,
    });
    expect(result).toEqual({ records: 0 });
    expect(await endOffsets(kafka, w.snapshot)).toEqual([0, 0]);
    await w.admin.close();
  });

  it('reports a missing snapshot, a cutover of another partition count and a cancel with typed errors', async () => {
    const w = await world();
    await produce(kafka, w.prod, [rec(0, 'a', 'a1'), rec(1, 'b', 'b1')]);
    const cutover = cutoverOf(await endOffsets(kafka, w.prod));
    const missing = uniqueName('no-such-snapshot');
    await expect(
      w.port.copyBelowCutover({ outputTopic: w.prod, snapshotTopic: missing, cutover }),
    ).rejects.toBeInstanceOf(TopicMissingError);
    await expect(
      w.port.copyBelowCutover({
        outputTopic: w.prod,
        snapshotTopic: w.snapshot,
        cutover: cutover.slice(0, 1),
      }),
    ).rejects.toBeInstanceOf(PartitionsChangedError);
    const cancelled = new AbortController();
    cancelled.abort(new Error('stop'));
    const stopped = w.port.copyBelowCutover({
      outputTopic: w.prod,
      snapshotTopic: w.snapshot,
      cutover,
      signal: cancelled.signal,
    });
    await expect(stopped).rejects.toBeInstanceOf(CopyAbortedError);
    await expect(stopped).rejects.toThrow(/Running it again starts over/);
    await w.admin.close();
  });
});
