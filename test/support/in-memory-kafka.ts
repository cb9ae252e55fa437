import type { PartitionOffset } from '../../src/evolution/evolution.js';
import type { KafkaPort } from '../../src/evolution/ports/kafka-port.js';
import {
  isTempTopicName,
  isV1SnapshotTopicName,
  tempTopicName,
  v1SnapshotTopicName,
} from '../../src/evolution/shadow-names.js';

/** Topics and groups in memory; counts creations so tests can prove "created once". */
export class InMemoryKafka implements KafkaPort {
  readonly topics = new Map<
    string,
    { partitions: number; config: Record<string, string>; ends: number[] }
  >();
  readonly groups = new Set<string>();
  creations = 0;
  /** Earliest offsets per topic (absent: 0 everywhere). */
  readonly starts = new Map<string, number[]>();
  /** Snapshot copies made, as [snapshot topic, records]. */
  readonly copies: [string, number][] = [];

  addTopic(name: string, partitions = 2, ends: number[] = Array(partitions).fill(10)): void {
    this.topics.set(name, { partitions, config: { 'cleanup.policy': 'compact' }, ends });
  }

  async createTempTopic(outputTopic: string, evolutionId: string) {
    const topic = tempTopicName(outputTopic, evolutionId);
    const prod = this.topics.get(outputTopic);
    if (!prod) throw new Error(`topic ${outputTopic} missing`);
    if (this.topics.has(topic)) return { topic, partitions: prod.partitions, created: false };
    this.creations++;
    this.topics.set(topic, {
      partitions: prod.partitions,
      config: { 'cleanup.policy': 'compact' },
      ends: Array(prod.partitions).fill(0),
    });
    return { topic, partitions: prod.partitions, created: true };
  }

  async registerConsumerGroups(groupIds: readonly string[]): Promise<void> {
    for (const g of groupIds) this.groups.add(g);
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

  async createV1SnapshotTopic(outputTopic: string, evolutionId: string) {
    const topic = v1SnapshotTopicName(outputTopic, evolutionId);
    const prod = this.topics.get(outputTopic);
    if (!prod) throw new Error(`topic ${outputTopic} missing`);
    if (this.topics.has(topic)) return { topic, partitions: prod.partitions, created: false };
    this.topics.set(topic, {
      partitions: prod.partitions,
      config: { 'cleanup.policy': 'compact' },
      ends: Array(prod.partitions).fill(0),
    });
    return { topic, partitions: prod.partitions, created: true };
  }

  async deleteV1SnapshotTopic(name: string): Promise<void> {
    if (!isV1SnapshotTopicName(name)) throw new Error(`refusing to delete ${name}: not a snapshot`);
    this.topics.delete(name);
  }

  async copyBelowCutover(input: {
    snapshotTopic: string;
    cutover: PartitionOffset[];
  }): Promise<{ records: number }> {
    const t = this.topics.get(input.snapshotTopic);
    if (!t) throw new Error(`topic ${input.snapshotTopic} missing`);
    const records = input.cutover.reduce((n, o) => n + Number(o.offset), 0);
    t.ends = input.cutover.map((o) => Number(o.offset));
    this.copies.push([input.snapshotTopic, records]);
    return { records };
  }

  /** Merges made, as [base, TEMP]. */
  readonly merges: [string, string][] = [];

  async mergeBaseIntoTemp(input: { baseTopic: string; tempTopic: string }) {
    if (!this.topics.has(input.baseTopic)) throw new Error(`topic ${input.baseTopic} missing`);
    this.merges.push([input.baseTopic, input.tempTopic]);
    return { appended: 1, baseKeys: 2, tempKeys: 1 };
  }

  async startOffsets(topic: string): Promise<PartitionOffset[]> {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`topic ${topic} missing`);
    const starts = this.starts.get(topic) ?? [];
    return t.ends.map((_, partition) => ({ partition, offset: String(starts[partition] ?? 0) }));
  }

  async deleteConsumerGroups(groupIds: readonly string[]): Promise<void> {
    for (const g of groupIds) this.groups.delete(g);
  }
}
