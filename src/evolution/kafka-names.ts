import { EvolveError } from '../errors.js';

/** Kafka's legal characters for topic names (and the safe alphabet for group and transactional ids). */
export const KAFKA_NAME = /^[a-zA-Z0-9._-]+$/;
export const KAFKA_TOPIC_MAX = 249;

export function checkTopicName(topic: string, what: string): void {
  if (
    !KAFKA_NAME.test(topic) ||
    topic.length > KAFKA_TOPIC_MAX ||
    topic === '.' ||
    topic === '..'
  ) {
    throw new EvolveError(
      'INPUT_INVALID',
      `${what} '${topic}' is not a legal Kafka topic name (letters, digits, '.', '_' and '-' only, ` +
        `at most ${KAFKA_TOPIC_MAX} characters).`,
    );
  }
}

/** The id ends up in topic names, consumer groups and transactional ids: keep it to Kafka's alphabet. */
export function checkEvolutionId(evolutionId: string): void {
  if (!KAFKA_NAME.test(evolutionId)) {
    throw new EvolveError(
      'INPUT_INVALID',
      `The evolution id '${evolutionId}' must be non-empty and use only letters, digits, '.', '_' and '-'.`,
    );
  }
}
