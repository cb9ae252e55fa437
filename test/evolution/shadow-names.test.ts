import { describe, expect, it } from 'vitest';
import { EvolveError } from '../../src/errors.js';
import {
  isTempTopicName,
  isV1SnapshotTopicName,
  tempTopicName,
  v1SnapshotTopicName,
} from '../../src/evolution/shadow-names.js';
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

describe('v1SnapshotTopicName', () => {
  it('is <output>.evolve.<evolution-id>.v1', () => {
    expect(v1SnapshotTopicName('revenue', 'ev-abc-123xyz')).toBe('revenue.evolve.ev-abc-123xyz.v1');
  });

  it('refuses names Kafka would refuse, naming the output topic to shorten', () => {
    expect(() => v1SnapshotTopicName('revenue', 'a/b')).toThrow(EvolveError);
    expect(v1SnapshotTopicName('r'.repeat(249 - '.evolve.e1.v1'.length), 'e1')).toHaveLength(249);
    const long = 'r'.repeat(250 - '.evolve.e1.v1'.length);
    try {
      v1SnapshotTopicName(long, 'e1');
      expect.unreachable();
    } catch (err) {
      expect((err as EvolveError).code).toBe('INPUT_INVALID');
      expect((err as EvolveError).userMessage).toBe(
        `The v1 snapshot topic name '${long}.evolve.e1.v1' is not a legal Kafka topic name ` +
          `(letters, digits, '.', '_' and '-' only, at most 249 characters). Check the pipeline's ` +
          `output topic '${long}'; a shorter name may be needed.`,
      );
    }
  });
});

describe('TEMP and v1 snapshot names never pass for each other', () => {
  const id = 'ev-mh3k2q1-0a9z8y';
  const outputs = ['revenue', 'a.evolve', 'a.evolve.ev-1-2', 'x.evolve.ev-1-2.v1', 'v1', 'a.v1'];

  it('a TEMP name is a TEMP name and not a snapshot name', () => {
    for (const out of outputs) {
      expect(isTempTopicName(tempTopicName(out, id)), out).toBe(true);
      expect(isV1SnapshotTopicName(tempTopicName(out, id)), out).toBe(false);
    }
  });

  it('a snapshot name is a snapshot name and not a TEMP name', () => {
    for (const out of outputs) {
      expect(isV1SnapshotTopicName(v1SnapshotTopicName(out, id)), out).toBe(true);
      expect(isTempTopicName(v1SnapshotTopicName(out, id)), out).toBe(false);
    }
  });

  it('neither matches a production-looking name or a different suffix', () => {
    for (const name of ['revenue', 'revenue.evolve', 'revenue.evolve.ev-1-2.v2', 'revenue.v1']) {
      expect(isV1SnapshotTopicName(name), name).toBe(false);
    }
    expect(isTempTopicName('revenue.evolve.ev-1-2.v1x')).toBe(false);
  });
});
