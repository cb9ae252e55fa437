import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RedisEvolutionStore } from '../../src/store/redis-evolution-store.js';
import type { RedisPipelineRegistry } from '../../src/store/redis-pipeline-registry.js';
import { createRedisStores } from '../../src/store/create-redis-stores.js';
import { updateLatest } from '../../src/evolution/update-latest.js';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { markStepIntent } from '../../src/evolution/deploy-steps.js';
import {
  ConcurrentUpdateError,
  EvolutionConflictError,
} from '../../src/evolution/evolution-errors.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { FakeClock } from '../support/fake-clock.js';
import { aPipeline, V2_SQL } from '../support/pipeline-fixture.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { StoredRecordInvalidError } from '../../src/store/stored-records.js';
import { ReplyDroppingProxy } from '../support/reply-dropping-proxy.js';

describe('RedisEvolutionStore (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let clock: FakeClock;
  let registry: RedisPipelineRegistry;
  let store: RedisEvolutionStore;
  const pipeline = aPipeline();

  beforeAll(() => {
    redis = new Redis(stackEndpoints().redisUrl, { lazyConnect: false });
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(async (ctx) => {
    prefix = `${uniqueName(`test-store-${ctx.task.name.slice(0, 20).replace(/\W+/g, '-')}`)}:`;
    clock = new FakeClock();
    const stores = createRedisStores({ redis, clock, prefix, auditMaxLen: 100 });
    registry = stores.pipelines;
    store = stores.evolutions;
    await registry.register(pipeline);
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(redis, prefix);
  });

  const develop = (requester = 'U0OWNER1'): Promise<Evolution> =>
    startEvolution(
      { evolutions: store, audit: store.audit },
      {
        pipeline,
        v2Sql: V2_SQL,
        requester,
        slack: { channel: 'C0EVOLVE', threadTs: '1700000000.000100' },
        clock,
      },
    );

  it('stores, reads back and lists evolutions newest first, all under the prefix', async () => {
    const first = await develop();
    expect(first.version).toBe(1);
    expect(await store.load(first.id)).toEqual(first);
    await store.transition(first.id, { type: 'abort' }, 'U0OWNER1');
    clock.advance(1000);
    const second = await develop('U0OWNER2');
    expect((await store.listByPipeline('revenue')).map((e) => e.id)).toEqual([second.id, first.id]);
    expect((await store.activeFor('revenue'))?.id).toBe(second.id);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
    await expect(store.load('ev-nope-000000')).rejects.toMatchObject({
      code: 'EVOLUTION_NOT_FOUND',
    });
  });

  it('refuses a second active evolution, naming the first and its requester, even when both race', async () => {
    const attempts = await Promise.allSettled([
      develop('U0OWNER1'),
      develop('U0OWNER2'),
      develop('U0OWNER1'),
    ]);
    const created = attempts.filter(
      (a): a is PromiseFulfilledResult<Evolution> => a.status === 'fulfilled',
    );
    expect(created).toHaveLength(1);
    const winner = created[0]!.value;
    for (const a of attempts) {
      if (a.status === 'rejected') {
        expect(a.reason).toBeInstanceOf(EvolutionConflictError);
        expect(a.reason.userMessage).toContain(
          `already has an active evolution: ${winner.id} (DEVELOPING), started by <@${winner.requester}>`,
        );
      }
    }
    expect((await store.listByPipeline('revenue')).map((e) => e.id)).toEqual([winner.id]);
  });

  it('frees the pipeline when its evolution reaches a terminal state, but not when it FAILED', async () => {
    const ev = await develop();
    await store.transition(
      ev.id,
      { type: 'fail', error: { code: 'X', message: 'boom', step: 'develop' } },
      'system',
    );
    await expect(develop('U0OWNER2')).rejects.toBeInstanceOf(EvolutionConflictError);
    await store.transition(ev.id, { type: 'abort' }, 'U0OWNER1');
    expect(await store.activeFor('revenue')).toBeUndefined();
    await expect(develop('U0OWNER2')).resolves.toMatchObject({ status: 'DEVELOPING' });
  });

  it('compare-and-set: of two racing updates one wins, the other gets ConcurrentUpdateError', async () => {
    const ev = await develop();
    const results = await Promise.allSettled([
      store.update(ev.id, ev.version, (e) => ({ ...e, shadow: { ...e.shadow, jobId: 'job-a' } })),
      store.update(ev.id, ev.version, (e) => ({ ...e, shadow: { ...e.shadow, jobId: 'job-b' } })),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ConcurrentUpdateError);
    expect(lost[0]!.reason.code).toBe('CONCURRENT_UPDATE');
    const stored = await store.load(ev.id);
    expect(stored.version).toBe(2);
    expect(stored.shadow.jobId).toBe(
      (won[0] as PromiseFulfilledResult<Evolution>).value.shadow.jobId,
    );
  });

  it('save with a stale version writes nothing, even when the check in update() passed', async () => {
    const ev = await develop();
    const marked = await store.update(ev.id, 1, (e) => markStepIntent(e, 'stopShadow', clock));
    expect(marked.version).toBe(2);
    await expect(store.save({ ...ev, v2JobId: 'stale' }, 1)).rejects.toMatchObject({
      code: 'CONCURRENT_UPDATE',
      actualVersion: 2,
    });
    expect((await store.load(ev.id)).v2JobId).toBeUndefined();
    expect((await store.load(ev.id)).deploy?.steps.stopShadow).toEqual({ intentAt: clock.now() });
  });

  it('update() refuses to change the status: that is what transition() is for', async () => {
    const ev = await develop();
    await expect(store.update(ev.id, 1, (e) => ({ ...e, status: 'LIVE' }))).rejects.toThrow(
      /use transition/,
    );
  });

  it('audits accepted and refused attempts in the pipeline stream', async () => {
    const ev = await develop('U0OWNER1');
    await store.transition(ev.id, { type: 'shadowStarted', jobId: 'j1' }, 'system:worker-1');
    await store.transition(
      ev.id,
      { type: 'requestApproval', shownSqlHash: ev.v2.hash, ttlMs: 60_000 },
      'U0OWNER2',
    );
    await expect(
      store.transition(ev.id, { type: 'approve', shownSqlHash: ev.v2.hash }, 'U0OWNER2'),
    ).rejects.toMatchObject({ code: 'APPROVAL_REFUSED' });
    clock.advance(10);
    await store.transition(ev.id, { type: 'approve', shownSqlHash: ev.v2.hash }, 'U0APPR1', {});
    await expect(develop('U0OWNER2')).rejects.toBeInstanceOf(EvolutionConflictError);

    const events = await store.audit.list('revenue');
    expect(
      events.map((e) => [e.actor, e.action, e.before ?? '-', e.after ?? '-', e.accepted]),
    ).toEqual([
      ['U0OWNER1', 'develop', '-', 'DEVELOPING', true],
      ['system:worker-1', 'shadowStarted', 'DEVELOPING', 'SHADOW_RUNNING', true],
      ['U0OWNER2', 'requestApproval', 'SHADOW_RUNNING', 'AWAITING_APPROVAL', true],
      ['U0OWNER2', 'approve', 'AWAITING_APPROVAL', '-', false],
      ['U0APPR1', 'approve', 'AWAITING_APPROVAL', 'DEPLOYING', true],
      ['U0OWNER2', 'develop', '-', '-', false],
    ]);
    const refusal = events[3]!;
    expect(refusal.code).toBe('APPROVAL_REFUSED');
    expect(refusal.reason).toContain('cannot approve it too');
    expect(events[5]!.reason).toContain(`active evolution: ${ev.id}`);
    expect(events[4]!.at).toBe(clock.now());
    // Raw stream entries stay readable by an operator with redis-cli.
    const raw = await redis.xrange(`${prefix}pipeline:revenue:audit`, '-', '+');
    expect(raw).toHaveLength(6);
    expect(raw[3]![1]).toEqual(expect.arrayContaining(['action', 'approve', 'accepted', '0']));
    expect(
      (await store.audit.list('revenue', { evolutionId: ev.id, limit: 2 })).map((e) => e.action),
    ).toEqual(['approve', 'approve']);
  });

  it('a transition whose reply is lost (connection cut after Redis ran it) is resent by ioredis and answered with the written record, audited once', async () => {
    const proxy = await ReplyDroppingProxy.start(stackEndpoints().redisUrl);
    const viaProxy = new Redis(proxy.url, { maxRetriesPerRequest: null });
    try {
      const proxied = createRedisStores({ redis: viaProxy, clock, prefix, auditMaxLen: 100 });
      const ev = await develop('U0OWNER1');
      await store.transition(ev.id, { type: 'shadowStarted', jobId: 'j1' }, 'system:worker-1');
      await store.transition(
        ev.id,
        { type: 'requestApproval', shownSqlHash: ev.v2.hash, ttlMs: 60_000 },
        'U0OWNER1',
      );
      // The approve script carries the new record: its status marks the command.
      proxy.dropReplyTo('"status":"DEPLOYING"');
      const approved = await proxied.evolutions.transition(
        ev.id,
        { type: 'approve', shownSqlHash: ev.v2.hash },
        'U0APPR1',
      );
      expect(proxy.dropped, 'the reply to the approve script was lost').toBe(1);
      expect(approved.status).toBe('DEPLOYING');
      const stored = await store.load(ev.id);
      expect(stored.version, 'written once, not twice').toBe(approved.version);
      const approvals = (await store.audit.list('revenue', { evolutionId: ev.id })).filter(
        (e) => e.action === 'approve',
      );
      expect(approvals.map((e) => [e.actor, e.accepted])).toEqual([['U0APPR1', true]]);
      // A different write with the stale version is still a conflict: only the same request is recognised.
      await expect(
        store.save({ ...stored, updatedAt: 1 }, stored.version - 1),
      ).rejects.toBeInstanceOf(ConcurrentUpdateError);
    } finally {
      viaProxy.disconnect();
      await proxy.close();
    }
  });

  it('a create whose reply is lost is resent and answered with the record it created, not a conflict with itself', async () => {
    const proxy = await ReplyDroppingProxy.start(stackEndpoints().redisUrl);
    const viaProxy = new Redis(proxy.url, { maxRetriesPerRequest: null });
    try {
      const proxied = createRedisStores({ redis: viaProxy, clock, prefix, auditMaxLen: 100 });
      proxy.dropReplyTo('"status":"DEVELOPING"');
      const ev = await startEvolution(
        { evolutions: proxied.evolutions, audit: proxied.evolutions.audit },
        { pipeline, v2Sql: V2_SQL, requester: 'U0OWNER1', slack: { channel: 'C0EVOLVE' }, clock },
      );
      expect(proxy.dropped).toBe(1);
      expect(ev.status).toBe('DEVELOPING');
      expect((await store.activeFor('revenue'))?.id).toBe(ev.id);
      const events = await store.audit.list('revenue');
      expect(events.map((e) => [e.action, e.accepted])).toEqual([['develop', true]]);
    } finally {
      viaProxy.disconnect();
      await proxy.close();
    }
  });

  it('keeps the working set: an evolution is in it while active, and while aborted until its cleanup ended', async () => {
    const working = () => redis.smembers(`${prefix}evolutions:working`);
    const ev = await develop();
    expect(await working()).toEqual([ev.id]);
    const aborted = await store.transition(ev.id, { type: 'abort' }, 'U0OWNER1');
    expect(await working(), 'the cleanup is still to run').toEqual([ev.id]);
    await store.update(ev.id, aborted.version, (cur) => ({ ...cur, cleanupEndedAt: clock.now() }));
    expect(await working()).toEqual([]);
  });

  it('caps the audit stream approximately', async () => {
    const ev = await develop();
    for (let i = 0; i < 400; i++) {
      await store.audit.append({
        evolutionId: ev.id,
        pipeline: 'revenue',
        actor: 'U0X',
        action: 'abort',
        accepted: false,
        at: i,
      });
    }
    const length = await redis.xlen(`${prefix}pipeline:revenue:audit`);
    expect(length).toBeLessThan(401);
    expect(length).toBeGreaterThanOrEqual(100);
  });

  it('updateLatest: progress from many workers at once, none lost', async () => {
    const ev = await develop();
    const workers = Array.from({ length: 8 }, (_, i) => {
      const conn = redis.duplicate();
      const { evolutions } = createRedisStores({ redis: conn, clock, prefix });
      return { conn, evolutions, i };
    });
    try {
      await Promise.all(
        workers.map(({ evolutions, i }) =>
          updateLatest(
            evolutions,
            ev.id,
            (cur) => ({
              ...cur,
              shadow: { ...cur.shadow, groupIds: [...cur.shadow.groupIds, `g${i}`] },
            }),
            50,
          ),
        ),
      );
    } finally {
      await Promise.all(workers.map(({ conn }) => conn.quit()));
    }
    const stored = await store.load(ev.id);
    expect([...stored.shadow.groupIds].sort()).toEqual(workers.map(({ i }) => `g${i}`).sort());
    expect(stored.version).toBe(1 + workers.length);
  });

  it('a lost compare-and-set appends no audit event: write and audit are one step', async () => {
    const ev = await develop();
    await store.update(ev.id, 1, (e) => markStepIntent(e, 'stopShadow', clock));
    const before = await redis.xlen(`${prefix}pipeline:revenue:audit`);
    const audit = {
      evolutionId: ev.id,
      pipeline: 'revenue',
      actor: 'system',
      action: 'abort',
      before: 'DEVELOPING' as const,
      after: 'ABORTED' as const,
      accepted: true,
      at: clock.now(),
    };
    await expect(store.save({ ...ev, status: 'ABORTED' }, 1, audit)).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
    expect(await redis.xlen(`${prefix}pipeline:revenue:audit`)).toBe(before);
    expect((await store.activeFor('revenue'))?.id).toBe(ev.id);
  });

  it('a pointer left to a missing or finished evolution does not block the pipeline', async () => {
    const first = await develop();
    await store.transition(first.id, { type: 'abort' }, 'U0OWNER1');
    await redis.set(`${prefix}pipeline:revenue:active`, first.id);
    const second = await develop('U0OWNER2');
    await redis.set(`${prefix}pipeline:revenue:active`, 'ev-gone-000000');
    await store.transition(second.id, { type: 'abort' }, 'U0OWNER2');
    await redis.set(`${prefix}pipeline:revenue:active`, 'ev-gone-000000');
    await expect(develop('U0OWNER1')).resolves.toMatchObject({ status: 'DEVELOPING' });
    expect(await store.listByPipeline('revenue', 0)).toEqual([]);
  });

  it('a record it did not write stops the read with a message naming the key and the field; unknown fields survive a write', async () => {
    const ev = await develop();
    const key = `${prefix}evolution:${ev.id}`;
    const { shadow: _dropped, ...withoutShadow } = ev;
    await redis.hset(key, 'data', JSON.stringify(withoutShadow));
    const err = await store.load(ev.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoredRecordInvalidError);
    expect(err).toMatchObject({ code: 'STORE_RECORD_INVALID', key });
    expect((err as StoredRecordInvalidError).userMessage).toContain(
      `${key} cannot be read (shadow:`,
    );
    await expect(store.listByPipeline('revenue')).rejects.toBeInstanceOf(StoredRecordInvalidError);
    await redis.hset(key, 'data', '{"id":');
    await expect(store.load(ev.id)).rejects.toMatchObject({
      userMessage: expect.stringContaining('(not JSON)'),
    });

    // A field of a newer version is kept through this version's read-modify-write.
    await redis.hset(key, 'data', JSON.stringify({ ...ev, fromNewerVersion: { x: 1 } }));
    await store.update(ev.id, ev.version, (cur) => ({ ...cur, updatedAt: cur.updatedAt + 1 }));
    const raw = JSON.parse((await redis.hget(key, 'data'))!) as Record<string, unknown>;
    expect(raw.fromNewerVersion).toEqual({ x: 1 });
  });
});
