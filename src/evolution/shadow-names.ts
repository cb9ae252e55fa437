import { EvolveError } from '../errors.js';
import { checkEvolutionId, KAFKA_NAME, KAFKA_TOPIC_MAX } from './kafka-names.js';

/**
 * TEMP = `<output>.evolve.<evolution-id>`: deterministic, so a retried step
 * finds the topic it created, and recognisable, so only our topics are deleted.
 * The one definition of the name: the domain, the shadow rewrite and the
 * topic admin all take it from here, so they cannot drift apart.
 */
export function tempTopicName(outputTopic: string, evolutionId: string): string {
  checkEvolutionId(evolutionId);
  const name = `${outputTopic}.evolve.${evolutionId}`;
  if (!KAFKA_NAME.test(name) || name.length > KAFKA_TOPIC_MAX) {
    throw new EvolveError(
      'INPUT_INVALID',
      `The temporary topic name '${name}' is not a legal Kafka topic name (letters, digits, '.', '_' ` +
        `and '-' only, at most ${KAFKA_TOPIC_MAX} characters). Check the pipeline's output topic ` +
        `'${outputTopic}'; a shorter name may be needed.`,
    );
  }
  return name;
}

const TEMP_TOPIC_PATTERN = /\.evolve\.ev-[0-9a-z]+-[0-9a-z]+$/;

/**
 * Invariant 8 by name: only topics shaped like ours may be deleted. The
 * caller also checks the evolution record names this topic as its TEMP.
 */
export function isTempTopicName(topic: string): boolean {
  return TEMP_TOPIC_PATTERN.test(topic);
}

/**
 * The v1 snapshot = `<output>.evolve.<evolution-id>.v1`: the production
 * topic's records below the evolution's cutover (v1's answers), copied right
 * after the deploy so compaction cannot take them before a rollback needs
 * them. Owned by the evolution like its TEMP; deterministic for the same
 * reasons. It never matches isTempTopicName, and a TEMP never matches
 * isV1SnapshotTopicName: cleanup of one can never reach the other.
 */
export function v1SnapshotTopicName(outputTopic: string, evolutionId: string): string {
  checkEvolutionId(evolutionId);
  const name = `${outputTopic}.evolve.${evolutionId}.v1`;
  if (!KAFKA_NAME.test(name) || name.length > KAFKA_TOPIC_MAX) {
    throw new EvolveError(
      'INPUT_INVALID',
      `The v1 snapshot topic name '${name}' is not a legal Kafka topic name (letters, digits, '.', ` +
        `'_' and '-' only, at most ${KAFKA_TOPIC_MAX} characters). Check the pipeline's output topic ` +
        `'${outputTopic}'; a shorter name may be needed.`,
    );
  }
  return name;
}

const V1_SNAPSHOT_TOPIC_PATTERN = /\.evolve\.ev-[0-9a-z]+-[0-9a-z]+\.v1$/;

/** Invariant 8 for snapshots: only names shaped like ours may be deleted (the registry is checked too). */
export function isV1SnapshotTopicName(topic: string): boolean {
  return V1_SNAPSHOT_TOPIC_PATTERN.test(topic);
}
