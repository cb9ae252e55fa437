import type { Pipeline } from './pipeline.js';

export interface ShadowNames {
  /** `<output>.evolve.<evolution-id>`: deterministic, so a retry finds the topic it created. */
  tempTopic: string;
  /** Prefix for the shadow's consumer groups; never a production group. */
  groupIdPrefix: string;
  transactionalIdPrefix: string;
  /** Flink `pipeline.name` of the shadow job. */
  jobName: string;
}

export function shadowNames(
  pipeline: Pick<Pipeline, 'name' | 'kafka'>,
  evolutionId: string,
): ShadowNames {
  return {
    tempTopic: `${pipeline.kafka.outputTopic}.evolve.${evolutionId}`,
    groupIdPrefix: `evolve.${pipeline.name}.${evolutionId}.shadow`,
    transactionalIdPrefix: `evolve.${pipeline.name}.${evolutionId}.shadow`,
    jobName: `evolve/${pipeline.name}/${evolutionId}/shadow`,
  };
}

const TEMP_TOPIC_PATTERN = /\.evolve\.ev-[0-9a-z]+-[0-9a-z]+$/;

/**
 * Invariant 8 by name: only topics shaped like ours may be deleted. The
 * caller also checks the evolution record names this topic as its TEMP.
 */
export function isTempTopicName(topic: string): boolean {
  return TEMP_TOPIC_PATTERN.test(topic);
}
