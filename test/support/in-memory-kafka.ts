import type { PartitionOffset } from '../../src/evolution/evolution.js';
import type { KafkaPort, TempTopicSpec } from '../../src/evolution/ports/kafka-port.js';
import { isTempTopicName } from '../../src/evolution/shadow-names.js';

/** Topics and groups in memory; counts creations so tests can prove "created once". */
export class InMemoryKafka implements KafkaPort {
  readonly topics = new Map<
    string,
    { partitions: number; config: Record<string, string>; ends: number[] }
  >();
  readonly groups = new Set<string>();
  creations = 0;

  addTopic(name: string, partitions = 2, ends: number[] = Array(partitions).fill(10)): void {
    this.topics.set(name, { partitions, config: { 'cleanup.policy': 'compact' }, ends });
  }

  async createTempTopic(name: string, spec: TempTopicSpec): Promise<'created' | 'exists'> {
    if (this.topics.has(name)) return 'exists';
    this.creations++;
    this.topics.set(name, {
      partitions: spec.partitions,
      config: { ...spec.config },
      ends: Array(spec.partitions).fill(0),
    });
    return 'created';
  }

  async deleteTempTopic(name: string): Promise<void> {
    if (!isTempTopicName(name)) throw new Error(`refusing to delete ${name}: not a TEMP topic`);
    this.topics.delete(name);
  }

  async topicExists(name: string): Promise<boolean> {
    return this.topics.has(name);
  }

  async partitionCount(topic: string): Promise<number> {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`topic ${topic} missing`);
    return t.partitions;
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`topic ${topic} missing`);
    return t.ends.map((offset, partition) => ({ partition, offset: String(offset) }));
  }

  async topicConfig(topic: string): Promise<Record<string, string>> {
    return { ...(this.topics.get(topic)?.config ?? {}) };
  }

  async deleteConsumerGroups(groupIds: readonly string[]): Promise<void> {
    for (const g of groupIds) this.groups.delete(g);
  }
}
