import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { demoNames, setupDemo, type DemoHandle } from '../../src/demo/setup-demo.js';
import { SYSTEM_ACTOR } from '../../src/evolution/evolution-action.js';
import { startEvolution } from '../../src/evolution/start-evolution.js';
import { deleteTopics } from '../kafka/kafka-test-kit.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * `npm start` runs setupDemo on every start. Started again while an
 * evolution deploys (v1 stopped with its savepoint, v2 not yet running),
 * it must leave production to the deploy: a fresh v1 would write the output
 * topic beside v2.
 */
describe('setupDemo started again', () => {
  let rt: Runtime;
  let demo: DemoHandle | undefined;
  const names = demoNames(uniqueName('demo-restart').toLowerCase());
  const jobName = `demo/${names.pipeline}/production`;

  beforeAll(async () => {
    rt = await testRuntime(new RecordingNotifier());
  });
  afterAll(async () => {
    demo?.stop();
    const flink = rt.workflow.flinkFor(await rt.service.pipelineNamed(names.pipeline));
    for (const j of await runningProduction()) await flink.cancel(j).catch(() => undefined);
    await deleteTopics(rt.kafka, [names.topics.orders, names.topics.revenue]).catch(
      () => undefined,
    );
    await disposeRuntime(rt);
  });

  const runningProduction = async (): Promise<string[]> => {
    const res = await fetch(`${rt.config.flink.restUrl}/jobs/overview`);
    const { jobs } = (await res.json()) as { jobs: { jid: string; name: string; state: string }[] };
    return jobs.filter((j) => j.name === jobName && j.state === 'RUNNING').map((j) => j.jid);
  };

  it('leaves production alone while an evolution deploys, and brings it back once none does', async () => {
    const lines: string[] = [];
    demo = await setupDemo(rt, (l) => lines.push(l), names);
    demo.stop();
    // RUNNING in Flink's overview (a busy cluster may take a while to give it slots).
    await expect.poll(runningProduction, { timeout: 120_000, interval: 500 }).toHaveLength(1);
    const [v1] = await runningProduction();

    // An approved evolution: the deploy has stopped v1 and not yet started v2.
    const pipeline = await rt.service.pipelineNamed(names.pipeline);
    const t = rt.workflow.evolutions;
    let ev = await startEvolution(
      { evolutions: t, audit: rt.workflow.audit },
      {
        pipeline,
        v2Sql: demo.v2Sql,
        requester: pipeline.owners[0]!,
        slack: { channel: 'C0DEMO' },
        clock: rt.workflow.clock,
      },
    );
    ev = await t.transition(ev.id, { type: 'shadowStarted', jobId: 'b'.repeat(32) }, SYSTEM_ACTOR);
    ev = await t.transition(
      ev.id,
      { type: 'requestApproval', shownSqlHash: ev.v2.hash, ttlMs: 60_000 },
      pipeline.owners[0]!,
    );
    ev = await t.transition(
      ev.id,
      { type: 'approve', shownSqlHash: ev.v2.hash },
      pipeline.approvers[0]!,
    );
    expect(ev.status).toBe('DEPLOYING');
    const flink = rt.workflow.flinkFor(pipeline);
    await flink.cancel(v1!);

    lines.length = 0;
    demo = await setupDemo(rt, (l) => lines.push(l), names);
    demo.stop();
    console.log(`[demo-restart] mid-deploy: ${lines.join(' | ')}`);
    expect(lines).toContain(`evolution ${ev.id} is deploying: production is left to it`);
    expect(await runningProduction(), 'no v1 started beside the deploy').toEqual([]);

    // The deploy gave up and the evolution was aborted: the next start brings production back.
    await t.transition(
      ev.id,
      { type: 'fail', error: { code: 'X', message: 'stopped', step: 'deploy' } },
      SYSTEM_ACTOR,
    );
    await t.transition(ev.id, { type: 'abort' }, pipeline.owners[0]!);
    lines.length = 0;
    demo = await setupDemo(rt, (l) => lines.push(l), names);
    console.log(`[demo-restart] after the abort: ${lines.join(' | ')}`);
    await expect.poll(runningProduction, { timeout: 120_000, interval: 500 }).toHaveLength(1);
  }, 240_000);
});
