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
  /**
   * A rollback's generalised desired value, made concrete: appends to TEMP
   * the base's last record of every key TEMP never saw (not tombstones),
   * partition for partition. TEMP must be static. Correct to run again.
   */
  mergeBaseIntoTemp(input: {
    baseTopic: string;
    tempTopic: string;
    partitions: readonly number[];
  }): Promise<{ appended: number; baseKeys: number; tempKeys: number }>;
  /** Refuses any name that is not one of ours (invariant 8). */
  deleteTempTopic(name: string): Promise<void>;
  topicExists(name: string): Promise<boolean>;
  partitionCount(topic: string): Promise<number>;
  /** Last stable offsets per partition. */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  /** Earliest offset still in the log, per partition. */
  startOffsets(topic: string): Promise<PartitionOffset[]>;
  /**
   * Creates the evolution's v1 snapshot (`<output>.evolve.<evolution-id>.v1`)
   * like TEMP: compacted, the production topic's partition count and
   * compaction settings, registered as ours before it is created.
   * Idempotent: `created: false` when a retry finds it.
   */
  createV1SnapshotTopic(
    outputTopic: string,
    evolutionId: string,
  ): Promise<{ topic: string; partitions: number; created: boolean }>;
  /** Refuses any name that is not a v1 snapshot we created (invariant 8); a missing topic is fine. */
  deleteV1SnapshotTopic(name: string): Promise<void>;
  /**
   * Copies the production topic's records below the cutover (v1's answers,
   * tombstones included) into the snapshot, partition to partition, in
   * order. Safe to run again from the start after a crash.
   */
  copyBelowCutover(input: {
    outputTopic: string;
    snapshotTopic: string;
    cutover: PartitionOffset[];
    signal?: AbortSignal;
    onProgress?: (copied: number, total: number) => void;
  }): Promise<{ records: number }>;
  /** Records groups as ours before a job uses them, so cleanup may delete them and nothing else. */
  registerConsumerGroups(groupIds: readonly string[]): Promise<void>;
  deleteConsumerGroups(groupIds: readonly string[]): Promise<void>;
}
