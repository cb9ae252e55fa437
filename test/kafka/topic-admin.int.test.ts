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
