import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { untilStatus } from '../support/crash-lane.js';
import { latestByKey, readAll, withAdmin } from '../support/kafka-test-client.js';
import { makeOrders, onlyCancelledOrders, sendOrders } from '../support/orders-pipeline.js';
import { useOrdersWorld } from '../support/orders-world.js';
import {
  approveToLive,
  evolveToLive,
  expectProductionIsV1FromScratch,
  OWNER,
  untilKept,
  untilMerged,
} from '../support/rollback-steps.js';
import { until } from '../support/until.js';

/**
 * DESIGN.md section 12 on the real stack: v1 counts every order per
 * customer, v2 drops cancelled ones (customers with only cancelled orders
 * vanish under v2). Evolve and backfill to v2, keep producing, roll back
 * and backfill with input still arriving: the output topic must then equal
 * v1 recomputed from scratch on the full input, key for key, including the
 * customers v2 had deleted.
 */
describe('rollback after go-live: production back to v1, the output topic to v1’s answers', () => {
  // Before the cutover: 300 customers. After it, orders only for the first 40 of them, so most
  // customers' v1 answer exists only below the cutover (the snapshot is what restores them).
  const early = [...onlyCancelledOrders(), ...makeOrders('o', 600, 300)];
  const later = (prefix: string, count: number, seed: number) =>
    makeOrders(prefix, count, 40, seed);
  const w = useOrdersWorld('rb', {
    orders: early,
    v1Ready: (records) => records.length >= 40,
  });

  it('ends with the output topic equal to v1 from scratch, the deleted customers back', async () => {
    // Evolve to v2 and backfill: the three customers with only cancelled orders are deleted.
    const evolved = await evolveToLive(w);
    expect(evolved.v1Snapshot?.topic).toBe(`${w.revenueTopic}.evolve.${evolved.id}.v1`);
    const kept = await untilKept(w, evolved.id);
    console.log(
      `[rollback] v1 kept: ${kept.v1Snapshot!.records} records in ${kept.v1Snapshot!.topic}`,
    );
    await sendOrders(w.ordersTopic, later('p', 150, 3));
    await w.rt.service.startBackfill(w.pipelineName, OWNER, { rate: 5000 });
    const v2Done = await untilStatus(w.rt, evolved.id, 'COMPLETED');
    expect(v2Done.backfill?.report?.deleted).toBeGreaterThanOrEqual(3);
    const underV2 = latestByKey(await readAll(w.revenueTopic));
    expect(underV2.get(JSON.stringify({ customer_id: 'gone0' }))).toBeNull();

    // A day later: more input, then the rollback.
    await sendOrders(w.ordersTopic, later('q', 100, 5));
    const started = await w.rt.service.rollback({
      pipeline: w.pipelineName,
      actor: OWNER,
      channel: 'C0EVOLVE',
    });
    expect(started.rollbackOf).toEqual({
      evolutionId: evolved.id,
      savepoint: kept.savepoints.s1!.location,
      baseTopic: kept.v1Snapshot!.topic,
    });
    expect(started.v2.sql).toBe(w.sql.v1);
    expect((await w.rt.workflow.evolutions.load(evolved.id)).rolledBackBy).toBe(started.id);
    const shadowRunning = await untilStatus(w.rt, started.id, 'SHADOW_RUNNING');
    expect(await w.flink.restoredFrom(shadowRunning.shadow.jobId!)).toBe(
      kept.savepoints.s1!.location,
    );
    const live = await approveToLive(w, started);
    expect((await w.rt.workflow.pipelines.load(w.pipelineName)).production.sqlHash).toBe(
      evolved.v1.hash,
    );

    // Refused until v1's answers are merged into TEMP, then with input still arriving while it runs.
    const merged = await untilMerged(w, live.id);
    console.log(`[rollback] merged into TEMP: ${merged.rollbackOf!.merged} keys`);
    expect(merged.rollbackOf!.merged).toBeGreaterThan(100);
    await w.rt.service.startBackfill(w.pipelineName, OWNER, { rate: 5000 });
    await sendOrders(w.ordersTopic, later('r', 50, 7));
    const done = await untilStatus(w.rt, live.id, 'COMPLETED');
    await sendOrders(w.ordersTopic, later('s', 50, 11));
    expect(done.backfill?.report?.conflicts).toBe(0);
    expect((await withAdmin((a) => a.listTopics())).includes(done.shadow.tempTopic)).toBe(false);
    const result = await expectProductionIsV1FromScratch(w, 'story');
    const back = latestByKey(await readAll(w.revenueTopic));
    for (const gone of ['gone0', 'gone1', 'gone2'])
      expect(JSON.parse(back.get(JSON.stringify({ customer_id: gone }))!)).toMatchObject({
        total: 20,
        orders: 2,
      });
    console.log(
      `[rollback] production equals v1 from scratch: ${result.keys} keys, the 3 customers v2 deleted back; rollback backfill ${JSON.stringify(done.backfill?.report)}`,
    );

    // What the reversed evolution kept served this rollback only: removed once it completed,
    // by the workers, not at the end of the 7-day window.
    const released = await until(
      `${evolved.id}'s S1 and v1 snapshot to be removed`,
      async () => {
        const ev = await w.rt.workflow.evolutions.load(evolved.id);
        return ev.v1Snapshot?.disposedAt !== undefined ? ev : undefined;
      },
      60_000,
    );
    expect(released.v1Snapshot?.releasedBy).toBe(live.id);
    expect((await withAdmin((a) => a.listTopics())).includes(kept.v1Snapshot!.topic)).toBe(false);
    expect(existsSync(kept.savepoints.s1!.location!.replace(/^file:(\/\/)?/, ''))).toBe(false);
    console.log(
      `[rollback] ${evolved.id}'s S1 and ${kept.v1Snapshot!.topic} removed ${Math.round((released.v1Snapshot!.disposedAt! - done.backfill!.finishedAt!) / 1000)} s after the rollback completed`,
    );
  });
});
