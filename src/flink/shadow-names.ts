import { EvolveError } from '../errors.js';

const KAFKA_NAME = /^[a-zA-Z0-9._-]+$/;
const KAFKA_TOPIC_MAX = 249;

/**
 * TEMP = `<output>.evolve.<evolution-id>`: deterministic, so a retried step
 * finds the topic it created, and recognisable, so only our topics are deleted.
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

export function shadowTransactionalIdPrefix(evolutionId: string): string {
  return `evolve-${evolutionId}-shadow`;
}

export function shadowPipelineName(pipeline: string, evolutionId: string): string {
  return `evolve/${pipeline}/${evolutionId}/shadow`;
}

/**
 * One consumer group per source table, derived from the evolution and the
 * table name only, so a retry gets the same ids; names that clean up to the
 * same text get a numeric suffix in script order.
 */
export function shadowGroupIds(
  evolutionId: string,
  tables: readonly string[],
): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const table of tables) {
    const base = `evolve-${evolutionId}-shadow-${table.replace(/[^a-zA-Z0-9._-]/g, '_')}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    ids.set(table, id);
  }
  return ids;
}
