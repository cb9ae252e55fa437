import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import {
  PartitionScanner,
  scanPartition,
  visitPartition,
  type ScannedRecord,
} from '../../src/kafka/partition-scanner.js';
import { viewKey, viewValue } from '../../src/kafka/wire/record-batch-decoder.js';
import { TopicAdmin } from '../../src/kafka/topic-admin.js';
import { createTopic, endOffsets, produce } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';
import { createdRegistry } from '../../src/store/redis-keys.js';

const { kafka, redis, topics, prefixes } = useKafkaAndRedis();

async function collect(
  topic: string,
  partition: number,
  from: number,
  to: number,
): Promise<ScannedRecord[]> {
  const out: ScannedRecord[] = [];
  await scanPartition(
    kafka,
    { topic, partition, from, to },
    (records) => void out.push(...records),
  );
  return out;
}

describe('PartitionScanner', () => {
  it('reads exactly [A, B) of one partition, keys verbatim, tombstones as null, headers kept', async () => {
    const topic = uniqueName('scan-range');
    topics.push(topic);
    await createTopic(kafka, topic, 2);
    const raw = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
    await produce(kafka, topic, [
      ...Array.from({ length: 10 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        partition: 0,
        headers: { h: `x${i}` },
      })),
      { key: raw, value: null, partition: 0 },
      { key: 'other', value: 'p1', partition: 1 },
    ]);
    const records = await collect(topic, 0, 3, 11);
    const visited: string[] = [];
    await visitPartition(kafka, { topic, partition: 0, from: 3, to: 11 }, (v) =>
      visited.push(
        `${v.offset}:${viewKey(v)?.toString('hex')}:${viewValue(v)?.toString() ?? 'null'}`,
      ),
    );
    expect(visited).toEqual(
      records.map((r) => `${r.offset}:${r.key?.toString('hex')}:${r.value?.toString() ?? 'null'}`),
    );
    expect(records.map((r) => r.offset)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(records[0]!.key!.toString()).toBe('k3');
    expect(records[0]!.headers.h!.toString()).toBe('x3');
    expect(records[7]!.key!.equals(raw)).toBe(true);
    expect(records[7]!.value).toBeNull();
  });

  it('decodes gzip batches, repeated headers and record timestamps as kafkajs writes them', async () => {
    const topic = uniqueName('scan-gzip');
    topics.push(topic);
    await createTopic(kafka, topic, 1);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 300 }, (_, i) => ({
        key: `g${i}`,
        value: i % 7 === 0 ? null : `value-${i}`,
        partition: 0,
        timestamp: String(1_700_000_000_000 + i),
        headers: { one: `h${i}`, many: ['a', 'b'] },
      })),
    });
    await producer.disconnect();
    const records = await collect(topic, 0, 17, 300);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 283 }, (_, i) => i + 17));
    const r = records[4]!; // offset 21: a tombstone (21 % 7 === 0)
    expect(r.key!.toString()).toBe('g21');
    expect(r.value).toBeNull();
    expect(records[5]!.value!.toString()).toBe('value-22');
    expect(r.timestamp).toBe(1_700_000_000_021);
    expect(r.headers.one!.toString()).toBe('h21');
    expect((r.headers.many as Buffer[]).map(String)).toEqual(['a', 'b']);
  });

  it('moves past records retention removed below the start offset', async () => {
    const topic = uniqueName('scan-retention');
    topics.push(topic);
    await createTopic(kafka, topic, 1, false); // deleting records needs cleanup.policy=delete
    await produce(
      kafka,
      topic,
      Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `${i}`, partition: 0 })),
    );
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '25' }] });
    await admin.disconnect();
    const records = await collect(topic, 0, 3, 40);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 15 }, (_, i) => i + 25));
  });

  it('drops what keep refuses as it arrives, and still reads to the end of the range past it', async () => {
    const topic = uniqueName('scan-keep');
    topics.push(topic);
    await createTopic(kafka, topic, 1);
    await produce(
      kafka,
      topic,
      Array.from({ length: 12 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        partition: 0,
        headers: i % 3 === 0 ? { mine: 'yes' } : {},
      })),
    );
    const scanner = await PartitionScanner.open(kafka, {
      topic,
      partition: 0,
      from: 0,
      highWater: 2,
      // Neither records with the header nor offset 4: the last records of the range are refused.
      keep: (offset, _key, headers) => headers?.mine === undefined && offset !== 4,
      // Asked first, by offset alone (the emitter's TEMP reader).
      keepOffset: (offset) => offset < 10,
    });
    try {
      const seen: number[] = [];
      await scanner.readTo(12, (records) => void seen.push(...records.map((r) => r.offset)));
      expect(seen).toEqual([1, 2, 5, 7, 8]);
      expect(scanner.position).toBe(12);
    } finally {
      await scanner.close();
    }
  });

  it('returns at once for an empty range', async () => {
    const topic = uniqueName('scan-empty');
    topics.push(topic);
    await createTopic(kafka, topic, 1);
    await produce(kafka, topic, [{ key: 'a', value: '1', partition: 0 }]);
    expect(await collect(topic, 0, 1, 1)).toEqual([]);
    expect(await collect(topic, 0, 0, 0)).toEqual([]);
  });

  it('does not hang when the range ends with an aborted transaction (only filtered records before B)', async () => {
    const topic = uniqueName('scan-aborted');
    topics.push(topic);
    await createTopic(kafka, topic, 1);
    const producer = kafka.producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const ok = await producer.transaction();
    await ok.send({ topic, messages: [{ key: 'a', value: 'committed', partition: 0 }] });
    await ok.commit();
    const bad = await producer.transaction();
    await bad.send({
      topic,
      messages: [1, 2, 3].map((i) => ({ key: `b${i}`, value: 'aborted', partition: 0 })),
    });
    await bad.abort();
    await producer.disconnect();
    // 1 record + commit marker + 3 aborted records + abort marker. The end
    // offset kafkajs reports is the last stable offset (READ_COMMITTED), and
    // EndTxn returns before the coordinator has written the abort marker, so
    // it reads 2 until the marker lands.
    const end = await until(
      'the abort marker to land',
      async () => {
        const [e] = await endOffsets(kafka, topic);
        return e === 6 ? e : undefined;
      },
      10_000,
      100,
    );
    const records = await collect(topic, 0, 0, end);
    expect(records.map((r) => r.value?.toString())).toEqual(['committed']);
    // The visitor (the index's reader) skips the same: aborted data and markers.
    const visited: string[] = [];
    await visitPartition(kafka, { topic, partition: 0, from: 0, to: end }, (v) =>
      visited.push(`${v.offset}:${viewValue(v)?.toString()}`),
    );
    expect(visited).toEqual(['0:committed']);
  });

  it('reports the last stable offset while a transaction is open, and reads only committed records', async () => {
    const topic = uniqueName('scan-lso');
    topics.push(topic);
    await createTopic(kafka, topic, 1);
    await produce(kafka, topic, [{ key: 'a', value: '1', partition: 0 }]);
    const producer = kafka.producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const open = await producer.transaction();
    await open.send({ topic, messages: [{ key: 'b', value: 'pending', partition: 0 }] });
    const prefix = uniqueName('scan-lso-reg');
    prefixes.push(prefix);
    const admin = new TopicAdmin(kafka, redis, createdRegistry(prefix));
    const [lso] = await admin.snapshotOffsets(topic);
    expect(lso!.end).toBe(1);
    await open.commit();
    await producer.disconnect();
    // EndTxn returns before the coordinator has written the commit marker to
    // the partition; the last stable offset moves when the marker lands.
    const after = await until(
      'the commit marker to land',
      async () => {
        const [p0] = await admin.snapshotOffsets(topic);
        return p0!.end === 3 ? p0 : undefined;
      },
      10_000,
      100,
    );
    expect(after.end).toBe(3);
    await admin.close();
  });

  it('crosses compaction gaps: stops on position >= B, not on seeing B-1', async () => {
    const topic = uniqueName('scan-compacted');
    topics.push(topic);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: '100' },
            { name: 'min.cleanable.dirty.ratio', value: '0.001' },
            { name: 'delete.retention.ms', value: '100' },
          ],
        },
      ],
    });
    await admin.disconnect();
    // Offsets 0..199: keys k0..k9 rewritten 20 times; compaction leaves the last per key.
    for (let round = 0; round < 20; round++) {
      await produce(
        kafka,
        topic,
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `r${round}`, partition: 0 })),
      );
      await new Promise((r) => setTimeout(r, 120));
    }
    await produce(kafka, topic, [{ key: 'tail', value: 'x', partition: 0 }]);
    // Wait (bounded) until the cleaner removed records; the test is about reading across the gaps.
    let records: ScannedRecord[] = [];
    for (let attempt = 0; attempt < 60; attempt++) {
      records = await collect(topic, 0, 0, 201);
      if (records.length < 150) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(records.length).toBeLessThan(150);
    const offsets = records.map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    // The range [0, 199) ends in a gap if offset 198 was compacted; the read still finishes.
    const upTo = await collect(topic, 0, 0, 199);
    expect(upTo.every((r) => r.offset < 199)).toBe(true);
    const latest = new Map(records.map((r) => [r.key!.toString(), r.value!.toString()]));
    for (let i = 0; i < 10; i++) expect(latest.get(`k${i}`)).toBe('r19');
  });

  it('scans different partitions of one topic concurrently without trampling', async () => {
    const topic = uniqueName('scan-concurrent');
    topics.push(topic);
    await createTopic(kafka, topic, 3);
    await produce(
      kafka,
      topic,
      Array.from({ length: 300 }, (_, i) => ({
        key: `k${i}`,
        value: `p${i % 3}`,
        partition: i % 3,
      })),
    );
    const results = await Promise.all([0, 1, 2].map((p) => collect(topic, p, 0, 100)));
    results.forEach((records, p) => {
      expect(records).toHaveLength(100);
      expect(records.every((r) => r.value!.toString() === `p${p}`)).toBe(true);
    });
  });

  it('reads forward in steps and leaves no consumer group behind', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const groupsBefore = (await admin.listGroups()).groups.map((g) => g.groupId);
    const topic = uniqueName('scan-steps');
    topics.push(topic);
    await createTopic(kafka, topic, 1);
    await produce(
      kafka,
      topic,
      Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `${i}`, partition: 0 })),
    );
    const scanner = await PartitionScanner.open(kafka, { topic, partition: 0, from: 5 });
    const seen: number[] = [];
    await scanner.readTo(20, (rs) => void seen.push(...rs.map((r) => r.offset)));
    expect(scanner.position).toBe(20);
    await produce(kafka, topic, [{ key: 'late', value: 'x', partition: 0 }]);
    await scanner.readTo(51, (rs) => void seen.push(...rs.map((r) => r.offset)));
    await scanner.close();
    expect(seen).toEqual(Array.from({ length: 46 }, (_, i) => i + 5));
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    // No group is joined at all: nothing named after the topic appears.
    const added = groups.map((g) => g.groupId).filter((g) => !groupsBefore.includes(g));
    expect(added.filter((g) => g.includes(topic))).toEqual([]);
  });
});
