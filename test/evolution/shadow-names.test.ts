import { describe, expect, it } from 'vitest';
import { EvolveError } from '../../src/errors.js';
import { tempTopicName } from '../../src/evolution/shadow-names.js';
import { checkEvolutionId, checkTopicName } from '../../src/evolution/kafka-names.js';

describe('tempTopicName', () => {
  it('is <output>.evolve.<evolution-id>', () => {
    expect(tempTopicName('revenue', '01J8ZK')).toBe('revenue.evolve.01J8ZK');
  });

  it('refuses names Kafka would refuse', () => {
    expect(() => tempTopicName('revenue', 'a/b')).toThrow(EvolveError);
    expect(() => tempTopicName('rev enue', 'e1')).toThrow(/not a legal Kafka topic name/);
    expect(tempTopicName('r'.repeat(249 - '.evolve.e1'.length), 'e1')).toHaveLength(249);
    expect(() => tempTopicName('r'.repeat(250 - '.evolve.e1'.length), 'e1')).toThrow(/at most 249/);
  });

  it('says which output topic to shorten, as an INPUT_INVALID the user can act on', () => {
    const long = 'r'.repeat(250);
    try {
      tempTopicName(long, 'e1');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EvolveError);
      expect((err as EvolveError).code).toBe('INPUT_INVALID');
      expect((err as EvolveError).userMessage).toBe(
        `The temporary topic name '${long}.evolve.e1' is not a legal Kafka topic name (letters, ` +
          `digits, '.', '_' and '-' only, at most 249 characters). Check the pipeline's output ` +
          `topic '${long}'; a shorter name may be needed.`,
      );
    }
  });
});

describe('Kafka name checks', () => {
  it("refuse characters outside Kafka's alphabet, '.' and '..', and names over 249 characters", () => {
    expect(() => checkTopicName('revenue.evolve.e1', 'TEMP')).not.toThrow();
    for (const bad of ['', '.', '..', 'a b', 'a/b', 'x'.repeat(250)])
      expect(() => checkTopicName(bad, 'The temporary topic')).toThrow(
        /^The temporary topic '.*' is not a legal Kafka topic name/,
      );
    expect(() => checkEvolutionId('ev-abc-123xyz')).not.toThrow();
    expect(() => checkEvolutionId('')).toThrow(/must be non-empty/);
    expect(() => checkEvolutionId('a b')).toThrow(EvolveError);
  });
});
