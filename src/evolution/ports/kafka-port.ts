import type { PartitionOffset } from '../evolution.js';

export interface KafkaPort {
  /**
   * Creates TEMP (`<output>.evolve.<evolution-id>`) mirroring the production
   * topic: same partition count, compacted, its compaction settings.
   * Idempotent: `created: false` when a retry finds the topic it made before.
   */
  createTempTopic(
    outputTopic: string,
    evolutionId: string,
  ): Promise<{ topic: string; partitions: number; created: boolean }>;
  /** Refuses any name that is not one of ours (invariant 8). */
  deleteTempTopic(name: string): Promise<void>;
  topicExists(name: string): Promise<boolean>;
  partitionCount(topic: string): Promise<number>;
  /** Last stable offsets per partition. */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  /** Records groups as ours before a job uses them, so cleanup may delete them and nothing else. */
  registerConsumerGroups(groupIds: readonly string[]): Promise<void>;
  deleteConsumerGroups(groupIds: readonly string[]): Promise<void>;
}
