import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { evolutionJobs, savepointsOf, untilStatus } from '../support/crash-lane.js';
import { withAdmin, withProducer } from '../support/kafka-test-client.js';
import { makeOrders, ordersPipelineSql } from '../support/orders-pipeline.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { SwitchableProxy } from '../support/switchable-proxy.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * The JobManager's REST endpoint goes away in the middle of a deploy. The
 * outage is made at the network level: the pipeline's `flink.restUrl` points
 * at a TCP proxy on 127.0.0.1 that the test switches off (every connection
 * reset) and on again. A real JobManager stop is not used on purpose: the
 * local stack is a standalone session cluster without HA, whose JobManager
 * keeps its jobs only in memory, so stopping it loses every job on the
 * cluster (v1 included) - a cluster failure that no deploy step can hide, not
 * the transient outage the step retries are made for. (It would also take
 * down the other jobs of everyone sharing the stack.)
 *
 * Two endings: the outage ends within the retries (the deploy resumes and
 * goes LIVE), or it outlasts them (FAILED, v1 still serving production, and
 * an abort once Flink is back leaves production as it was). The second uses
 * a short retry policy from configuration, as an operator could.
 */
describe('a JobManager REST outage between deploy steps', () => {
  const e = stackEndpoints();
  const ordersTopic = uniqueName('outage-orders');
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
  const flink = new FlinkAdapter(rest, gateway);
  const runtimes: Runtime[] = [];
  const proxies: SwitchableProxy[] = [];
  const pipelineNames: string[] = [];
  const revenueTopics: string[] = [];

  interface World {
    rt: Runtime;
    proxy: SwitchableProxy;
    pipeline: string;
    v1JobId: string;
    sql: { v1: string; v2: string };
  }

  /** A pipeline with v1 RUNNING, whose JobManager REST goes through its own proxy, and in-process workers. */
  async function world(env: Record<string, string> = {}): Promise<World> {
    const pipeline = uniqueName('outage').toLowerCase();
    const revenueTopic = `${pipeline}-revenue`;
    pipelineNames.push(pipeline);
    revenueTopics.push(revenueTopic);
    await withAdmin((a) =>
      a.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: revenueTopic,
            numPartitions: 2,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
      }),
    );
    const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipeline}-v1`);
    const v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipeline}-v1` });
    expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');
    const proxy = await SwitchableProxy.start(e.flinkRestUrl);
    proxies.push(proxy);
    // The proxy is another origin: allowed like any extra endpoint an administrator lists.
    const rt = await testRuntime(new RecordingNotifier(), {
      ...env,
      EVOLVE_FLINK_ALLOWED_URLS: proxy.url,
    });
    runtimes.push(rt);
    await rt.startWorkers({ observeEveryMs: 60_000 });
    await rt.service.registerFromFile(
      aPipeline({
        name: pipeline,
        // Only the JobManager REST endpoint goes through the proxy; the gateway submits directly.
        flink: { restUrl: proxy.url, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
        production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: v1JobId },
      }),
    );
    return { rt, proxy, pipeline, v1JobId, sql };
  }

  /** develop -> approve; the proxy goes off as soon as the deploy has begun (stopShadow intended). */
  async function deployIntoOutage(w: World): Promise<string> {
    let ev = await w.rt.service.develop({
      pipeline: w.pipeline,
      sql: w.sql.v2,
      actor: { id: 'U0OWNER1' },
      channel: 'C0OUTAGE',
    });
    ev = await untilStatus(w.rt, ev.id, 'SHADOW_RUNNING');
    await w.rt.service.requestDeploy(w.pipeline, { id: 'U0OWNER1' });
    await w.rt.service.decide({
      evolutionId: ev.id,
      shownSqlHash: ev.v2.hash,
      actor: { id: 'U0APPR1' },
      decision: 'approve',
    });
    const id = ev.id;
    // From then on no step can reach the JobManager, so v1's stop cannot
    // slip through before the outage, however fast the worker is.
    await until(
      'stopShadow intended',
      async () =>
        (await w.rt.workflow.evolutions.load(id)).deploy?.steps.stopShadow !== undefined
          ? true
          : undefined,
      120_000,
      20,
    );
    w.proxy.switchOff();
    const atOutage = await w.rt.workflow.evolutions.load(id);
    console.log(
      `[outage] JobManager REST off with stopV1 ${atOutage.deploy?.steps.stopV1 ? 'intended' : 'not yet intended'}`,
    );
    return id;
  }

  beforeAll(async () => {
    await withAdmin((a) =>
      a.createTopics({
        waitForLeaders: true,
        topics: [{ topic: ordersTopic, numPartitions: 2 }],
      }),
    );
    await withProducer((p) =>
      p.send({
        topic: ordersTopic,
        messages: makeOrders('o', 400, 40).map((o) => ({
          key: o.order_id,
          value: JSON.stringify(o),
        })),
      }),
    );
  });

  afterAll(async () => {
    for (const p of proxies) p.switchOn();
    const all = await rest.listJobs().catch(() => []);
    for (const j of all.filter((j) => pipelineNames.some((n) => j.name.includes(n))))
      if (!['FINISHED', 'CANCELED', 'FAILED'].includes(j.state))
        await flink.cancel(j.jid).catch(() => undefined);
    for (const rt of runtimes) await disposeRuntime(rt).catch(() => undefined);
    for (const p of proxies) await p.close();
    await Promise.all([rest.close(), gateway.close()]);
    const topics = await withAdmin((a) => a.listTopics());
    await withAdmin((a) =>
      a.deleteTopics({
        topics: topics.filter(
          (t) => t === ordersTopic || revenueTopics.some((r) => t.startsWith(r)),
        ),
      }),
    );
  });

  it('is waited out by the step retries: the interrupted step resumes, one v2 job goes LIVE', async () => {
    const w = await world();
    const { rt, proxy, pipeline, v1JobId } = w;
    const id = await deployIntoOutage(w);
    // The outage lasts 25 s: longer than one attempt with its HTTP retries,
    // shorter than the default backoff sum (12 attempts from 2 s).
    await new Promise((r) => setTimeout(r, 25_000));
    const job = await rt.queues.steps.getJob(`deploy-${id}`);
    const during = await rt.workflow.evolutions.load(id);
    // Production was served all along: the stop of v1 never reached Flink.
    expect(await flink.jobState(v1JobId)).toBe('RUNNING');
    expect(during.status).toBe('DEPLOYING');
    expect(during.deploy?.steps.stopV1?.doneAt).toBeUndefined();
    expect(proxy.refused).toBeGreaterThan(0);
    proxy.switchOn();

    const ev = await untilStatus(rt, id, 'LIVE', 240_000);
    const attempts = (await rt.queues.steps.getJob(`deploy-${id}`))?.attemptsMade ?? 0;
    console.log(
      `[outage] deploy job attempts: ${attempts} (failed attempts during the outage: ${job?.attemptsMade ?? '?'})`,
    );
    expect(attempts).toBeGreaterThan(1);
    const jobs = await evolutionJobs(rest, pipeline, id);
    expect(jobs.v2.map((j) => j.state)).toEqual(['RUNNING']);
    expect(jobs.v2[0]!.jid).toBe(ev.v2JobId);
    expect(jobs.rollback).toEqual([]);
    expect(await flink.restoredFrom(ev.v2JobId!)).toBe(ev.savepoints.s2?.location);
    expect(await flink.jobState(v1JobId)).toBe('FINISHED');
    expect((await savepointsOf(rest, v1JobId)).history).toBe(1);
    expect((await savepointsOf(rest, ev.shadow.jobId!)).history).toBe(1);
  }, 420_000);

  it('that outlasts every retry ends FAILED with v1 still serving production; an abort then changes nothing in production', async () => {
    // 3 attempts, 500 ms then 1 s apart: the outage below outlasts them all.
    const w = await world({ EVOLVE_STEP_RETRY_ATTEMPTS: '3', EVOLVE_STEP_RETRY_DELAY_MS: '500' });
    const { rt, proxy, pipeline, v1JobId } = w;
    const id = await deployIntoOutage(w);
    const started = Date.now();
    const failed = await until(
      'the deploy to give up',
      async () => {
        const ev = await rt.workflow.evolutions.load(id);
        return ev.status === 'FAILED' ? ev : undefined;
      },
      180_000,
      250,
    );
    console.log(
      `[outage] deploy gave up ${Math.round((Date.now() - started) / 1000)} s into the outage`,
    );
    // The last attempt writes FAILED before BullMQ records its end (and counts it): wait for that.
    const job = await until(
      'the deploy job to end',
      async () => {
        const j = await rt.queues.steps.getJob(`deploy-${id}`);
        return j?.finishedOn !== undefined ? j : undefined;
      },
      30_000,
      100,
    );
    expect(job.attemptsMade, 'every configured attempt was made').toBe(3);
    expect(failed.error?.step).toBe('deploy');
    expect(failed.error?.message).toContain('could not finish after repeated retries');
    expect(failed.deploy?.steps.stopV1?.doneAt, 'v1 was never stopped').toBeUndefined();
    expect(proxy.refused).toBeGreaterThan(0);
    const thread = await rt.threadLog.read(id);
    expect(
      thread.some((t) => t.text.includes('could not finish after repeated retries')),
      'the thread says the deploy gave up and where',
    ).toBe(true);
    // Production is still served: v1 runs on Flink (asked directly, not through the proxy).
    expect(await flink.jobState(v1JobId)).toBe('RUNNING');
    expect((await rt.workflow.pipelines.load(pipeline)).production.flinkJobId).toBe(v1JobId);

    // Flink back; a human reads the thread and aborts: shadow and TEMP go, v1 stays.
    proxy.switchOn();
    const aborted = await rt.service.abort(pipeline, { id: 'U0OWNER1' }, 'JobManager outage');
    expect(aborted.status).toBe('ABORTED');
    // The abort records the decision; the queued cleanup step stops the shadow and deletes TEMP.
    const jobs = await until('the shadow stopped by the cleanup step', async () => {
      const j = await evolutionJobs(rest, pipeline, id);
      return j.shadow.every((s) => ['FINISHED', 'CANCELED'].includes(s.state)) ? j : undefined;
    });
    expect(jobs.v2, 'no v2 job was ever started').toEqual([]);
    expect(jobs.rollback).toEqual([]);
    await until(
      'TEMP deleted',
      async () =>
        (await withAdmin((a) => a.listTopics())).includes(failed.shadow.tempTopic)
          ? undefined
          : true,
      60_000,
    );
    expect(await flink.jobState(v1JobId), 'v1 untouched by the abort').toBe('RUNNING');
    expect((await savepointsOf(rest, v1JobId)).history, 'no savepoint of v1').toBe(0);
  }, 420_000);
});
