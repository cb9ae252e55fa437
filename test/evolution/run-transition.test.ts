import { beforeEach, describe, expect, it } from 'vitest';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { assertNoActiveEvolution } from '../../src/evolution/one-active-evolution.js';
import { listActiveEvolutions, updateLatest } from '../../src/evolution/update-latest.js';
import { EvolutionConflictError } from '../../src/evolution/evolution-errors.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline, V1_SQL, V2_SQL } from '../support/pipeline-fixture.js';
import {
  InMemoryAuditLog,
  InMemoryEvolutionStore,
  InMemoryPipelineRegistry,
} from '../support/in-memory-evolution-store.js';

describe('transitions through the repository port', () => {
  let clock: FakeClock;
  let audit: InMemoryAuditLog;
  let store: InMemoryEvolutionStore;
  const pipeline = aPipeline();

  beforeEach(async () => {
    clock = new FakeClock();
    audit = new InMemoryAuditLog();
    const registry = new InMemoryPipelineRegistry();
    await registry.register(pipeline);
    store = new InMemoryEvolutionStore(registry, audit, clock);
  });

  const develop = (requester = 'U0OWNER1') =>
    startEvolution(
      { evolutions: store, audit },
      { pipeline, v2Sql: V2_SQL, requester, slack: { channel: 'C1' }, clock },
    );

  it('runs the happy path and audits every step', async () => {
    const ev = await develop();
    await store.transition(ev.id, { type: 'shadowStarted', jobId: 'j1' }, 'system');
    await store.transition(
      ev.id,
      { type: 'requestApproval', shownSqlHash: ev.v2.hash, ttlMs: 1000 },
      'U0OWNER1',
    );
    const deploying = await store.transition(
      ev.id,
      { type: 'approve', shownSqlHash: ev.v2.hash },
      'U0APPR1',
    );
    expect(deploying).toMatchObject({ status: 'DEPLOYING', version: 4 });
    expect(audit.events.map((e) => [e.action, e.before, e.after, e.accepted])).toEqual([
      ['develop', undefined, 'DEVELOPING', true],
      ['shadowStarted', 'DEVELOPING', 'SHADOW_RUNNING', true],
      ['requestApproval', 'SHADOW_RUNNING', 'AWAITING_APPROVAL', true],
      ['approve', 'AWAITING_APPROVAL', 'DEPLOYING', true],
    ]);
  });

  it('audits refusals and throws them, writing nothing', async () => {
    const ev = await develop();
    await expect(store.transition(ev.id, { type: 'abort' }, 'U0STRANGER')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    await expect(store.transition(ev.id, { type: 'complete' }, 'U0OWNER1')).rejects.toMatchObject({
      code: 'TRANSITION_REFUSED',
    });
    expect((await store.load(ev.id)).version).toBe(1);
    expect(audit.events.slice(1).map((e) => [e.actor, e.action, e.accepted, e.code])).toEqual([
      ['U0STRANGER', 'abort', false, 'PERMISSION_DENIED'],
      ['U0OWNER1', 'complete', false, 'TRANSITION_REFUSED'],
    ]);
  });

  it('a develop by a non-owner is refused and audited', async () => {
    await expect(develop('U0APPR1')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(audit.events).toMatchObject([{ action: 'develop', actor: 'U0APPR1', accepted: false }]);
    expect(await store.activeFor('revenue')).toBeUndefined();
  });

  it('a second evolution is refused naming the active one and who started it', async () => {
    const first = await develop('U0OWNER1');
    const second = develop('U0OWNER2');
    await expect(second).rejects.toBeInstanceOf(EvolutionConflictError);
    await expect(second).rejects.toThrow(
      `already has an active evolution: ${first.id} (DEVELOPING), started by <@U0OWNER1>`,
    );
    expect(() => assertNoActiveEvolution('revenue', [first])).toThrow(EvolutionConflictError);
    await store.transition(first.id, { type: 'abort' }, 'U0OWNER1');
    await expect(develop('U0OWNER2')).resolves.toMatchObject({ status: 'DEVELOPING' });
  });

  it('two approval clicks racing: one deploys, the other is told who approved', async () => {
    const ev = await develop();
    await store.transition(ev.id, { type: 'shadowStarted', jobId: 'j1' }, 'system');
    await store.transition(
      ev.id,
      { type: 'requestApproval', shownSqlHash: ev.v2.hash, ttlMs: 1000 },
      'U0OWNER1',
    );
    const results = await Promise.allSettled([
      store.transition(ev.id, { type: 'approve', shownSqlHash: ev.v2.hash }, 'U0APPR1'),
      store.transition(ev.id, { type: 'approve', shownSqlHash: ev.v2.hash }, 'U0OWNER2'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'APPROVAL_REFUSED' });
    expect(String(refused.reason.userMessage)).toMatch(/already approved by <@U0(APPR1|OWNER2)>/);
  });

  it('refuses v2 SQL that is empty or the same as production, and audits it', async () => {
    const start = (v2Sql: string) =>
      startEvolution(
        { evolutions: store, audit },
        { pipeline, v2Sql, requester: 'U0OWNER1', slack: { channel: 'C1' }, clock },
      );
    await expect(start(V1_SQL)).rejects.toThrow(/nothing to evolve/);
    await expect(start('  \n')).rejects.toThrow(/v2 SQL is empty/);
    expect(audit.events.map((e) => [e.action, e.accepted, e.code])).toEqual([
      ['develop', false, 'INPUT_INVALID'],
      ['develop', false, 'INPUT_INVALID'],
    ]);
    expect(await store.activeFor('revenue')).toBeUndefined();
  });

  it('updateLatest applies every concurrent commutative write; listActiveEvolutions finds the active one', async () => {
    const ev = await develop();
    await Promise.all(
      Array.from({ length: 4 }, () =>
        updateLatest(store, ev.id, (cur) => ({
          ...cur,
          shadow: { ...cur.shadow, groupIds: [...cur.shadow.groupIds, 'g'] },
        })),
      ),
    );
    const stored = await store.load(ev.id);
    expect(stored.shadow.groupIds).toHaveLength(4);
    expect(stored.version).toBe(5);
    expect(
      (await listActiveEvolutions({ pipelines: store.pipelines, evolutions: store })).map(
        (e) => e.id,
      ),
    ).toEqual([ev.id]);
  });
});
