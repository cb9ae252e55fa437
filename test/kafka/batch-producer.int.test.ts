import type { IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { BatchProducer } from '../../src/kafka/wire/batch-producer.js';
import { WireCluster } from '../../src/kafka/wire/wire-cluster.js';
import { sendInBatches } from '../../src/kafka/backfill-emitter.js';
import { isUnknownTopic } from '../../src/kafka/kafka-error-kinds.js';
import { BatchTooLargeError } from '../../src/kafka/produce-errors.js';
import { createTopic, deleteTopics, endOffsets, readAll } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';

const { kafka, topics } = useKafkaAndRedis();

const open: BatchProducer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.disconnect().catch(() => undefined)));
});

async function producerFor(k: Kafka = kafka): Promise<BatchProducer> {
  const p = await BatchProducer.open(k);
  open.push(p);
  return p;
}

async function newTopic(prefix: string, partitions: number, config?: object): Promise<string> {
  const topic = uniqueName(prefix);
  topics.push(topic);
  if (config === undefined) await createTopic(kafka, topic, partitions, false);
  else {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: partitions, ...config }],
      });
    } finally {
      await admin.disconnect();
    }
  }
  return topic;
}

/** Every record of the topic, read with a kafkajs consumer, per partition in offset order. */
async function consumeAll(topic: string, count: number): Promise<Map<number, KafkaMessage[]>> {
  const consumer = kafka.consumer({ groupId: uniqueName('batch-producer-test') });
  const out = new Map<number, KafkaMessage[]>();
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen} of ${count} records`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          out.set(partition, [...(out.get(partition) ?? []), message]);
          if (++seen === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const key = (i: number) => `key-${String(i).padStart(9, '0')}`;
const pad = 'x'.repeat(180);
/** The emitter's records: keyed, ~200 bytes, the same headers object shared by the chunk. */
function emitterMessages(partition: number, count: number): Message[] {
  const headers: IHeaders = { 'evolve-run': Buffer.from('run-1'), kind: Buffer.from('refresh') };
  const out: Message[] = [];
  for (let i = 0; i < count; i++)
    out.push({ key: key(i), value: Buffer.from(`{"i":${i},"${pad}"}`), partition, headers });
  return out;
}

/** Checks a partition holds exactly the keys 0..count-1, once each, in order. */
async function expectExactlyOnceInOrder(topic: string, partition: number, count: number) {
  const end = (await endOffsets(kafka, topic))[partition]!;
  const records = await readAll(kafka, topic, partition, 0, end);
  const keys = records.map((r) => r.key!.toString());
  let outOfPlace = 0;
  for (let i = 0; i < Math.max(count, keys.length); i++) if (keys[i] !== key(i)) outOfPlace++;
  expect({ records: keys.length, outOfPlace }).toEqual({ records: count, outOfPlace: 0 });
}

describe('BatchProducer', () => {
  it('writes keys, values, tombstones, headers and timestamps in order, at the offsets it returns', async () => {
    const topic = await newTopic('batch-producer-roundtrip', 2);
    const producer = await producerFor();
    const first: Message[] = [
      {
        key: 'a',
        value: 'one',
        partition: 0,
        headers: { h: 'x', multi: ['m1', Buffer.from('m2')] },
      },
      { key: Buffer.from('b'), value: null, partition: 0 },
      { key: 'c', value: Buffer.from([0, 1, 2, 255]), partition: 0, timestamp: '1600000000000' },
    ];
    const acks1 = await producer.send({ topic, acks: -1, messages: first });
    const acks2 = await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'd', value: 'ключ', partition: 0 },
        { key: 'e', value: 'on p1', partition: 1 },
      ],
    });
    expect(acks1).toEqual([
      expect.objectContaining({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' }),
    ]);
    expect(acks2.map((a) => [a.partition, a.baseOffset])).toEqual([
      [0, '3'],
      [1, '0'],
    ]);

    const read = await consumeAll(topic, 5);
    const p0 = read.get(0)!;
    expect(p0.map((m) => [m.offset, m.key?.toString(), m.value?.toString('hex') ?? null])).toEqual([
      ['0', 'a', Buffer.from('one').toString('hex')],
      ['1', 'b', null],
      ['2', 'c', '000102ff'],
      ['3', 'd', Buffer.from('ключ').toString('hex')],
    ]);
    expect(p0[0]!.headers!.h!.toString()).toBe('x');
    expect((p0[0]!.headers!.multi as Buffer[]).map(String)).toEqual(['m1', 'm2']);
    expect(p0[1]!.headers).toEqual({});
    expect(p0[2]!.timestamp).toBe('1600000000000');
    expect(Math.abs(Number(p0[0]!.timestamp) - Date.now())).toBeLessThan(60_000);
    expect(read.get(1)!.map((m) => [m.offset, m.key?.toString(), m.value?.toString()])).toEqual([
      ['0', 'e', 'on p1'],
    ]);
  });

  it('loses and duplicates nothing under the emitter send pattern: two partitions at once, ~512 KB sends one after another', async () => {
    const topic = await newTopic('batch-producer-volume', 2);
    const producer = await producerFor();
    const perPartition = 200_000;
    const acked = [0, 0];
    const contiguous = [true, true];
    await Promise.all(
      [0, 1].map((p) =>
        sendInBatches(producer, topic, emitterMessages(p, perPartition), (base, count) => {
          if (base !== acked[p]) contiguous[p] = false;
          acked[p] = base + count;
        }),
      ),
    );
    expect({ acked, contiguous }).toEqual({
      acked: [perPartition, perPartition],
      contiguous: [true, true],
    });
    await expectExactlyOnceInOrder(topic, 0, perPartition);
    await expectExactlyOnceInOrder(topic, 1, perPartition);
  });

  it('writes sends to one partition in call order when they are not awaited one by one', async () => {
    const topic = await newTopic('batch-producer-queue', 2);
    const producer = await producerFor();
    const messages = emitterMessages(0, 20_000);
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < messages.length; i += 500) {
      sends.push(producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) }));
      // Another partition in between: it goes alongside, not in the queue.
      if (i % 5000 === 0)
        sends.push(
          producer.send({ topic, messages: [{ key: 'other', value: 'x', partition: 1 }] }),
        );
    }
    await Promise.all(sends);
    await expectExactlyOnceInOrder(topic, 0, messages.length);
    expect((await endOffsets(kafka, topic))[1]).toBe(4);
  });

  it('resends a batch whose answer was lost with the same sequence: the broker keeps one copy', async () => {
    const topic = await newTopic('batch-producer-resend', 1);
    const cluster = await WireCluster.open(kafka);
    const producer = BatchProducer.over(cluster, { backoffMs: 20 });
    open.push(producer);
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'warm-up', value: 'x', partition: 0 }],
    });
    // The connection Produce goes over: drop the answer to a send the broker wrote, and the socket.
    const broker = (await cluster.leader(topic, 0)) as unknown as {
      connectionPool: {
        pool: Array<{ processData(d: Buffer): void; socket: { destroy(e: Error): void } }>;
      };
    };
    const connection = broker.connectionPool.pool[0]!;
    const deliver = connection.processData.bind(connection);
    let armed = false;
    let dropped = 0;
    connection.processData = (data: Buffer) => {
      if (!armed) return deliver(data);
      armed = false;
      dropped++;
      connection.socket.destroy(new Error('test: the answer was lost'));
    };

    const messages = emitterMessages(0, 60_000);
    const perSend = 2_000;
    const bases: string[] = [];
    for (let i = 0; i < messages.length; i += perSend) {
      armed = i % (5 * perSend) === 0;
      const acks = await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + perSend),
      });
      bases.push(acks[0]!.baseOffset!);
    }
    expect(dropped).toBe(6);
    // Offset 0 is the warm-up; a resend is answered with its first copy's offsets.
    expect(bases).toEqual(bases.map((_, n) => String(1 + n * perSend)));
    const end = (await endOffsets(kafka, topic))[0]!;
    const keys = (await readAll(kafka, topic, 0, 1, end)).map((r) => r.key!.toString());
    expect(keys.length).toBe(messages.length);
    expect(new Set(keys).size).toBe(messages.length);
    expect(keys.every((k, i) => k === key(i))).toBe(true);
  });

  it('reports an unknown topic as one, and refuses acks other than -1 and messages without a partition', async () => {
    const producer = await producerFor();
    const missing = uniqueName('batch-producer-missing');
    const err = await producer
      .send({ topic: missing, acks: -1, messages: [{ key: 'k', value: 'v', partition: 0 }] })
      .catch((e: unknown) => e);
    expect(isUnknownTopic(err)).toBe(true);

    const topic = await newTopic('batch-producer-refusals', 1);
    await expect(
      producer.send({ topic, acks: 1, messages: [{ key: 'k', value: 'v', partition: 0 }] }),
    ).rejects.toThrow(/acks 1 .*acks -1/);
    await expect(
      producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] }),
    ).rejects.toThrow(/message 0 for .* names no partition/);
    expect(await endOffsets(kafka, topic)).toEqual([0]);
  });

  it('reports a topic deleted under a producer that wrote to it as unknown, promptly', async () => {
    const topic = await newTopic('batch-producer-deleted', 1);
    const producer = await producerFor();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', partition: 0 }] });
    await deleteTopics(kafka, [topic]);
    const started = Date.now();
    const err = await producer
      .send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', partition: 0 }] })
      .catch((e: unknown) => e);
    expect(isUnknownTopic(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('names the topic and the batch size when the broker refuses a batch as too large', async () => {
    const topic = await newTopic('batch-producer-too-large', 1, {
      configEntries: [{ name: 'max.message.bytes', value: '2000' }],
    });
    const producer = await producerFor();
    const err = await producer
      .send({ topic, acks: -1, messages: [{ key: 'k', value: Buffer.alloc(5_000), partition: 0 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchTooLargeError);
    expect((err as Error).message).toMatch(
      new RegExp(`${topic}\\[0\\].*\\d+ bytes|\\d+ bytes.*${topic}`),
    );
    // The producer goes on with a new producer id.
    const acks = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'k', value: 'v', partition: 0 }],
    });
    expect(acks[0]!.baseOffset).toBe('0');
  });
});
