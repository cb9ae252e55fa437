import { describe, expect, it } from 'vitest';
import { untilStatus } from '../support/crash-lane.js';
import { runEvolve } from '../support/evolve-cli.js';
import { readAll } from '../support/kafka-test-client.js';
import { makeOrders } from '../support/orders-pipeline.js';
import { until } from '../support/until.js';
import { useOrdersWorld } from '../support/orders-world.js';

describe('the CLI approver sees the warnings Slack shows', () => {
  const world = useOrdersWorld('keys', {
    orders: makeOrders('o', 100, 12),
    env: { EVOLVE_DEPLOY_STABLE_MS: '3000' },
    v1Ready: (records) => new Set(records.map((r) => r.key)).size >= 12,
  });
  const { pipelineName, sql, flink } = world;
  // v2 keys revenue by customer and status: every one of v1's keys would be deleted.
  const v2 = sql.v1
    .replace(
      'customer_id STRING,\n  total INT,',
      'customer_id STRING,\n  status STRING,\n  total INT,',
    )
    .replace('PRIMARY KEY (customer_id)', 'PRIMARY KEY (customer_id, status)')
    .replace('SELECT customer_id, SUM(amount)', 'SELECT customer_id, status, SUM(amount)')
    .replace('GROUP BY customer_id;', 'GROUP BY customer_id, status;');

  it('deploy, status and approve print the same warnings: all keys deleted, key and value columns changed', async () => {
    expect(v2).toContain('PRIMARY KEY (customer_id, status)');
    expect(v2).toContain('GROUP BY customer_id, status;');
    const started = await world.rt.service.develop({
      pipeline: pipelineName,
      sql: v2,
      actor: { id: 'U0OWNER1' },
      channel: 'C0EVOLVE',
    });
    const ev = await untilStatus(world.rt, started.id, 'SHADOW_RUNNING');
    await until('shadow output in TEMP', async () =>
      (await readAll(ev.shadow.tempTopic)).length >= 12 ? true : undefined,
    );
    const env = world.cliEnv();
    const expected = [
      /! The backfill would delete 12 of 12 production keys \(100%, over 10%\)\./,
      /! The key columns change from \(customer_id\) to \(customer_id, status\)/,
      /! The value columns change: added status STRING\./,
    ];

    const deploy = await runEvolve(['deploy', pipelineName, '--as', 'U0OWNER1'], env);
    console.log(`evolve deploy printed:\n${deploy.out}`);
    expect(deploy.code).toBe(0);
    expect(deploy.out).toContain('3 warnings for the approver:');
    for (const w of expected) expect(deploy.out).toMatch(w);
    // A caught-up shadow's small lag is no warning.
    expect(deploy.out).not.toContain('behind');

    const status = await runEvolve(['status', pipelineName], env);
    console.log(`evolve status printed:\n${status.out}`);
    expect(status.out).toContain(`evolution ${ev.id}: Awaiting approval `);
    for (const w of expected) expect(status.out).toMatch(w);

    const approve = await runEvolve(['approve', pipelineName, '--as', 'U0APPR1', '--no-wait'], env);
    console.log(`evolve approve printed:\n${approve.out}`);
    expect(approve.code).toBe(0);
    const decided = approve.out.indexOf(`approve ${ev.id}`);
    expect(decided).toBeGreaterThan(0);
    for (const w of expected) expect(approve.out.slice(0, decided)).toMatch(w);

    // The deploy runs to its end, so no job of this test is left half-started.
    const live = await untilStatus(world.rt, ev.id, 'LIVE');
    expect(await flink.jobState(live.v2JobId!)).toBe('RUNNING');
  }, 300_000);
});
