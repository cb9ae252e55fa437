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
