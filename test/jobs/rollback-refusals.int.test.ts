import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { untilStatus } from '../support/crash-lane.js';
import { withAdmin } from '../support/kafka-test-client.js';
import { makeOrders, sendOrders } from '../support/orders-pipeline.js';
import { useOrdersWorld } from '../support/orders-world.js';
import { evolveToLive, OWNER, untilKept } from '../support/rollback-steps.js';
import { until } from '../support/until.js';

/** A savepoint location of the local stack as a path on this host. */
const pathOf = (location: string): string => location.replace(/^file:(\/\/)?/, '');

/**
 * The rollback's refusals on the real stack, in one evolution's life: S1's
 * files gone (found when v1 is restored), inputs truncated past where v1
 * stopped, and the rollback window's end (S1 disposed, the snapshot topic
 * deleted). None of them changes production.
 */
describe('rollback refusals', () => {
  const w = useOrdersWorld('rbref', {
    orders: makeOrders('o', 300, 40),
    env: { EVOLVE_ROLLBACK_WINDOW: '75s' },
    v1Ready: (records) => records.length >= 30,
  });

  it('refuses without S1, with truncated inputs and after the window, leaving v2 in production', async () => {
    const evolved = await untilKept(w, (await evolveToLive(w)).id);
    const s1 = pathOf(evolved.savepoints.s1!.location!);
    expect(existsSync(s1)).toBe(true);

    // S1's files gone: the rollback's shadow cannot restore, and says so.
    await rename(s1, `${s1}.away`);
    let rollback;
    try {
      rollback = await w.rt.service.rollback({
        pipeline: w.pipelineName,
        actor: OWNER,
        channel: 'C0EVOLVE',
      });
      const failed = await untilStatus(w.rt, rollback.id, 'FAILED').catch(async () =>
        w.rt.workflow.evolutions.load(rollback!.id),
      );
      expect(failed.status).toBe('FAILED');
      console.log(`[rollback-refusals] S1 missing: ${failed.error?.message}`);
      expect(failed.error?.message).toContain(
        `v1 could not be restored from S1 (${evolved.savepoints.s1!.location})`,
      );
      // The request completed the LIVE evolution before its backfill ran: said, with the ways on.
      expect(failed.error?.message).toContain(
        `Production keeps the v2 of ${evolved.id}, whose backfill had not run when this rollback was asked`,
      );
    } finally {
      await rename(`${s1}.away`, s1);
    }
    await w.rt.service.abort(w.pipelineName, OWNER);
    expect(await w.flink.jobState(evolved.v2JobId!)).toBe('RUNNING');

    // Inputs truncated past where v1 stopped: refused before anything changes.
    await sendOrders(w.ordersTopic, makeOrders('late', 60, 40, 7));
    await withAdmin(async (a) => {
      const ends = await a.fetchTopicOffsets(w.ordersTopic);
      await a.deleteTopicRecords({
        topic: w.ordersTopic,
        partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
      });
    });
    const before = (await w.rt.workflow.evolutions.listByPipeline(w.pipelineName)).length;
    const truncated = await w.rt.service
      .rollback({ pipeline: w.pipelineName, actor: OWNER, channel: 'C0EVOLVE' })
      .then(
        () => 'accepted',
        (err: Error) => err.message,
      );
    console.log(`[rollback-refusals] inputs truncated: ${truncated}`);
    expect(truncated).toMatch(
      /Input topic .* partition \d now starts at offset \d+, but v1 had read at most up to \d+/,
    );
    expect((await w.rt.workflow.evolutions.listByPipeline(w.pipelineName)).length).toBe(before);
    const audit = await w.rt.service.history(w.pipelineName);
    expect(audit.audit.some((e) => e.code === 'ROLLBACK_REFUSED' && !e.accepted)).toBe(true);

    // The window's end: S1 disposed and the snapshot topic deleted, by the workers alone.
    const expired = await until(
      'the rollback window acted on',
      async () => {
        const ev = await w.rt.workflow.evolutions.load(evolved.id);
        return ev.v1Snapshot?.disposedAt !== undefined ? ev : undefined;
      },
      120_000,
    );
    expect(expired.v1Snapshot!.disposedAt!).toBeGreaterThanOrEqual(expired.v1Snapshot!.until);
    expect((await withAdmin((a) => a.listTopics())).includes(evolved.v1Snapshot!.topic)).toBe(
      false,
    );
    expect(existsSync(s1)).toBe(false);
    const late = await w.rt.service
      .rollback({ pipeline: w.pipelineName, actor: OWNER, channel: 'C0EVOLVE' })
      .then(
        () => 'accepted',
        (err: Error) => err.message,
      );
    console.log(`[rollback-refusals] after the window: ${late}`);
    expect(late).toContain(`The rollback window of ${evolved.id} ended at`);
    expect(await w.flink.jobState(evolved.v2JobId!)).toBe('RUNNING');
  });
});
