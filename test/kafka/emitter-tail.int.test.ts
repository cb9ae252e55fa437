import type { Message, Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { sendInBatches } from '../../src/kafka/backfill-emitter.js';
import { EmitterTail } from '../../src/kafka/emitter-tail.js';
import { createTopic, endOffsets, produce } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';

const { kafka, topics } = useKafkaAndRedis();

/**
 * "Our" sends here carry no backfill header, so the tail would report them
 * as v2's writes if it fetched them: what it reports proves what it read.
 * Each is ~300 KB, larger than the tail's fetch size, as the emitter's sends
 * of 5,000-record chunks are: a fetch starting in a gap ends before them.
 */
function ourSend(round: number, records = 300): Message[] {
  return Array.from({ length: records }, (_, i) => ({
    key: `ours-${round}-${i}`,
    value: 'x'.repeat(1000),
    partition: 0,
  }));
}

async function transactional(topic: string, keys: string[], commit: boolean): Promise<void> {
  const producer = kafka.producer({
    transactionalId: uniqueName('v2-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    await tx.send({
      topic,
      messages: keys.map((key) => ({ key, value: `tx-${key}`, partition: 0 })),
    });
    if (commit) await tx.commit();
    else await tx.abort();
  } finally {
    await producer.disconnect();
  }
}

async function idempotentProducer(): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

describe('EmitterTail', () => {
  it('reads every v2 write between our acknowledged sends, and none of our sends', async () => {
    const topic = uniqueName('tail-gaps');
    topics.push(topic);
    await createTopic(kafka, topic, 1, false);
    await produce(kafka, topic, [{ key: 'before-s', value: 'v1', partition: 0 }]);
    const [s] = await endOffsets(kafka, topic);
    const seen = new Set<string>();
    const tail = await EmitterTail.open(
      kafka,
      { topic, partition: 0, from: s!, highWater: 2000 },
      (key) => seen.add(key.toString()),
    );
    const ours = await idempotentProducer();
    const v2 = await idempotentProducer();
    const expected: string[] = [];
    const v2Write = async (messages: Message[]) => {
      await v2.send({ topic, acks: -1, messages });
      expected.push(...messages.map((m) => String(m.key)));
    };
    // Each round: one of our sends, acknowledged to the tail, then what v2 writes before the next.
    const rounds: Array<() => Promise<void>> = [
      () => v2Write([{ key: 'v2-plain', value: 'a', partition: 0 }]),
      () => v2Write([{ key: 'v2-tombstone', value: null, partition: 0 }]),
      async () => {
        await transactional(topic, ['v2-tx-a', 'v2-tx-b'], true);
        expected.push('v2-tx-a', 'v2-tx-b');
      },
      () => transactional(topic, ['v2-aborted'], false),
      async () => undefined, // two of our sends back to back: no gap between them
      async () => {
        await v2Write([{ key: 'v2-between-1', value: 'b', partition: 0 }]);
        await transactional(topic, ['v2-tx-c'], true);
        expected.push('v2-tx-c');
        await v2Write([{ key: 'v2-between-2', value: 'c', partition: 0 }]);
      },
    ];
    try {
      await tail.readTo(s!);
      await v2Write([{ key: 'v2-before-our-first', value: 'd', partition: 0 }]);
      for (let round = 0; round <= rounds.length; round++) {
        const acks: Array<[number, number]> = [];
        await sendInBatches(ours, topic, ourSend(round), (base, count) => acks.push([base, count]));
        // Our send sits in the log a while before the tail hears of it: a tail that fetched
        // past the end of our last acknowledged send would read it (and fail the test).
        await new Promise((resolve) => setTimeout(resolve, 200));
        for (const [base, count] of acks) tail.acknowledge(base, count);
        // Not aborted: returns once every gap below our last acknowledged send is read.
        await tail.catchUp(new AbortController().signal);
        if (round < rounds.length) await rounds[round]!();
      }
      expect([...seen].sort()).toEqual([...expected].sort());
      // Nothing else was even decoded: 7 sends of 300 records of ours were skipped.
      expect(tail.recordsRead).toBe(expected.length);
      const [end] = await endOffsets(kafka, topic);
      expect(tail.position).toBe(end);
    } finally {
      await ours.disconnect();
      await v2.disconnect();
      await tail.close();
    }
  });

  it('reads past the last acknowledged send only when asked to read to an end', async () => {
    const topic = uniqueName('tail-after');
    topics.push(topic);
    await createTopic(kafka, topic, 1, false);
    const seen: string[] = [];
    const tail = await EmitterTail.open(
      kafka,
      { topic, partition: 0, from: 0, highWater: 2000 },
      (key) => seen.push(key.toString()),
    );
    const ours = await idempotentProducer();
    try {
      await sendInBatches(ours, topic, ourSend(0), (base, count) => tail.acknowledge(base, count));
      await produce(kafka, topic, [{ key: 'v2-after', value: 'a', partition: 0 }]);
      // Held at the end of our send: what follows is where our next send would land.
      const sent = new AbortController();
      sent.abort();
      await tail.catchUp(sent.signal);
      expect(tail.position).toBe(300);
      expect(seen).toEqual([]);
      expect(tail.recordsRead).toBe(0);
      // Asked for an end (the first read, before our next send), it reads there.
      await tail.readTo(301);
      expect(seen).toEqual(['v2-after']);
    } finally {
      await ours.disconnect();
      await tail.close();
    }
  });
});
