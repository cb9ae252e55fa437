import type { PartitionOffset } from '../evolution.js';

export interface TempTopicSpec {
  partitions: number;
  /** Topic configs copied from the production topic (cleanup.policy=compact at least). */
  config: Readonly<Record<string, string>>;
}

export interface KafkaPort {
  /** Idempotent: 'exists' when a retry finds the topic it created before. */
  createTempTopic(name: string, spec: TempTopicSpec): Promise<'created' | 'exists'>;
  /** Refuses any name that is not one of ours (invariant 8). */
  deleteTempTopic(name: string): Promise<void>;
  topicExists(name: string): Promise<boolean>;
  partitionCount(topic: string): Promise<number>;
  /** Last stable offsets per partition. */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  topicConfig(topic: string): Promise<Record<string, string>>;
  deleteConsumerGroups(groupIds: readonly string[]): Promise<void>;
}
