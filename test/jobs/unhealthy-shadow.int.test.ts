import { describe, expect, it } from 'vitest';
import { untilStatus } from '../support/crash-lane.js';
import { runEvolve } from '../support/evolve-cli.js';
import { makeOrders, sendOrders } from '../support/orders-pipeline.js';
import { until } from '../support/until.js';
import { useOrdersWorld } from '../support/orders-world.js';

describe('a v2 whose CAST throws at runtime: its shadow is never called healthy', () => {
  const world = useOrdersWorld('bad', {
    orders: makeOrders('o', 50, 10),
    env: { EVOLVE_DEPLOY_STABLE_MS: '8000' },
    v1Ready: (records) => records.length >= 5,
  });
  const { pipelineName, sql, flink, rest, ordersTopic } = world;
  const owner = { id: 'U0OWNER1' };

  /** Nothing changed: same state, no approval; the refusal itself is audited, once. */
  async function deployRefused(evolutionId: string, expected: RegExp): Promise<void> {
    const before = await world.rt.workflow.evolutions.load(evolutionId);
    const audit = await world.rt.workflow.audit.list(pipelineName, { evolutionId });
    const deploy = await runEvolve(['deploy', pipelineName, '--as', owner.id], world.cliEnv());
    console.log(`evolve deploy printed:\n${deploy.out}`);
    expect(deploy.code).not.toBe(0);
    expect(deploy.out).toMatch(expected);
    const after = await world.rt.workflow.evolutions.load(evolutionId);
    expect(after.status).toBe(before.status);
    expect(after.approval).toBeUndefined();
    const added = (await world.rt.workflow.audit.list(pipelineName, { evolutionId })).length;
    const refusals = (await world.rt.workflow.audit.list(pipelineName, { evolutionId }))
      .filter((e) => !e.accepted && e.action === 'requestApproval')
      .map((e) => `${e.actor} ${e.code}`);
    expect(added - audit.length, 'one new audit event: the refusal').toBe(1);
    expect(refusals.at(-1)).toBe(
      `${owner.id} ${before.status === 'FAILED' ? 'TRANSITION_REFUSED' : 'SHADOW_UNHEALTHY'}`,
    );
  }

  it('fails on its first records: develop fails with the exception (never RUNNING), status says FAILED, deploy is refused', async () => {
    // 'placed' and 'cancelled' are no numbers: the CAST throws on the first record the shadow reads.
    const v2 = sql.v2.replace('SUM(amount)', 'SUM(CAST(status AS INT))');
    expect(v2).not.toBe(sql.v2);
    world.notifier.milestones.length = 0;
    const started = await world.rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    await until(
      'develop ends',
      async () => {
        const ev = await world.rt.workflow.evolutions.load(started.id);
        return ev.status === 'DEVELOPING' ? undefined : ev;
      },
      180_000,
    );
    const ev = await world.rt.workflow.evolutions.load(started.id);
    const thread = world.notifier.milestones.map((m) => m.text);
    console.log(`develop told the thread:\n  ${thread.join('\n  ')}`);
    // Whether Flink failed it before or after all its tasks ran, develop says the same kind of thing.
    expect(ev.status).toBe('FAILED');
    expect(ev.error?.message).toMatch(
      /^The shadow job [0-9a-f]{32} (started but did not stay up: Flink shows it \w+( after \d+ restarts?)?|did not reach RUNNING within \d+ s \(state \w+\)|ended \w+ before all its tasks ran)\. Its last exception: NumberFormatException.*\/evolve abort /,
    );
    expect(thread.some((t) => /is RUNNING/.test(t))).toBe(false);
    const jobs = await rest.listJobs();
    expect(jobs.filter((j) => j.name.includes(ev.id) && j.state === 'RUNNING')).toEqual([]);

    const status = await runEvolve(['status', pipelineName], world.cliEnv());
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.out).toContain(`evolution ${ev.id}: Failed (needs a human) `);
    expect(status.out).toContain('NumberFormatException');

    await deployRefused(
      ev.id,
      new RegExp(
        `Cannot request a deploy \\(evolve deploy\\) for evolution ${ev.id}: it is FAILED\\. Possible now: abort`,
      ),
    );
    await world.rt.service.abort(pipelineName, owner);
    await untilStatus(world.rt, ev.id, 'ABORTED').catch(() => undefined);
  }, 300_000);

  it('fails later on a new record: status follows Flink to FAILED and deploy is refused with the reason', async () => {
    // Customer ids are c<number>; the CAST throws only on a record sent once the shadow runs.
    const v2 = sql.v2.replace(
      "WHERE status <> 'cancelled'",
      "WHERE status <> 'cancelled' AND CAST(REPLACE(customer_id, 'c', '') AS INT) >= 0",
    );
    expect(v2).not.toBe(sql.v2);
    const started = await world.rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    const ev = await untilStatus(world.rt, started.id, 'SHADOW_RUNNING');
    const shadowJobId = ev.shadow.jobId!;

    await sendOrders(ordersTopic, [
      { order_id: 'bad-1', customer_id: 'cXYZ', amount: 1, status: 'placed' },
    ]);
    // Three restarts (the stack's fixed-delay strategy), then FAILED for good.
    await until(
      'shadow FAILED in Flink',
      async () => ((await flink.jobState(shadowJobId)) === 'FAILED' ? true : undefined),
      60_000,
    );
    expect((await world.rt.workflow.evolutions.load(ev.id)).status).toBe('SHADOW_RUNNING');

    const status = await runEvolve(['status', pipelineName], world.cliEnv());
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`evolution ${ev.id}: Shadow failed in Flink `);
    expect(status.out).toMatch(
      new RegExp(`shadow job ${shadowJobId}: FAILED in Flink.*NumberFormatException`),
    );
    expect(status.out).not.toMatch(/: Shadow running /);

    await deployRefused(
      ev.id,
      new RegExp(
        `Cannot request a deploy of ${ev.id}: The shadow job ${shadowJobId} is FAILED in Flink.*not RUNNING\\..*NumberFormatException.*Nothing was changed\\..*evolve abort ${pipelineName}`,
      ),
    );
    await world.rt.service.abort(pipelineName, owner);
    expect(await flink.jobState(world.v1JobId)).toBe('RUNNING');
  }, 300_000);

  it('breaks after the deploy request: approve is refused with the reason, and the request stays', async () => {
    // The CAST throws only for an order id starting with 'late-', sent once the deploy is requested.
    const v2 = sql.v2.replace(
      "WHERE status <> 'cancelled'",
      "WHERE status <> 'cancelled' AND CAST(CASE WHEN order_id LIKE 'late-%' THEN 'x' ELSE '1' END AS INT) > 0",
    );
    expect(v2).not.toBe(sql.v2);
    const started = await world.rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: owner,
      channel: 'C0EVOLVE',
    });
    const ev = await untilStatus(world.rt, started.id, 'SHADOW_RUNNING');
    const shadowJobId = ev.shadow.jobId!;
    const { evolution: awaiting } = await world.rt.service.requestDeploy(pipelineName, owner);
    expect(awaiting.status).toBe('AWAITING_APPROVAL');

    await sendOrders(ordersTopic, [
      { order_id: 'late-1', customer_id: 'c1', amount: 1, status: 'placed' },
    ]);
    await until(
      'shadow FAILED in Flink',
      async () => ((await flink.jobState(shadowJobId)) === 'FAILED' ? true : undefined),
      60_000,
    );
    const status = await runEvolve(['status', pipelineName], world.cliEnv());
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.out).toContain(`evolution ${ev.id}: Shadow failed in Flink `);

    const before = await world.rt.workflow.evolutions.load(ev.id);
    const approve = await runEvolve(
      ['approve', pipelineName, '--as', 'U0APPR1', '--no-wait'],
      world.cliEnv(),
    );
    console.log(`evolve approve printed:\n${approve.out}`);
    expect(approve.code).not.toBe(0);
    expect(approve.out).toMatch(
      new RegExp(
        `Cannot approve ${ev.id}: The shadow job ${shadowJobId} is FAILED in Flink.*NumberFormatException.*Nothing was changed\\.`,
      ),
    );
    const after = await world.rt.workflow.evolutions.load(ev.id);
    expect(after.status).toBe('AWAITING_APPROVAL');
    expect(after.version).toBe(before.version);
    expect(after.approval?.decision).toBeUndefined();
    const refused = (
      await world.rt.workflow.audit.list(pipelineName, { evolutionId: ev.id })
    ).filter((e) => e.action === 'approve' && !e.accepted);
    expect(refused.map((e) => `${e.actor} ${e.code}`)).toEqual(['U0APPR1 SHADOW_UNHEALTHY']);

    await world.rt.service.abort(pipelineName, owner);
    expect(await flink.jobState(world.v1JobId)).toBe('RUNNING');
  }, 300_000);
});
