import { describe, expect, it } from 'vitest';
import {
  lagBand,
  observationChanges,
  type JobReading,
  type Observation,
} from '../../src/observer/observation-changes.js';

const JOB = 'a'.repeat(32);
const THRESHOLD = 1000;

/** Feeds readings one after the other, as successive looks would, and collects what each posts. */
function looks(readings: readonly Partial<JobReading>[], start?: Observation) {
  let kept = start;
  return readings.map((r) => {
    const { observation, changes } = observationChanges(
      kept,
      { jobId: JOB, state: 'RUNNING', ...r },
      THRESHOLD,
    );
    kept = observation;
    return { observation, changes };
  });
}

describe('observationChanges', () => {
  it('posts nothing on the first look, whatever it finds, and keeps it as the baseline', () => {
    const { observation, changes } = observationChanges(
      undefined,
      { jobId: JOB, state: 'RESTARTING', restarts: 7, lagRecords: 50_000 },
      THRESHOLD,
    );
    expect(changes).toEqual([]);
    expect(observation).toEqual({
      jobId: JOB,
      state: 'RESTARTING',
      restarts: 7,
      lagBand: 'behind',
    });
  });

  it('posts nothing while nothing changes', () => {
    const out = looks([
      { restarts: 0, lagRecords: 10 },
      { restarts: 0, lagRecords: 900 },
      { restarts: 0, lagRecords: 0 },
    ]);
    expect(out.flatMap((o) => o.changes)).toEqual([]);
  });

  it('posts a state change, and only once', () => {
    const out = looks([{ state: 'RUNNING' }, { state: 'FAILED' }, { state: 'FAILED' }]);
    expect(out.map((o) => o.changes)).toEqual([
      [],
      [{ kind: 'state', from: 'RUNNING', to: 'FAILED' }],
      [],
    ]);
  });

  it('posts the restarts added since the last look with the total', () => {
    const out = looks([{ restarts: 0 }, { restarts: 2 }, { restarts: 2 }, { restarts: 3 }]);
    expect(out.map((o) => o.changes)).toEqual([
      [],
      [{ kind: 'restarts', added: 2, total: 2 }],
      [],
      [{ kind: 'restarts', added: 1, total: 3 }],
    ]);
  });

  it('posts a restart of a job that is RUNNING at both looks', () => {
    const [, second] = looks([
      { state: 'RUNNING', restarts: 4 },
      { state: 'RUNNING', restarts: 5 },
    ]);
    expect(second?.changes).toEqual([{ kind: 'restarts', added: 1, total: 5 }]);
  });

  it('posts no restart while the count is unknown, and keeps the last known count through it', () => {
    const out = looks([{ restarts: 1 }, {}, { restarts: undefined }, { restarts: 3 }]);
    expect(out.map((o) => o.changes)).toEqual([
      [],
      [],
      [],
      [{ kind: 'restarts', added: 2, total: 3 }],
    ]);
    expect(out[1]?.observation.restarts).toBe(1);
  });

  it('takes the first known count as the baseline when it was unknown before', () => {
    const out = looks([{}, { restarts: 4 }, { restarts: 4 }]);
    expect(out.flatMap((o) => o.changes)).toEqual([]);
    expect(out[2]?.observation.restarts).toBe(4);
  });

  it('takes a count that went down as the new baseline, without a message', () => {
    const out = looks([{ restarts: 5 }, { restarts: 0 }, { restarts: 1 }]);
    expect(out.map((o) => o.changes)).toEqual([[], [], [{ kind: 'restarts', added: 1, total: 1 }]]);
  });

  it('does not compare restart counts of two different jobs', () => {
    const first = observationChanges(
      undefined,
      { jobId: JOB, state: 'RUNNING', restarts: 1 },
      THRESHOLD,
    );
    const other = observationChanges(
      first.observation,
      { jobId: 'b'.repeat(32), state: 'RUNNING', restarts: 3 },
      THRESHOLD,
    );
    expect(other.changes).toEqual([]);
    expect(other.observation).toMatchObject({ jobId: 'b'.repeat(32), restarts: 3 });
  });

  it('reads an observation kept before job ids were kept as the same job', () => {
    const { changes } = observationChanges(
      { state: 'RUNNING', restarts: 1 },
      { jobId: JOB, state: 'RUNNING', restarts: 2 },
      THRESHOLD,
    );
    expect(changes).toEqual([{ kind: 'restarts', added: 1, total: 2 }]);
  });

  it('posts a lag band change down (caught up) and up (behind)', () => {
    const out = looks([
      { lagRecords: 80_000 },
      { lagRecords: 30_000 },
      { lagRecords: 200 },
      { lagRecords: 0 },
      { lagRecords: 5_000 },
    ]);
    expect(out.map((o) => o.changes)).toEqual([
      [],
      [],
      [{ kind: 'lag', from: 'behind', to: 'caught-up', records: 200 }],
      [],
      [{ kind: 'lag', from: 'caught-up', to: 'behind', records: 5_000 }],
    ]);
  });

  it('does not post a lag that hovers around the threshold (hysteresis)', () => {
    const out = looks([
      { lagRecords: 1_200 },
      { lagRecords: 900 },
      { lagRecords: 1_100 },
      { lagRecords: 600 },
      { lagRecords: 400 },
      { lagRecords: 999 },
      { lagRecords: 1_000 },
    ]);
    expect(out.map((o) => o.changes)).toEqual([
      [],
      [],
      [],
      [],
      [{ kind: 'lag', from: 'behind', to: 'caught-up', records: 400 }],
      [],
      [],
    ]);
  });

  it('keeps the lag band through a look that could not measure it', () => {
    const out = looks([{ lagRecords: 5_000 }, {}, { lagRecords: 4_000 }, { lagRecords: 10 }]);
    expect(out.map((o) => o.changes)).toEqual([
      [],
      [],
      [],
      [{ kind: 'lag', from: 'behind', to: 'caught-up', records: 10 }],
    ]);
    expect(out[1]?.observation.lagBand).toBe('behind');
  });

  it('takes the first measured lag as the baseline when it was not measured before', () => {
    const out = looks([{}, { lagRecords: 50_000 }, { lagRecords: 10 }]);
    expect(out.map((o) => o.changes)).toEqual([
      [],
      [],
      [{ kind: 'lag', from: 'behind', to: 'caught-up', records: 10 }],
    ]);
  });

  it('reads an observation kept as a bare state (the format before restarts and lag)', () => {
    const { changes, observation } = observationChanges(
      { state: 'RUNNING' },
      { jobId: JOB, state: 'RUNNING', restarts: 2, lagRecords: 5_000 },
      THRESHOLD,
    );
    expect(changes).toEqual([]);
    expect(observation).toEqual({ jobId: JOB, state: 'RUNNING', restarts: 2, lagBand: 'behind' });
  });

  it('posts every change of one look together', () => {
    const [, second] = looks([
      { state: 'RUNNING', restarts: 0, lagRecords: 0 },
      { state: 'RESTARTING', restarts: 1, lagRecords: 20_000 },
    ]);
    expect(second?.changes).toEqual([
      { kind: 'state', from: 'RUNNING', to: 'RESTARTING' },
      { kind: 'restarts', added: 1, total: 1 },
      { kind: 'lag', from: 'caught-up', to: 'behind', records: 20_000 },
    ]);
  });
});

describe('lagBand', () => {
  it('is behind above the threshold and caught up at or below it', () => {
    expect(lagBand(1_001, undefined, 1_000)).toBe('behind');
    expect(lagBand(1_000, undefined, 1_000)).toBe('caught-up');
    expect(lagBand(0, 'caught-up', 1_000)).toBe('caught-up');
  });

  it('leaves behind only at half the threshold or less', () => {
    expect(lagBand(501, 'behind', 1_000)).toBe('behind');
    expect(lagBand(500, 'behind', 1_000)).toBe('caught-up');
    expect(lagBand(800, 'caught-up', 1_000)).toBe('caught-up');
  });

  it('with a threshold of 0 is caught up only at no lag at all', () => {
    expect(lagBand(1, undefined, 0)).toBe('behind');
    expect(lagBand(0, 'behind', 0)).toBe('caught-up');
  });
});
