/**
 * The kafkajs baseline of bench/backfill.ts: the least work with the same
 * client, in one process: read both topics once into Maps (latin1 keys),
 * write what differs with an idempotent producer.
 */
import type { Kafka, Message } from 'kafkajs';

export async function endOffsets(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic))
      .sort((a, b) => a.partition - b.partition)
      .map((o) => Number(o.offset));
  } finally {
    await admin.disconnect();
  }
}

/** Writes `count` generated records (undefined: skip), 10,000 a send, four sends in flight. */
export async function produceAll(
  kafka: Kafka,
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

export async function kafkajsBaseline(
  kafka: Kafka,
  topics: { prod: string; temp: string; out: string; group: string },
): Promise<{ seconds: number; read: number; written: number }> {
  const started = performance.now();
  const prodEnds = await endOffsets(kafka, topics.prod);
  const tempEnds = await endOffsets(kafka, topics.temp);
  const prod = new Map<string, Buffer | null>();
  const temp = new Map<string, Buffer | null>();
  let read = 0;
  const remaining = new Map<string, number>();
  prodEnds.forEach((e, p) => e > 0 && remaining.set(`${topics.prod}/${p}`, e));
  tempEnds.forEach((e, p) => e > 0 && remaining.set(`${topics.temp}/${p}`, e));
  const consumer = kafka.consumer({
    groupId: topics.group,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.prod, topics.temp], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const target = batch.topic === topics.prod ? prod : temp;
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
    await producer.send({ topic: topics.out, acks: -1, messages: out });
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
