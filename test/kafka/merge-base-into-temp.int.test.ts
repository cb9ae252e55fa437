import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { uniqueName } from '../support/unique-name.js';
import { mergeBaseIntoTemp } from '../../src/kafka/merge-base-into-temp.js';
import { CopyAbortedError, TopicMissingError } from '../../src/kafka/kafka-errors.js';
import { createTopic, endOffsets, produce, readAll } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';

const { kafka, topics } = useKafkaAndRedis();

/** Keys as hex so binary keys compare exactly; values as text, null for a tombstone. */
type KV = [string, string | null];

const k = (key: string | Buffer): Buffer => (typeof key === 'string' ? Buffer.from(key) : key);
const msg = (partition: number, key: string | Buffer, value: string | null): Message => ({
  partition,
  key: k(key),
  value,
});
const kv = (key: string | Buffer, value: string | null): KV => [k(key).toString('hex'), value];

async function contents(topic: string, partition: number): Promise<KV[]> {
  const ends = await endOffsets(kafka, topic);
  return (await readAll(kafka, topic, partition, 0, ends[partition]!)).map((r) => [
    r.key!.toString('hex'),
    r.value === null ? null : r.value.toString(),
  ]);
}

/** Two keys that differ only in bytes that are not valid UTF-8: equal as decoded text. */
const BIN_IN_TEMP = Buffer.from([0xff, 0x01]);
const BIN_ONLY_IN_BASE = Buffer.from([0xfe, 0x01]);

/**
 * Base p0 (the v1 snapshot): a twice, b twice, c ending in a tombstone, d, e,
 * and a binary key. TEMP p0 (v1 restored, keys changed since the cutover): b,
 * a tombstone for d, f, and a binary key. Partition 1 of each holds other keys.
 */
async function world(): Promise<{ base: string; temp: string }> {
  const base = uniqueName('merge-base');
  const temp = uniqueName('merge-temp');
  topics.push(base, temp);
  await createTopic(kafka, base, 2);
  await createTopic(kafka, temp, 2);
  await produce(kafka, base, [
    msg(0, 'a', 'a1'),
    msg(0, 'b', 'b1'),
    msg(0, 'a', 'a2'),
    msg(0, 'c', 'c1'),
    msg(0, 'c', null),
    msg(0, 'd', 'd1'),
    msg(0, BIN_ONLY_IN_BASE, 'bin-base'),
    msg(0, 'e', 'e1'),
    msg(0, 'b', 'b2'),
    msg(1, 'p', 'p-base'),
  ]);
  await produce(kafka, temp, [
    msg(0, 'b', 'b-temp'),
    msg(0, 'd', null),
    msg(0, 'f', 'f-temp'),
    msg(0, BIN_IN_TEMP, 'bin-temp'),
    msg(1, 'q', 'q-temp'),
  ]);
  return { base, temp };
}

const TEMP_BEFORE: KV[] = [
  kv('b', 'b-temp'),
  kv('d', null),
  kv('f', 'f-temp'),
  kv(BIN_IN_TEMP, 'bin-temp'),
];

describe('mergeBaseIntoTemp', () => {
  it("appends the base's last record of each key TEMP never had, in base order, never a base tombstone; TEMP's own keys and tombstones stay; a second run appends nothing", async () => {
    const { base, temp } = await world();
    const first = await mergeBaseIntoTemp(kafka, {
      baseTopic: base,
      tempTopic: temp,
      partition: 0,
    });
    expect(first).toEqual({ baseKeys: 6, appended: 3, tempKeys: 4 });
    const merged = [...TEMP_BEFORE, kv('a', 'a2'), kv(BIN_ONLY_IN_BASE, 'bin-base'), kv('e', 'e1')];
    expect(await contents(temp, 0)).toEqual(merged);
    // Only the named partition is touched.
    expect(await contents(temp, 1)).toEqual([kv('q', 'q-temp')]);

    const second = await mergeBaseIntoTemp(kafka, {
      baseTopic: base,
      tempTopic: temp,
      partition: 0,
    });
    expect(second).toEqual({ baseKeys: 6, appended: 0, tempKeys: 7 });
    expect(await contents(temp, 0)).toEqual(merged);
  });

  it('run again after a crash part-way, appends only what the first run had not, once', async () => {
    const { base, temp } = await world();
    // The first run wrote a's last record, then the worker died.
    await produce(kafka, temp, [msg(0, 'a', 'a2')]);
    const result = await mergeBaseIntoTemp(kafka, {
      baseTopic: base,
      tempTopic: temp,
      partition: 0,
    });
    expect(result).toEqual({ baseKeys: 6, appended: 2, tempKeys: 5 });
    expect(await contents(temp, 0)).toEqual([
      ...TEMP_BEFORE,
      kv('a', 'a2'),
      kv(BIN_ONLY_IN_BASE, 'bin-base'),
      kv('e', 'e1'),
    ]);
  });

  it('merges an empty base as nothing and brings base keys into an empty TEMP partition', async () => {
    const { base, temp } = await world();
    expect(
      await mergeBaseIntoTemp(kafka, { baseTopic: temp, tempTopic: base, partition: 1 }),
    ).toEqual({ baseKeys: 1, appended: 1, tempKeys: 1 });
    expect(await contents(base, 1)).toEqual([kv('p', 'p-base'), kv('q', 'q-temp')]);
    const empty = uniqueName('merge-empty');
    topics.push(empty);
    await createTopic(kafka, empty, 2);
    expect(
      await mergeBaseIntoTemp(kafka, { baseTopic: empty, tempTopic: temp, partition: 0 }),
    ).toEqual({ baseKeys: 0, appended: 0, tempKeys: 4 });
    expect(
      await mergeBaseIntoTemp(kafka, { baseTopic: base, tempTopic: empty, partition: 0 }),
    ).toEqual({ baseKeys: 6, appended: 5, tempKeys: 0 });
    expect(await contents(empty, 0)).toEqual([
      kv('a', 'a2'),
      kv('d', 'd1'),
      kv(BIN_ONLY_IN_BASE, 'bin-base'),
      kv('e', 'e1'),
      kv('b', 'b2'),
    ]);
  });

  it('reports a missing topic and a cancel with typed errors, appending nothing', async () => {
    const { base, temp } = await world();
    await expect(
      mergeBaseIntoTemp(kafka, { baseTopic: uniqueName('nope'), tempTopic: temp, partition: 0 }),
    ).rejects.toBeInstanceOf(TopicMissingError);
    await expect(
      mergeBaseIntoTemp(kafka, { baseTopic: base, tempTopic: temp, partition: 7 }),
    ).rejects.toBeInstanceOf(TopicMissingError);
    const cancelled = new AbortController();
    cancelled.abort(new Error('stop'));
    await expect(
      mergeBaseIntoTemp(kafka, {
        baseTopic: base,
        tempTopic: temp,
        partition: 0,
        signal: cancelled.signal,
      }),
    ).rejects.toBeInstanceOf(CopyAbortedError);
    expect(await contents(temp, 0)).toEqual(TEMP_BEFORE);
  });
});
