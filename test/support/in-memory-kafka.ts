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
  /** Every copyBelowCutover call, in order, so tests can see what was copied and how often. */
  readonly copies: { outputTopic: string; snapshotTopic: string; cutover: PartitionOffset[] }[] =
    [];

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

  async deleteConsumerGroups(groupIds: readonly string[]): Promise<void> {
    for (const g of groupIds) this.groups.delete(g);
  }

  async startOffsets(topic: string): Promise<PartitionOffset[]> {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`topic ${topic} missing`);
    return t.ends.map((_, partition) => ({ partition, offset: '0' }));
  }

  async createV1SnapshotTopic(outputTopic: string, evolutionId: string) {
    const topic = v1SnapshotTopicName(outputTopic, evolutionId);
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

  async deleteV1SnapshotTopic(name: string): Promise<void> {
    if (!isV1SnapshotTopicName(name))
      throw new Error(`refusing to delete ${name}: not a v1 snapshot topic`);
    this.topics.delete(name);
  }

  /** Pretends every offset below the cutover held one record; the snapshot's ends grow by as many. */
  async copyBelowCutover(input: {
    outputTopic: string;
    snapshotTopic: string;
    cutover: PartitionOffset[];
  }): Promise<{ records: number }> {
    const snapshot = this.topics.get(input.snapshotTopic);
    if (!this.topics.has(input.outputTopic) || !snapshot)
      throw new Error(`topic ${input.outputTopic} or ${input.snapshotTopic} missing`);
    this.copies.push({ ...input, cutover: [...input.cutover] });
    let records = 0;
    for (const c of input.cutover) {
      records += Number(c.offset);
      snapshot.ends[c.partition] = (snapshot.ends[c.partition] ?? 0) + Number(c.offset);
    }
    return { records };
  }
}
