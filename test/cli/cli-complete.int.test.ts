import { describe, expect, it } from 'vitest';
import { untilStatus } from '../support/crash-lane.js';
import { runEvolve } from '../support/evolve-cli.js';
import { readAll, withAdmin } from '../support/kafka-test-client.js';
import { makeOrders } from '../support/orders-pipeline.js';
import { useOrdersWorld } from '../support/orders-world.js';
import { until } from '../support/until.js';
import { untilKept } from '../support/rollback-steps.js';

/**
 * `evolve complete` from the CLI, as its own process, on the real stack: an
 * evolution left LIVE (no backfill wanted) is no dead end.
 */
describe('complete without a backfill (CLI process, real Flink and Kafka)', () => {
  const world = useOrdersWorld('done', { orders: makeOrders('o', 60, 12) });
  const { pipelineName, sql } = world;

  it('an owner ends a LIVE evolution: COMPLETED, v2 stays production, TEMP deleted, a new develop may start', async () => {
    const { rt, flink } = world;
    const env = world.cliEnv();
    const owner = { id: 'U0OWNER1' };
    let ev = await rt.service.develop({
      pipeline: pipelineName,
      sql: sql.v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    ev = await untilStatus(rt, ev.id, 'SHADOW_RUNNING');
    await until('shadow output in TEMP', async () =>
      (await readAll(ev.shadow.tempTopic)).length > 0 ? true : undefined,
    );
    await rt.service.requestDeploy(pipelineName, owner);
    await rt.service.decide({
      evolutionId: ev.id,
      shownSqlHash: ev.v2.hash,
      actor: { id: 'U0APPR1' },
      decision: 'approve',
    });
    ev = await untilStatus(rt, ev.id, 'LIVE');

    // The refusals name the way out.
    const abort = await runEvolve(['abort', pipelineName, '--as', 'U0OWNER1'], env);
    expect(abort.code).not.toBe(0);
    expect(abort.out).toMatch(/complete without a backfill \(evolve complete\)/);
    const approver = await runEvolve(['complete', pipelineName, '--as', 'U0APPR1'], env);
    expect(approver.code, approver.out).not.toBe(0);
    expect((await rt.workflow.evolutions.load(ev.id)).status).toBe('LIVE');

    const done = await runEvolve(['complete', pipelineName, '--as', 'U0OWNER1'], env);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain(`${ev.id}: Completed`);
    ev = await until('cleanup ended', async () => {
      const cur = await rt.workflow.evolutions.load(ev.id);
      return cur.cleanupEndedAt !== undefined ? cur : undefined;
    });
    expect(ev.status).toBe('COMPLETED');
    expect(ev.completedWithoutBackfill?.by).toBe('U0OWNER1');
    expect((await withAdmin((a) => a.listTopics())).includes(ev.shadow.tempTopic)).toBe(false);
    expect(await flink.jobState(ev.v2JobId!)).toBe('RUNNING');
    // The CLI process and the worker both wrote to the evolution's thread (the log every process appends to).
    const thread = (await rt.threadLog.read(ev.id)).map((t) => JSON.stringify(t));
    const at = (re: RegExp) => thread.findIndex((t) => re.test(t));
    expect(at(/Completed without a backfill by <@U0OWNER1>: v2 stays production/)).toBeGreaterThan(
      -1,
    );
    expect(at(/Cleaned up: [^"]+ deleted\. v2 stays production\./)).toBeGreaterThan(
      at(/Completed without a backfill/),
    );
    expect(
      await rt.workflow.evolutions.activeFor(pipelineName),
      'the pipeline is free again',
    ).toBeUndefined();
    const status = await runEvolve(['status', pipelineName], env);
    expect(status.out).toContain(`evolution ${ev.id}: Completed`);
    expect(status.out).toMatch(/production runs v2 \w+ as job \w+ since .*, approved by @U0APPR1/);
    expect(status.out).not.toMatch(/<@U|\/evolve /);

    // A day later v2 is found wrong: the rollback, from the CLI. Who may: owners only.
    const kept = await untilKept(world, ev.id);
    const seen = await runEvolve(['status', pipelineName], env);
    expect(seen.out).toContain(
      `rollback possible until ${new Date(kept.v1Snapshot!.until).toISOString()} (evolve rollback ${pipelineName} --as <owner>)`,
    );
    const refused = await runEvolve(['rollback', pipelineName, '--as', 'U0APPR1'], env);
    expect(refused.code, refused.out).not.toBe(0);
    expect(refused.out).toContain('cannot roll production back (evolve rollback)');
    const rolled = await runEvolve(
      ['rollback', pipelineName, '--as', 'U0OWNER1', '--no-wait'],
      env,
    );
    expect(rolled.code, rolled.out).toBe(0);
    const rollback = await rt.workflow.evolutions.activeFor(pipelineName);
    expect(rollback?.rollbackOf?.evolutionId).toBe(ev.id);
    expect(rolled.out).toContain(`rollback ${rollback!.id} of ${ev.id} started`);
    await untilStatus(rt, rollback!.id, 'SHADOW_RUNNING');
    const history = await runEvolve(['history', pipelineName], env);
    expect(history.out).toContain(`rollback of ${ev.id}`);
    expect(history.out).toContain(`rolled back by ${rollback!.id}`);
    expect(history.out).toMatch(/U0APPR1.* rollback refused: /);
    await runEvolve(['abort', pipelineName, '--as', 'U0OWNER1'], env);
    await until('the rollback cleaned up', async () =>
      (await rt.workflow.evolutions.load(rollback!.id)).cleanupEndedAt !== undefined
        ? true
        : undefined,
    );
  });
});
