import { describe, expect, it } from 'vitest';
import { ownedKind } from '../../src/kafka/topic-admin.js';
import { tempTopicName, v1SnapshotTopicName } from '../../src/evolution/shadow-names.js';

describe("TopicAdmin's reading of our topic names", () => {
  it('tells a TEMP from a v1 snapshot, whatever the output topic looks like', () => {
    for (const out of ['revenue', 'a.evolve', 'a.evolve.ev-1-2', 'x.evolve.ev-1-2.v1', 'v1']) {
      for (const id of ['ev-mh3k2q1-0a9z8y', 'e1', 'evo-abc']) {
        expect(ownedKind(tempTopicName(out, id)), `${out} ${id}`).toBe('temp');
        expect(ownedKind(v1SnapshotTopicName(out, id)), `${out} ${id}`).toBe('v1-snapshot');
      }
    }
  });

  it('claims neither a production name nor a name of both shapes', () => {
    for (const name of ['revenue', 'revenue.evolve', 'revenue.evolve.a.b', 'revenue.v1'])
      expect(ownedKind(name), name).toBeUndefined();
    // TEMP of `x.evolve` for evolution 'v1', or snapshot of `x` for evolution 'evolve'.
    expect(ownedKind('x.evolve.evolve.v1')).toBeUndefined();
  });
});
