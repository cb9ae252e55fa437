import { describe, expect, it } from 'vitest';
import { newEvolution, newEvolutionId } from '../../src/evolution/new-evolution.js';
import { sqlHash, shortHash } from '../../src/evolution/sql-hash.js';
import { isTempTopicName, tempTopicName } from '../../src/evolution/shadow-names.js';
import { markStepDone, markStepIntent, stepState } from '../../src/evolution/deploy-steps.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline, V1_SQL, V2_SQL } from '../support/pipeline-fixture.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';

describe('sqlHash', () => {
  it('is the sha256 hex of the exact text; the display form is its first 12 characters', () => {
    expect(sqlHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sqlHash('abc ')).not.toBe(sqlHash('abc'));
    expect(shortHash(sqlHash('abc'))).toBe('ba7816bf8f01');
  });
});

describe('newEvolution', () => {
  it('ids are short, lowercase, topic-safe and carry the time', () => {
    const clock = new FakeClock();
    const id = newEvolutionId(clock);
    expect(id).toMatch(/^ev-[0-9a-z]+-[0-9a-z]{6}$/);
    expect(id.split('-')[1]).toBe(clock.now().toString(36));
    expect(newEvolutionId(clock, () => Buffer.from([0, 0, 0, 0]))).toMatch(/-000000$/);
    expect(newEvolutionId(clock)).not.toBe(id);
  });

  it('starts DEVELOPING with v1 from production, v2 hashed, TEMP named after the output topic', () => {
    const clock = new FakeClock();
    const ev = newEvolution({
      pipeline: aPipeline(),
      v2Sql: V2_SQL,
      requester: 'U0OWNER1',
      slack: { channel: 'C1' },
      clock,
    });
    expect(ev).toMatchObject({
      pipeline: 'revenue',
      status: 'DEVELOPING',
      version: 0,
      v1: { sql: V1_SQL, hash: sqlHash(V1_SQL) },
      v2: { sql: V2_SQL, hash: sqlHash(V2_SQL) },
      shadow: {
        tempTopic: `revenue-by-region.evolve.${ev.id}`,
        groupIds: [],
        startupMode: 'earliest-offset',
      },
      createdAt: clock.now(),
    });
    expect(isTempTopicName(ev.shadow.tempTopic)).toBe(true);
  });
});

describe('TEMP topic name', () => {
  it('never equals production names, and only TEMP-shaped topics pass the deletion check', () => {
    expect(tempTopicName(aPipeline().kafka.outputTopic, 'ev-abc-123xyz')).toBe(
      'revenue-by-region.evolve.ev-abc-123xyz',
    );
    expect(isTempTopicName('revenue-by-region')).toBe(false);
    expect(isTempTopicName('revenue-by-region.evolve.ev-abc-123xyz.backup')).toBe(false);
  });
});

describe('deploy step markers', () => {
  it('go pending -> intended -> done and keep the first intent time on retry', () => {
    const clock = new FakeClock();
    const ev = anEvolutionIn('DEPLOYING', clock);
    expect(stepState(ev, 'stopV1')).toBe('pending');
    const intended = markStepIntent(ev, 'stopV1', clock);
    const firstIntent = clock.now();
    expect(stepState(intended, 'stopV1')).toBe('intended');
    clock.advance(10);
    const retried = markStepIntent(intended, 'stopV1', clock);
    expect(retried.deploy?.steps.stopV1).toEqual({ intentAt: firstIntent });
    const done = markStepDone(retried, 'stopV1', clock);
    expect(stepState(done, 'stopV1')).toBe('done');
    expect(done.deploy?.steps.stopV1).toEqual({ intentAt: firstIntent, doneAt: clock.now() });
    expect(stepState(done, 'startV2')).toBe('pending');
  });
});
