import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { createTopic, deleteTopics, endOffsets, produce } from '../kafka/kafka-test-kit.js';
import { LIVE_OWNER, liveWithoutFlink } from '../support/live-without-flink.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * `/evolve rollback` while the evolution's backfill runs: the run is
 * cancelled (its partitions stop at their next chunk), the evolution is
 * completed, and the rollback starts from its S1, all in one request. No
 * workers run here, so nothing but the request's own changes happen.
 */
describe('rollback of an evolution whose backfill is running', () => {
  let rt: Runtime;
  const notifier = new RecordingNotifier();
  const topics: string[] = [];

  beforeAll(async () => {
    rt = await testRuntime(notifier);
  });
  afterAll(async () => {
    await deleteTopics(rt.kafka, topics).catch(() => undefined);
    await disposeRuntime(rt);
  });

  it('cancels the backfill, completes the evolution and starts the rollback', async () => {
    const prodTopic = uniqueName('prod-rbfill');
    const name = uniqueName('rbfill').toLowerCase();
    topics.push(prodTopic, `${prodTopic}.temp`);
    await createTopic(rt.kafka, prodTopic, 2);
    await createTopic(rt.kafka, `${prodTopic}.temp`, 2);
    await produce(rt.kafka, prodTopic, [{ key: 'k', value: 'v1', partition: 0 }]);
    const live = await liveWithoutFlink(rt, {
      name,
      prodTopic,
      tempTopic: async () => `${prodTopic}.temp`,
      cutover: () => endOffsets(rt.kafka, prodTopic),
    });
    // As the deploy leaves it: production runs v2, S1 recorded, v1's answers kept.
    const now = rt.workflow.clock.now();
    await rt.workflow.pipelines.updateProduction(name, {
      sql: live.v2.sql,
      sqlHash: live.v2.hash,
      flinkJobId: live.v2JobId!,
    });
    await rt.workflow.evolutions.update(live.id, live.version, (cur) => ({
      ...cur,
      savepoints: {
        ...cur.savepoints,
        s1: { jobId: 'a'.repeat(32), triggerId: 't', requestedAt: now, location: 'file:/s1' },
      },
      v1Snapshot: {
        topic: `${prodTopic}.evolve.${cur.id}.v1`,
        until: now + 60_000,
        completedAt: now,
      },
    }));
    const backfilling = await rt.service.startBackfill(name, LIVE_OWNER, { rate: 1 });
    expect(backfilling.status).toBe('BACKFILLING');

    // A stranger is refused before Kafka is asked anything, and nothing changes.
    const kafkaFor = rt.workflow.kafkaFor;
    let kafkaAsked = 0;
    rt.workflow.kafkaFor = (p) => {
      kafkaAsked++;
      return kafkaFor(p);
    };
    await expect(
      rt.service.rollback({ pipeline: name, actor: { id: 'U0STRANGER' }, channel: 'C0' }),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    rt.workflow.kafkaFor = kafkaFor;
    expect(kafkaAsked).toBe(0);
    expect((await rt.workflow.evolutions.load(live.id)).status).toBe('BACKFILLING');

    const rollback = await rt.service.rollback({
      pipeline: name,
      actor: LIVE_OWNER,
      channel: 'C0',
    });

    expect(rollback.status).toBe('DEVELOPING');
    expect(rollback.rollbackOf).toEqual({
      evolutionId: live.id,
      savepoint: 'file:/s1',
      baseTopic: `${prodTopic}.evolve.${live.id}.v1`,
      // The request cancelled that backfill: a rollback ending without going live says so.
      unfinishedBackfill: 'running',
    });
    expect(rollback.v2.sql).toBe(live.v1.sql);
    const reversed = await rt.workflow.evolutions.load(live.id);
    expect(reversed.status).toBe('COMPLETED');
    expect(reversed.completedWithoutBackfill?.by).toBe(LIVE_OWNER.id);
    expect(reversed.backfill?.finishedAt).toBeDefined();
    expect(reversed.rolledBackBy).toBe(rollback.id);
    const cancel = new RedisKeys(rt.keyPrefix).backfillRun(backfilling.backfill!.runId).cancel;
    expect(await rt.redis.exists(cancel)).toBe(1);
    expect((await rt.workflow.evolutions.activeFor(name))?.id).toBe(rollback.id);
    const events = (await rt.service.history(name)).audit.map(
      (e) => `${e.action} ${e.before ?? '-'} -> ${e.after ?? '-'}`,
    );
    expect(events).toEqual(
      expect.arrayContaining([
        'cancelBackfill BACKFILLING -> LIVE',
        'complete LIVE -> COMPLETED',
        'rollback - -> DEVELOPING',
        'rollback - -> -',
      ]),
    );
  });
});
