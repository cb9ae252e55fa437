// Exercises every kafkajs call the product uses, and the requests it sends
// itself over kafkajs's connections (src/kafka/wire), against a broker, to choose
// the Kafka version of the local stack: `npx tsx scripts/kafkajs-compat.ts HOST:PORT`.
// Prints one line per call and exits non-zero if any fails.
import { Kafka, logLevel } from 'kafkajs';
import { scanPartition } from '../src/kafka/partition-scanner.js';
import { BatchProducer } from '../src/kafka/wire/batch-producer.js';

const broker = process.argv[2] ?? '127.0.0.1:9092';
const kafka = new Kafka({
  clientId: 'evolve-compat',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  retry: { retries: 2 },
});
const topic = `evolve-compat-${Date.now()}`;
const group = `${topic}-g`;
let failures = 0;

async function check(name: string, f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
    console.log(`ok    ${name}`);
  } catch (err) {
    failures++;
    console.log(`FAIL  ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const admin = kafka.admin();
await check('admin.connect / describeCluster', async () => {
  await admin.connect();
  await admin.describeCluster();
});
await check('admin.createTopics (compacted, 2 partitions)', () =>
  admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  }),
);
await check('admin.fetchTopicMetadata', () => admin.fetchTopicMetadata({ topics: [topic] }));
await check('admin.listTopics', async () => {
  if (!(await admin.listTopics()).includes(topic)) throw new Error(`${topic} is not listed`);
});
await check('admin.describeConfigs', () =>
  admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] }),
);
const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await check('idempotent producer send (explicit partition, headers)', async () => {
  await idem.connect();
  await idem.send({
    topic,
    messages: [
      { key: 'k', value: 'v', partition: 1, headers: { 'evolve-run': 'r1' } },
      { key: 'k2', value: null, partition: 0 },
    ],
  });
  await idem.disconnect();
});
const tx = kafka.producer({
  transactionalId: `${topic}-tx`,
  idempotent: true,
  maxInFlightRequests: 1,
});
await check('transactional producer commit + abort', async () => {
  await tx.connect();
  const t1 = await tx.transaction();
  await t1.send({ topic, messages: [{ key: 'k3', value: 'committed', partition: 0 }] });
  await t1.commit();
  const t2 = await tx.transaction();
  await t2.send({ topic, messages: [{ key: 'k4', value: 'aborted', partition: 0 }] });
  await t2.abort();
  await tx.disconnect();
});
await check(
  'own Fetch v5 over kafkajs connections (PartitionScanner, read_committed)',
  async () => {
    const ends = await admin.fetchTopicOffsets(topic);
    const end = Number(ends.find((o) => o.partition === 0)?.offset ?? 0);
    const keys: string[] = [];
    await scanPartition(kafka, { topic, partition: 0, from: 0, to: end }, (records) => {
      for (const r of records) keys.push(r.key?.toString() ?? '');
    });
    // The idempotent tombstone and the committed record; the aborted one and the markers are not data.
    if (keys.join() !== 'k2,k3') throw new Error(`read [${keys.join()}], expected [k2,k3]`);
  },
);
await check(
  'own InitProducerId + Produce v3 over kafkajs connections (BatchProducer)',
  async () => {
    const producer = await BatchProducer.open(kafka);
    try {
      const [ack] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key: 'k5', value: 'batch', partition: 1, headers: { 'evolve-run': 'r2' } }],
      });
      if (ack?.errorCode !== 0 || Number(ack.baseOffset) < 0)
        throw new Error(`acknowledged ${JSON.stringify(ack)}`);
    } finally {
      await producer.disconnect();
    }
  },
);
await check('admin.fetchTopicOffsets / fetchTopicOffsetsByTimestamp', async () => {
  await admin.fetchTopicOffsets(topic);
  await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60_000);
});
await check('consumer group: join, sync, fetch (read_committed), seek, commit', async () => {
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no records within 20s')), 20_000);
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        await consumer.commitOffsets([
          { topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) },
        ]);
        if (seen >= 3) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
});
await check('admin.fetchOffsets / resetOffsets / setOffsets', async () => {
  await admin.fetchOffsets({ groupId: group, topics: [topic] });
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] });
});
await check('admin.listGroups / describeGroups / deleteGroups', async () => {
  await admin.listGroups();
  await admin.describeGroups([group]);
  await admin.deleteGroups([group]);
});
await check('admin.createPartitions', () =>
  admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] }),
);
await check('admin.deleteTopics', () => admin.deleteTopics({ topics: [topic] }));
await admin.disconnect();
console.log(
  failures === 0
    ? `all kafkajs calls work against ${broker}`
    : `${failures} kafkajs call(s) failed against ${broker}`,
);
process.exitCode = failures === 0 ? 0 : 1;
