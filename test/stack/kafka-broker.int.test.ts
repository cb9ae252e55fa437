import { afterEach, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/unique-name.js';
import { latestByKey, readAll, withAdmin, withProducer } from '../support/kafka-test-client.js';

describe('local stack: Kafka broker', () => {
  const topics: string[] = [];
  afterEach(async () => {
    await withAdmin((a) => a.deleteTopics({ topics: topics.splice(0) }));
  });

  it('creates a compacted topic, takes keyed records and gives them back in order', async () => {
    const topic = uniqueName('stack-compacted');
    topics.push(topic);
    await withAdmin((a) =>
      a.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: 3,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
      }),
    );
    const configs = await withAdmin((a) =>
      a.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }],
      }),
    );
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');

    await withProducer((p) =>
      p.send({
        topic,
        messages: [
          { key: 'k1', value: 'a' },
          { key: 'k2', value: 'b' },
          { key: 'k1', value: 'c' },
          { key: 'k3', value: null },
        ],
      }),
    );
    const records = await readAll(topic);
    expect(records).toHaveLength(4);
    expect(latestByKey(records)).toEqual(
      new Map([
        ['k1', 'c'],
        ['k2', 'b'],
        ['k3', null],
      ]),
    );
    // Same key, same partition: the Java-compatible default partitioner.
    const k1 = records.filter((r) => r.key?.toString() === 'k1');
    expect(new Set(k1.map((r) => r.partition)).size).toBe(1);
  });
});
