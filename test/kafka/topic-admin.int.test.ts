import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { TopicAdmin } from '../../src/kafka/topic-admin.js';
import { tempTopicName } from '../../src/evolution/shadow-names.js';
import {
  PartitionsChangedError,
  TopicMissingError,
  TopicNotOursError,
} from '../../src/kafka/kafka-errors.js';
import { createTopic, deleteTopics } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';
import { createdRegistry } from '../../src/store/redis-keys.js';

const { kafka, redis, topics, prefixes } = useKafkaAndRedis();

/** The real client, with a count of the admin calls in flight at once (across every admin it hands out). */
function countingKafka(): { kafka: Kafka; calls: () => number; mostAtOnce: () => number } {
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  const count = (admin: Admin): Admin =>
    new Proxy(admin, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function' || name === 'on' || name === 'logger') return value;
        return async (...args: unknown[]) => {
          calls++;
          most = Math.max(most, ++inFlight);
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            inFlight--;
          }
        };
      },
    });
  const counted = { admin: () => count(kafka.admin()) } as unknown as Kafka;
  return { kafka: counted, calls: () => calls, mostAtOnce: () => most };
}

function newAdmin(): TopicAdmin {
  const prefix = uniqueName('topic-admin-test');
  prefixes.push(prefix);
  return new TopicAdmin(kafka, redis, createdRegistry(prefix));
}

describe('TopicAdmin', () => {
  it('creates TEMP compacted with the production partition count, idempotently, and registers it first', async () => {
    const prod = uniqueName('prod-out');
    const evo = uniqueName('evo');
    topics.push(prod, tempTopicName(prod, evo));
    await createTopic(kafka, prod, 3, false);
    const admin = newAdmin();
    const first = await admin.createTempTopic(prod, evo);
    expect(first).toEqual({ topic: `${prod}.evolve.${evo}`, partitions: 3, created: true });
    const again = await admin.createTempTopic(prod, evo);
    expect(again.created).toBe(false);
    const raw = kafka.admin();
    await raw.connect();
    const cfg = await raw.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: first.topic, configNames: ['cleanup.policy'] }],
    });
    await raw.disconnect();
    expect(cfg.resources[0]!.configEntries[0]!.configValue).toBe('compact');
    expect(await admin.partitionCount(first.topic)).toBe(3);
    await admin.deleteTempTopic(first.topic);
    expect((await raw.connect(), await raw.listTopics())).not.toContain(first.topic);
    await raw.disconnect();
    await admin.close();
  });

  it('refuses to delete a production topic, an unregistered TEMP-looking topic, and deletes only registered groups', async () => {
    const prod = uniqueName('prod-keep');
    const lookalike = `${prod}.evolve.someone-else`;
    topics.push(prod, lookalike);
    await createTopic(kafka, prod, 1);
    await createTopic(kafka, lookalike, 1);
    const admin = newAdmin();
    await expect(admin.deleteTempTopic(prod)).rejects.toBeInstanceOf(TopicNotOursError);
    await expect(admin.deleteTempTopic(lookalike)).rejects.toBeInstanceOf(TopicNotOursError);
    const raw = kafka.admin();
    await raw.connect();
    expect(await raw.listTopics()).toEqual(expect.arrayContaining([prod, lookalike]));
    await raw.disconnect();
    const mine = uniqueName('grp-mine');
    await admin.registerGroup(mine);
    const result = await admin.deleteGroups([mine, 'not-registered-group']);
    expect(result).toEqual({ deleted: [mine], refused: ['not-registered-group'] });
    await admin.close();
  });

  it('keeps working after a topic it looked at was deleted (its own TEMP or by someone else)', async () => {
    const prod = uniqueName('prod-after');
    const other = uniqueName('prod-other');
    const evo = uniqueName('evo');
    topics.push(prod, other, tempTopicName(prod, evo));
    await createTopic(kafka, prod, 2);
    await createTopic(kafka, other, 1);
    const admin = newAdmin();
    const { topic: temp } = await admin.createTempTopic(prod, evo);
    await admin.snapshotOffsets(temp);
    await admin.snapshotOffsets(other);
    await admin.deleteTempTopic(temp);
    await deleteTopics(kafka, [other]);
    expect((await admin.snapshotOffsets(prod)).map((o) => o.partition)).toEqual([0, 1]);
    await expect(admin.partitionCount(other)).rejects.toBeInstanceOf(TopicMissingError);
    await admin.close();
  });

  // kafkajs keeps one metadata cache per client, shares an in-flight refresh
  // between callers whatever topics each needs, and fetchTopicMetadata
  // replaces the cache with the asked topics only. Two backfill partitions of
  // one worker, one asking TEMP's ends while the other checked PROD, failed
  // an attempt with "Cannot destructure property 'partitions' of
  // 'high.pop(...)'". So the calls go to the client one at a time.
  it('asks kafkajs one thing at a time, however many callers ask at once', async () => {
    const a = uniqueName('offsets-a');
    const b = uniqueName('described-b');
    topics.push(a, b);
    await createTopic(kafka, a, 2);
    await createTopic(kafka, b, 3);
    const counted = countingKafka();
    const prefix = uniqueName('topic-admin-test');
    prefixes.push(prefix);
    const admin = new TopicAdmin(counted.kafka, redis, createdRegistry(prefix));
    for (let round = 0; round < 10; round++) {
      const [endsA, countB, endA0, countA] = await Promise.all([
        admin.snapshotOffsets(a),
        admin.partitionCount(b),
        admin.endOffset(a, 0),
        admin.partitionCount(a),
        admin.assertPartitionCount(b, 3),
        admin.snapshotOffsets(b),
      ]);
      expect([endsA.length, countB, endA0, countA]).toEqual([2, 3, 0, 2]);
    }
    expect(counted.calls()).toBeGreaterThan(40);
    expect(counted.mostAtOnce(), 'kafkajs admin calls in flight at once').toBe(1);
    await admin.close();
  });

  it('reports a missing topic and a changed partition count with typed errors', async () => {
    const prod = uniqueName('prod-grow');
    topics.push(prod);
    await createTopic(kafka, prod, 2);
    const admin = newAdmin();
    await expect(admin.partitionCount(uniqueName('nope'))).rejects.toBeInstanceOf(
      TopicMissingError,
    );
    await admin.assertPartitionCount(prod, 2);
    const raw = kafka.admin();
    await raw.connect();
    await raw.createPartitions({ topicPartitions: [{ topic: prod, count: 3 }] });
    await raw.disconnect();
    await expect(admin.assertPartitionCount(prod, 2)).rejects.toBeInstanceOf(
      PartitionsChangedError,
    );
    await admin.close();
  });
});

describe('TopicAdmin.consumerLag', () => {
  it('sums, per partition, the records a group has not committed yet (never committed: from the log start)', async () => {
    const topic = uniqueName('lag');
    topics.push(topic);
    await createTopic(kafka, topic, 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [0, 1].flatMap((partition) =>
        Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: 'v', partition })),
      ),
    });
    await producer.disconnect();
    const groupId = uniqueName('lag-group');
    const raw = kafka.admin();
    await raw.connect();
    await raw.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
    const admin = newAdmin();
    try {
      expect(await admin.consumerLag(groupId, [topic])).toBe(2 + 5);
      await raw.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: '5' },
          { partition: 1, offset: '5' },
        ],
      });
      expect(await admin.consumerLag(groupId, [topic])).toBe(0);
    } finally {
      await raw.deleteGroups([groupId]).catch(() => undefined);
      await raw.disconnect();
      await admin.close();
    }
  });
});
