import { describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { TopicAdmin } from '../../src/kafka/topic-admin.js';
import { tempTopicName, v1SnapshotTopicName } from '../../src/evolution/shadow-names.js';
import {
  PartitionsChangedError,
  TopicMissingError,
  TopicNotOursError,
} from '../../src/kafka/kafka-errors.js';
import { createdRegistry } from '../../src/store/redis-keys.js';
import { createTopic } from './kafka-test-kit.js';
import { useKafkaAndRedis } from './use-kafka-and-redis.js';

const { kafka, redis, topics, prefixes } = useKafkaAndRedis();

function newAdmin(): { admin: TopicAdmin; registry: string } {
  const prefix = uniqueName('v1-snapshot-test');
  prefixes.push(prefix);
  const options = createdRegistry(prefix);
  return { admin: new TopicAdmin(kafka, redis, options), registry: options.registry.topics };
}

async function listTopics(): Promise<string[]> {
  const raw = kafka.admin();
  await raw.connect();
  try {
    return await raw.listTopics();
  } finally {
    await raw.disconnect();
  }
}

async function topicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
  const raw = kafka.admin();
  await raw.connect();
  try {
    const cfg = await raw.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic, configNames: names }],
    });
    return Object.fromEntries(
      cfg.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
    );
  } finally {
    await raw.disconnect();
  }
}

/** A production topic with 3 partitions and a compaction setting of its own. */
async function createProd(name: string): Promise<void> {
  const raw = kafka.admin();
  await raw.connect();
  try {
    await raw.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          numPartitions: 3,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'min.compaction.lag.ms', value: '4321' },
          ],
        },
      ],
    });
  } finally {
    await raw.disconnect();
  }
}

describe('the v1 snapshot topic', () => {
  it("is created compacted with PROD's partitions and compaction settings, registered as a snapshot, idempotently", async () => {
    const prod = uniqueName('prod-snap');
    const evo = uniqueName('ev');
    const snapshot = v1SnapshotTopicName(prod, evo);
    topics.push(prod, snapshot);
    await createProd(prod);
    const { admin, registry } = newAdmin();

    const first = await admin.createV1SnapshotTopic(prod, evo);
    expect(first).toEqual({ topic: `${prod}.evolve.${evo}.v1`, partitions: 3, created: true });
    expect(JSON.parse((await redis.hget(registry, snapshot))!)).toMatchObject({
      outputTopic: prod,
      evolutionId: evo,
      partitions: 3,
      kind: 'v1-snapshot',
    });
    expect(await topicConfig(snapshot, ['cleanup.policy', 'min.compaction.lag.ms'])).toEqual({
      'cleanup.policy': 'compact',
      'min.compaction.lag.ms': '4321',
    });
    expect(await admin.partitionCount(snapshot)).toBe(3);
    expect(await admin.createV1SnapshotTopic(prod, evo)).toEqual({ ...first, created: false });

    await admin.deleteV1SnapshotTopic(snapshot);
    expect(await listTopics()).not.toContain(snapshot);
    expect(await redis.hexists(registry, snapshot)).toBe(0);
    // A retried cleanup after the delete finished: nothing to do, nothing refused.
    await admin.deleteV1SnapshotTopic(snapshot);
    await admin.close();
  });

  it('reports a missing PROD and a snapshot of the wrong partition count with typed errors', async () => {
    const prod = uniqueName('prod-snap');
    const evo = uniqueName('ev');
    const snapshot = v1SnapshotTopicName(prod, evo);
    topics.push(prod, snapshot);
    const { admin } = newAdmin();
    await expect(admin.createV1SnapshotTopic(prod, evo)).rejects.toBeInstanceOf(TopicMissingError);
    await createProd(prod);
    await createTopic(kafka, snapshot, 1);
    await expect(admin.createV1SnapshotTopic(prod, evo)).rejects.toBeInstanceOf(
      PartitionsChangedError,
    );
    await admin.close();
  });

  it('deletes a registered snapshot whose topic is already gone, and drops its registry entry', async () => {
    const prod = uniqueName('prod-snap');
    const evo = uniqueName('ev');
    const snapshot = v1SnapshotTopicName(prod, evo);
    topics.push(prod, snapshot);
    await createProd(prod);
    const { admin, registry } = newAdmin();
    await admin.createV1SnapshotTopic(prod, evo);
    const raw = kafka.admin();
    await raw.connect();
    await raw.deleteTopics({ topics: [snapshot] });
    await raw.disconnect();
    for (let i = 0; i < 100 && (await listTopics()).includes(snapshot); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await listTopics()).not.toContain(snapshot);
    await admin.deleteV1SnapshotTopic(snapshot);
    expect(await redis.hexists(registry, snapshot)).toBe(0);
    await admin.close();
  });

  it("refuses to delete PROD, an unregistered snapshot-looking topic, and the other kind's topics", async () => {
    const prod = uniqueName('prod-snap');
    const evo = uniqueName('ev');
    const snapshot = v1SnapshotTopicName(prod, evo);
    const temp = tempTopicName(prod, evo);
    const foreign = v1SnapshotTopicName(prod, uniqueName('ev'));
    topics.push(prod, snapshot, temp, foreign);
    await createProd(prod);
    await createTopic(kafka, foreign, 1);
    const { admin, registry } = newAdmin();
    await admin.createV1SnapshotTopic(prod, evo);
    await admin.createTempTopic(prod, evo);

    await expect(admin.deleteV1SnapshotTopic(prod)).rejects.toThrow(
      `Refusing to delete topic ${prod}: its name is not <output>.evolve.<evolution-id>.v1.`,
    );
    await expect(admin.deleteV1SnapshotTopic(foreign)).rejects.toThrow(
      `Refusing to delete topic ${foreign}: flink-evolve has no record of creating it.`,
    );
    await expect(admin.deleteV1SnapshotTopic(temp)).rejects.toBeInstanceOf(TopicNotOursError);
    await expect(admin.deleteTempTopic(snapshot)).rejects.toBeInstanceOf(TopicNotOursError);
    // A registry entry of the wrong kind is refused even under a matching name.
    await redis.hset(registry, foreign, JSON.stringify({ outputTopic: prod, evolutionId: 'x' }));
    await expect(admin.deleteV1SnapshotTopic(foreign)).rejects.toThrow(
      'flink-evolve created it as a TEMP topic',
    );
    expect(await listTopics()).toEqual(expect.arrayContaining([prod, snapshot, temp, foreign]));

    await admin.deleteV1SnapshotTopic(snapshot);
    await admin.deleteTempTopic(temp);
    expect(await listTopics()).not.toContain(snapshot);
    await admin.close();
  });

  it('refuses to create a snapshot whose name would also read as a TEMP name', async () => {
    const prod = uniqueName('prod-snap');
    topics.push(prod);
    await createProd(prod);
    const { admin } = newAdmin();
    // `<prod>.evolve.evolve.v1` is also TEMP of `<prod>.evolve` for evolution 'v1'.
    await expect(admin.createV1SnapshotTopic(prod, 'evolve')).rejects.toBeInstanceOf(
      TopicNotOursError,
    );
    expect(await listTopics()).not.toContain(`${prod}.evolve.evolve.v1`);
    await admin.close();
  });
});
