import type { Kafka } from 'kafkajs';
import type { PartitionOffset } from '../evolution/evolution.js';
import type { KafkaPort } from '../evolution/ports/kafka-port.js';
import { copyBelowCutover, type CopyBelowCutoverInput } from './copy-below-cutover.js';
import { TopicMissingError } from './kafka-errors.js';
import { mergeBaseIntoTemp } from './merge-base-into-temp.js';
import type { TopicAdmin } from './topic-admin.js';

/** The domain's KafkaPort over TopicAdmin (which keeps the registry of what we created). */
export class KafkaClusterPort implements KafkaPort {
  constructor(
    private readonly admin: TopicAdmin,
    /** The client the copies read and write with (the admin's own client is for metadata). */
    private readonly kafka: Kafka,
  ) {}

  async createTempTopic(outputTopic: string, evolutionId: string) {
    return this.admin.createTempTopic(outputTopic, evolutionId);
  }

  async deleteTempTopic(name: string): Promise<void> {
    await this.admin.deleteTempTopic(name);
  }

  async topicExists(name: string): Promise<boolean> {
    try {
      await this.admin.partitionCount(name);
      return true;
    } catch (err) {
      if (err instanceof TopicMissingError) return false;
      throw err;
    }
  }

  async partitionCount(topic: string): Promise<number> {
    return this.admin.partitionCount(topic);
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const offsets = await this.admin.snapshotOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, offset: String(o.end) }));
  }

  async startOffsets(topic: string): Promise<PartitionOffset[]> {
    const offsets = await this.admin.snapshotOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, offset: String(o.start) }));
  }

  async createV1SnapshotTopic(outputTopic: string, evolutionId: string) {
    return this.admin.createV1SnapshotTopic(outputTopic, evolutionId);
  }

  async deleteV1SnapshotTopic(name: string): Promise<void> {
    await this.admin.deleteV1SnapshotTopic(name);
  }

  async copyBelowCutover(input: CopyBelowCutoverInput): Promise<{ records: number }> {
    return copyBelowCutover({ kafka: this.kafka, admin: this.admin }, input);
  }

  /** Every partition at once: each reads and appends only its own. */
  async mergeBaseIntoTemp(input: {
    baseTopic: string;
    tempTopic: string;
    partitions: readonly number[];
  }): Promise<{ appended: number; baseKeys: number; tempKeys: number }> {
    const results = await Promise.all(
      input.partitions.map((partition) =>
        mergeBaseIntoTemp(this.kafka, {
          baseTopic: input.baseTopic,
          tempTopic: input.tempTopic,
          partition,
        }),
      ),
    );
    const sum = (k: 'appended' | 'baseKeys' | 'tempKeys') => results.reduce((n, r) => n + r[k], 0);
    return { appended: sum('appended'), baseKeys: sum('baseKeys'), tempKeys: sum('tempKeys') };
  }

  async registerConsumerGroups(groupIds: readonly string[]): Promise<void> {
    for (const g of groupIds) await this.admin.registerGroup(g);
  }

  async deleteConsumerGroups(groupIds: readonly string[]): Promise<void> {
    await this.admin.deleteGroups(groupIds);
  }
}
