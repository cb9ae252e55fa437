import { describe, expect, it } from 'vitest';
import { assertCliActor, mayInspect } from '../../src/evolution/access.js';
import { newEvolution } from '../../src/evolution/new-evolution.js';
import { describeChanges, pipelineChanges } from '../../src/evolution/pipeline-changes.js';
import { pipelineForEvolution } from '../../src/evolution/pipeline-snapshot.js';
import {
  decideRegistration,
  isAdministrator,
  PIPELINES_FILE_ACTOR,
} from '../../src/evolution/registration-policy.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';

const ADMINS = ['U0ADMIN', 'S0ADMINS'];
const known = aPipeline();

describe('decideRegistration', () => {
  it('a new pipeline needs an administrator, by id or by group', () => {
    const next = aPipeline({ name: 'fresh' });
    expect(decideRegistration({ next, who: { actor: 'U0ADMIN' }, admins: ADMINS })).toMatchObject({
      allowed: true,
    });
    expect(
      decideRegistration({ next, who: { actor: 'U0X', actorGroups: ['S0ADMINS'] }, admins: ADMINS })
        .allowed,
    ).toBe(true);
    const stranger = decideRegistration({ next, who: { actor: 'U0OWNER1' }, admins: ADMINS });
    expect(stranger).toMatchObject({ allowed: false, code: 'PERMISSION_DENIED' });
    expect(stranger.allowed || stranger.reason).toMatch(/Only administrators register pipelines/);
  });

  it('with no administrator configured, only the pipelines file registers', () => {
    const next = aPipeline({ name: 'fresh' });
    const refused = decideRegistration({ next, who: { actor: 'U0ADMIN' }, admins: [] });
    expect(refused.allowed || refused.reason).toMatch(/EVOLVE_ADMINS is empty/);
    expect(
      decideRegistration({ next, who: { actor: PIPELINES_FILE_ACTOR }, admins: [] }).allowed,
    ).toBe(true);
    // The workers' actor is not an administrator.
    expect(isAdministrator({ actor: 'system' }, ['system'])).toBe(false);
  });

  it.each([
    ['owners', { owners: ['U0OWNER1', 'U0NEW'] }],
    ['approvers', { approvers: ['U0OWNER1'] }],
    ['allowSelfApproval', { allowSelfApproval: true }],
    ['kafka.outputTopic', { kafka: { outputTopic: 'other', keyFormat: 'json' as const } }],
    [
      'kafka.keyFormat',
      { kafka: { outputTopic: known.kafka.outputTopic, keyFormat: 'raw' as const } },
    ],
    [
      'flink.gatewayUrl',
      { flink: { restUrl: known.flink.restUrl, gatewayUrl: 'http://evil:8083' } },
    ],
  ])('an owner may not change %s', (field, change) => {
    const d = decideRegistration({
      known,
      next: { ...known, ...change },
      who: { actor: 'U0OWNER1' },
      admins: ADMINS,
    });
    expect(d.allowed).toBe(false);
    expect(d.allowed || d.reason).toContain(`Only administrators change ${field}`);
    expect(d.changes.map((c) => c.field)).toEqual([field]);
  });

  it('an owner may change the defaults; a stranger may change nothing; no change is fine', () => {
    const next = {
      ...known,
      approvalTtlMs: 120_000,
      backfill: { rate: 50, mode: 'full' as const },
    };
    expect(decideRegistration({ known, next, who: { actor: 'U0OWNER1' }, admins: [] })).toEqual({
      allowed: true,
      changes: [
        { field: 'approvalTtlMs', before: known.approvalTtlMs, after: 120_000 },
        { field: 'backfill.rate', before: 1000, after: 50 },
      ],
    });
    expect(
      decideRegistration({ known, next, who: { actor: 'U0NOBODY' }, admins: [] }).allowed,
    ).toBe(false);
    expect(
      decideRegistration({ known, next: { ...known }, who: { actor: 'U0NOBODY' }, admins: [] }),
    ).toEqual({ allowed: true, changes: [] });
  });

  it('refuses, even to an administrator, a change of what an active evolution snapshotted', () => {
    const active = { id: 'ev-1', status: 'SHADOW_RUNNING' as const, requester: 'U0OWNER1' };
    const topic = decideRegistration({
      known,
      next: { ...known, kafka: { ...known.kafka, outputTopic: 'moved' } },
      who: { actor: 'U0ADMIN' },
      admins: ADMINS,
      active,
    });
    expect(topic).toMatchObject({ allowed: false, code: 'EVOLUTION_CONFLICT' });
    expect(topic.allowed || topic.reason).toContain('has evolution ev-1 in progress');
    // Owners are not snapshotted: someone who leaves can be removed mid-evolution.
    const owners = decideRegistration({
      known,
      next: { ...known, owners: ['U0OWNER2'] },
      who: { actor: 'U0ADMIN' },
      admins: ADMINS,
      active,
    });
    expect(owners.allowed).toBe(true);
  });
});

describe('pipeline changes', () => {
  it('treats principal lists as sets and describes before -> after', () => {
    const reordered = { ...known, owners: [...known.owners].reverse() };
    expect(pipelineChanges(known, reordered)).toEqual([]);
    const lines = describeChanges(pipelineChanges(known, { ...known, approvers: ['U0X'] }));
    expect(lines).toEqual([`approvers: ${known.approvers.join(', ')} -> U0X`]);
    expect(pipelineChanges(undefined, known)).toHaveLength(13);
  });
});

describe('the evolution snapshot', () => {
  it('keeps topic, key format, endpoints and approvers from the start, whatever the pipeline says later', () => {
    const ev = newEvolution({
      pipeline: known,
      v2Sql: 'INSERT INTO x SELECT 2',
      requester: 'U0OWNER1',
      slack: { channel: 'C1' },
      clock: new FakeClock(1),
    });
    const changed = {
      ...known,
      kafka: { outputTopic: 'moved', keyFormat: 'raw' as const },
      flink: { restUrl: 'http://elsewhere:1', gatewayUrl: 'http://elsewhere:2' },
      approvers: ['U0OWNER1'],
      allowSelfApproval: true,
    };
    expect(pipelineForEvolution(changed, ev)).toMatchObject({
      kafka: known.kafka,
      flink: known.flink,
      approvers: known.approvers,
      allowSelfApproval: false,
    });
    const { snapshot: _none, ...older } = ev;
    expect(pipelineForEvolution(changed, older as typeof ev)).toBe(changed);
  });
});

describe('who the CLI may act as', () => {
  it('refuses the workers’ actor, malformed ids and people the rules do not name', () => {
    expect(() => assertCliActor('system', known, [])).toThrow(/workers' own actor/);
    expect(() => assertCliActor('system:deploy', known, [])).toThrow(/workers' own actor/);
    expect(() => assertCliActor('bob', known, [])).toThrow(/must be a Slack user id/);
    expect(() => assertCliActor('U0NOBODY', known, [])).toThrow(/not listed by user id/);
    expect(() => assertCliActor('U0NOBODY', undefined, [])).toThrow(/only administrators register/);
    expect(() => assertCliActor('U0OWNER1', known, [])).not.toThrow();
    expect(() => assertCliActor('U0APPR1', known, [])).not.toThrow();
    expect(() => assertCliActor('U0ADMIN', undefined, ADMINS)).not.toThrow();
  });

  it('lets owners, approvers and administrators inspect, nobody else', () => {
    expect(mayInspect(known, { actor: 'U0APPR1' }, [])).toBe(true);
    expect(mayInspect(known, { actor: 'U0X', actorGroups: ['S0OWNERS'] }, [])).toBe(true);
    expect(mayInspect(known, { actor: 'U0ADMIN' }, ADMINS)).toBe(true);
    expect(mayInspect(known, { actor: 'U0NOBODY' }, ADMINS)).toBe(false);
  });
});
