import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { describeSteps, evolutionJobs, savepointsOf, untilStatus } from '../support/crash-lane.js';
import { latestByKey, readAll, testKafka } from '../support/kafka-test-client.js';
import { deleteLaneTopics, seedOrdersTopic } from '../support/orders-lane.js';
import { expectedV2, makeOrders, ordersPipelineSql } from '../support/orders-pipeline.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { WorkerChild, workerEnv } from '../support/worker-child.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * Invariant 4 with real processes: the worker is `evolve worker` in a child
 * process, SIGKILLed (its whole process group) at a step boundary of develop
 * or deploy, and a fresh one is started at once. The test drives the service
 * in-process on the same Redis prefix and queue namespace, without workers.
 *
 * Every lane is one pipeline and one evolution with its own worker and
 * queues, killed at one point of develop and/or one of deploy; the lanes run
 * side by side so that their waits for the new worker (its start) and for
 * the dead one's job lock and step lease (6 s) overlap.
 */

type DevelopPoint = 'started' | 'tempCreated' | 'shadowSubmitted';
type DeployPoint =
  | 'stopShadow.intent'
  | 'stopShadow.done'
  | 'stopV1.intent'
  | 'stopV1.done'
  | 'recordCutover.done'
  | 'startV2.intent'
  | 'startV2.done'
  | 'verifyV2.intent'
  | 'verifyV2.done';
type BackfillPoint = 'midRun' | 'sigterm';
interface KillPlan {
  develop?: DevelopPoint;
  deploy?: DeployPoint;
  backfill?: BackfillPoint;
}

interface Lane {
  pipeline: string;
  revenueTopic: string;
  rt: Runtime;
  v1JobId: string;
  workers: WorkerChild[];
}

interface Landing {
  lane: string;
  point: string;
  landed: string;
}

const e = stackEndpoints();
const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
const flink = new FlinkAdapter(rest, gateway);
const ordersTopic = uniqueName('crash-orders');
const orders = makeOrders('o', 600, 60);
const lanes: Lane[] = [];
const landings: Landing[] = [];
const lastKillAt = new Map<Lane, number>();
/** Whether TEMP existed when the develop kill landed: a kill at 'started' may land before or after its creation. */
const tempAtKill = new Map<Lane, boolean>();
let admin: Admin;

function sinceKill(lane: Lane): string {
  const at = lastKillAt.get(lane);
  return at === undefined ? '' : ` ${Math.round((Date.now() - at) / 1000)} s after the kill`;
}

async function startWorker(lane: Lane): Promise<void> {
  lane.workers.push(
    await WorkerChild.start(
      `${lane.pipeline}#${lane.workers.length}`,
      workerEnv(lane.rt),
      // killWhen waits for the killed worker's connections to close, so any count is the new one.
      async () => (await lane.rt.queues.steps.getWorkersCount()) > 0,
    ),
  );
}

async function newLane(tag: string): Promise<Lane> {
  const pipeline = uniqueName(`crash-${tag}`).toLowerCase();
  const revenueTopic = `${pipeline}-revenue`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: revenueTopic,
        numPartitions: 2,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
  });
  const sql = ordersPipelineSql(ordersTopic, revenueTopic, `${pipeline}-v1`);
  const v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipeline}-v1` });
  const rt = await testRuntime(new RecordingNotifier());
  const lane: Lane = { pipeline, revenueTopic, rt, v1JobId, workers: [] };
  lanes.push(lane);
  expect(await flink.waitRunning(v1JobId, 90_000)).toBe('RUNNING');
  await rt.service.registerFromFile(
    aPipeline({
      name: pipeline,
      flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
      kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
      production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: v1JobId },
    }),
  );
  return lane;
}

/** One after the other: kafkajs's admin trips over concurrent topic creations. */
async function newLanes(tag: string, count: number): Promise<Lane[]> {
  const out: Lane[] = [];
  for (let i = 0; i < count; i++) out.push(await newLane(`${tag}${i}`));
  await Promise.all(out.map(startWorker));
  return out;
}

/** Fast polling (every 50 ms), so that the kill lands close to the boundary it waits for. */
async function killWhen(
  lane: Lane,
  point: string,
  reached: () => Promise<boolean>,
  landed: () => Promise<string>,
): Promise<void> {
  await until(
    `${lane.pipeline} to reach ${point}`,
    async () => ((await reached()) ? true : undefined),
    300_000,
    50,
  );
  await lane.workers.at(-1)!.killAndWait();
  await until(
    'the killed worker to leave Redis',
    async () => ((await lane.rt.queues.steps.getWorkersCount()) === 0 ? true : undefined),
    30_000,
    100,
  );
  const where = await landed();
  lastKillAt.set(lane, Date.now());
  landings.push({ lane: lane.pipeline, point, landed: where });
  console.log(`[kill] ${lane.pipeline} at ${point}: landed at ${where}`);
  await startWorker(lane);
}

async function developKill(lane: Lane, id: string, point: DevelopPoint): Promise<void> {
  const { rt, pipeline } = lane;
  const temp = (await rt.workflow.evolutions.load(id)).shadow.tempTopic;
  const tempExists = async () => (await admin.listTopics()).includes(temp);
  const shadowJobs = async () => (await evolutionJobs(rest, pipeline, id)).shadow;
  await killWhen(
    lane,
    `develop ${point}`,
    async () => {
      // 'started': the worker has taken the develop job; nothing external done yet (if caught in time).
      if (point === 'started')
        return (await rt.queues.steps.getJobState(`develop-${id}`)) === 'active';
      if (point === 'tempCreated') return tempExists();
      const ev = await rt.workflow.evolutions.load(id);
      return ev.status === 'DEVELOPING' && (await shadowJobs()).length > 0;
    },
    async () => {
      const ev = await rt.workflow.evolutions.load(id);
      const jobs = await shadowJobs();
      const exists = await tempExists();
      tempAtKill.set(lane, exists);
      return `status ${ev.status}, TEMP ${exists ? 'exists' : 'absent'}, shadow jobs [${jobs.map((j) => j.state).join(',')}]`;
    },
  );
}

async function deployKill(lane: Lane, id: string, point: DeployPoint): Promise<void> {
  const { rt, pipeline } = lane;
  const [step, mark] = point.split('.') as [
    keyof NonNullable<Evolution['deploy']>['steps'],
    string,
  ];
  await killWhen(
    lane,
    `deploy ${point}`,
    async () => {
      const marker = (await rt.workflow.evolutions.load(id)).deploy?.steps[step];
      // An intent is caught between its write and its done marker when the
      // poll is fast enough; a step quicker than one poll (verifyV2 when v2 is
      // already RUNNING) is caught just after, and the landing line says so.
      return mark === 'done' ? marker?.doneAt !== undefined : marker !== undefined;
    },
    async () => {
      const ev = await rt.workflow.evolutions.load(id);
      const jobs = await evolutionJobs(rest, pipeline, id);
      const v1 = await flink.jobState(lane.v1JobId);
      return `${describeSteps(ev)}; shadow [${jobs.shadow.map((j) => j.state).join(',')}], v1 ${v1}, v2 [${jobs.v2.map((j) => j.state).join(',')}]`;
    },
  );
}

/**
 * A backfill killed mid-run (a partition indexed and about to emit): the job is taken over by the
 * new worker once the dead one's lock lapses, and its partition lease (held by
 * the dead worker until it expires) makes the takeover wait rather than run
 * beside a possible survivor. It resumes from the checkpoint.
 */
async function backfillKill(lane: Lane, how: BackfillPoint): Promise<void> {
  const { rt, pipeline } = lane;
  // Slow enough to be caught mid-partition: ~60 keys at 4 records/s.
  const started = await rt.service.startBackfill(pipeline, { id: 'U0OWNER1' }, { rate: 4 });
  const keys = new RedisKeys(rt.keyPrefix).backfillRun(started.backfill!.runId);
  // The relay keeps each partition's figures per phase (field `<partition>:<phase>`).
  const progress = async () =>
    Object.entries(await rt.redis.hgetall(keys.progress)).map(([field, v]) => {
      const [partition, phase] = field.split(':');
      return {
        partition: Number(partition),
        phase: phase ?? '',
        ...(JSON.parse(v) as { done: number; total: number }),
      };
    });
  // The kill goes in once a partition has indexed, while its emission waits
  // for tokens (chunks sized to the rate: one record at a time at 4 records/s).
  const indexed = async () =>
    (await progress()).some((p) => p.phase === 'index' && p.total > 0 && p.done === p.total);
  const landed = async () =>
    (await progress()).map((p) => `p${p.partition} ${p.phase} ${p.done}/${p.total}`).join(', ');
  if (how === 'midRun') {
    await killWhen(lane, 'backfill mid-run', indexed, landed);
    return;
  }
  // SIGTERM, as an orchestrator stopping the worker: it hands its running
  // partitions back at once (no attempt spent) and exits 0; the next worker resumes them.
  await until(
    `${pipeline} to index a partition`,
    async () => ((await indexed()) ? true : undefined),
    300_000,
    50,
  );
  const where = await landed();
  const stop = await lane.workers.at(-1)!.terminate();
  console.log(
    `[kill] ${pipeline} SIGTERM at backfill mid-run (${where}): exit ${stop.code} after ${stop.ms} ms`,
  );
  expect(stop.code, 'the worker stops cleanly on SIGTERM').toBe(0);
  // Well under the 30 s an orchestrator waits before SIGKILL, though the partition had minutes to go.
  expect(stop.ms).toBeLessThan(20_000);
  const handedBack = await rt.queues.partitions.getJobs(['waiting', 'prioritized']);
  expect(handedBack.length, 'running partitions are back in the queue').toBeGreaterThan(0);
  for (const j of handedBack)
    expect(
      j.attemptsMade,
      `p${j.data.partition} spent no attempt (earlier failures: ${JSON.stringify(j.stacktrace)}; worker said:\n${lane.workers
        .at(-1)!
        .output.slice(-40)
        .join('\n')})`,
    ).toBe(0);
  lastKillAt.set(lane, Date.now());
  landings.push({ lane: pipeline, point: 'backfill SIGTERM', landed: where });
  await startWorker(lane);
}

/** develop (killed at `develop` if given) -> approval -> deploy (killed at `deploy` if given) -> LIVE, then the once-only checks. */
async function evolveWithKills(lane: Lane, kills: KillPlan): Promise<void> {
  const { rt, pipeline } = lane;
  const sql = ordersPipelineSql(ordersTopic, lane.revenueTopic, `${pipeline}-v1`);
  let ev = await rt.service.develop({
    pipeline,
    sql: sql.v2,
    actor: { id: 'U0OWNER1' },
    channel: 'C0CRASH',
  });
  if (kills.develop) await developKill(lane, ev.id, kills.develop);
  ev = await untilStatus(rt, ev.id, 'SHADOW_RUNNING', 300_000);
  if (kills.develop) console.log(`[kill] ${pipeline}: SHADOW_RUNNING${sinceKill(lane)}`);

  const shadowJobs = (await evolutionJobs(rest, pipeline, ev.id)).shadow;
  expect(
    shadowJobs.map((j) => j.state),
    'one shadow job, never a second',
  ).toEqual(['RUNNING']);
  expect(shadowJobs[0]!.jid).toBe(ev.shadow.jobId);
  // The registry record is written just before TEMP is created and never again: a resumed
  // develop that finds TEMP leaves it as it was (and says 'found' in the thread).
  const registered = await rt.redis.hget(
    new RedisKeys(rt.keyPrefix).createdTopics(),
    ev.shadow.tempTopic,
  );
  expect(registered, 'TEMP is in the registry of topics we created').not.toBeNull();
  const thread = await rt.threadLog.read(ev.id);
  const tempLines = thread.filter((t) => t.text.startsWith(`TEMP topic ${ev.shadow.tempTopic}`));
  expect(
    tempLines.filter((t) => t.text.includes(' created ')).length,
    'TEMP created at most once',
  ).toBeLessThanOrEqual(1);
  const killedAt = lastKillAt.get(lane);
  if (kills.develop && killedAt !== undefined) {
    const at = Date.parse((JSON.parse(registered!) as { at: string }).at);
    if (tempAtKill.get(lane)) {
      expect(at, 'TEMP was registered (and created) before the kill, not again after').toBeLessThan(
        killedAt,
      );
      expect(
        tempLines.some((t) => t.text.includes(' found ')),
        'the resumed develop found TEMP',
      ).toBe(true);
    } else {
      // Killed before TEMP existed: the resumed develop creates it, once.
      expect(at, 'TEMP registered by the resumed develop').toBeGreaterThanOrEqual(killedAt - 1_000);
      expect(tempLines.filter((t) => t.text.includes(' created ')).length).toBe(1);
    }
  }
  expect((await admin.listTopics()).filter((t) => t === ev.shadow.tempTopic)).toHaveLength(1);

  await rt.service.requestDeploy(pipeline, { id: 'U0OWNER1' });
  await rt.service.decide({
    evolutionId: ev.id,
    shownSqlHash: ev.v2.hash,
    actor: { id: 'U0APPR1' },
    decision: 'approve',
  });
  if (kills.deploy) await deployKill(lane, ev.id, kills.deploy);
  ev = await untilStatus(rt, ev.id, 'LIVE', 300_000);
  if (kills.deploy) console.log(`[kill] ${pipeline}: LIVE${sinceKill(lane)}`);

  const jobs = await evolutionJobs(rest, pipeline, ev.id);
  expect(
    jobs.v2.map((j) => j.state),
    'exactly one v2 production job',
  ).toEqual(['RUNNING']);
  expect(jobs.v2[0]!.jid).toBe(ev.v2JobId);
  expect(await flink.restoredFrom(ev.v2JobId!)).toBe(ev.savepoints.s2?.location);
  expect(
    jobs.shadow.map((j) => j.state),
    'the shadow stopped once',
  ).toEqual(['FINISHED']);
  expect(await flink.jobState(lane.v1JobId), 'v1 stopped once').toBe('FINISHED');
  expect(jobs.rollback, 'no rollback job').toEqual([]);
  expect(ev.rollbackJobId).toBeUndefined();
  for (const [what, jobId] of [
    ['shadow', ev.shadow.jobId!],
    ['v1', lane.v1JobId],
  ] as const) {
    const taken = await savepointsOf(rest, jobId);
    expect(taken.history, `one savepoint of the ${what} job in its checkpoint history`).toBe(1);
    if (taken.directories !== undefined)
      expect(taken.directories, `one savepoint directory of the ${what} job`).toBe(1);
  }
  expect((await rt.workflow.pipelines.load(pipeline)).production.flinkJobId).toBe(ev.v2JobId);
  if (kills.backfill) {
    await backfillKill(lane, kills.backfill);
    ev = await untilStatus(rt, ev.id, 'COMPLETED', 300_000);
    const partitionJobs = await rt.queues.partitions.getJobs(['completed']);
    console.log(
      `[kill] ${pipeline}: COMPLETED${sinceKill(lane)}; partition job attempts ${partitionJobs
        .map((j) => `p${j.data.partition}:${j.attemptsMade}`)
        .join(' ')}`,
    );
    expect(ev.backfill?.report?.conflicts).toBe(0);
    expect((await admin.listTopics()).includes(ev.shadow.tempTopic), 'TEMP deleted').toBe(false);
    const latest = latestByKey(await readAll(lane.revenueTopic));
    for (const [customer, v] of expectedV2(orders)) {
      const got = latest.get(JSON.stringify({ customer_id: customer }));
      expect(got === null || got === undefined ? null : JSON.parse(got), customer).toEqual(
        v === null ? null : expect.objectContaining(v),
      );
    }
  }
  // Free the slot for the next lanes (8 slots, shared).
  await flink.cancel(ev.v2JobId!);
}

/** Every lane runs to its end (so no lane of one round still holds slots in the next), then the first failure is thrown. */
async function runLanes(lanes: readonly Lane[], plans: readonly KillPlan[]): Promise<void> {
  const results = await Promise.allSettled(
    lanes.map((lane, i) => evolveWithKills(lane, plans[i]!)),
  );
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

describe('a worker process SIGKILLed at each step boundary resumes without doing anything twice', () => {
  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await seedOrdersTopic(admin, ordersTopic, orders);
  });

  afterAll(async () => {
    for (const lane of lanes) for (const w of lane.workers) await w.killAndWait();
    const all = await rest.listJobs().catch(() => []);
    for (const j of all) {
      if (
        lanes.some((l) => j.name.includes(l.pipeline)) &&
        !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state)
      )
        await flink.cancel(j.jid).catch(() => undefined);
    }
    for (const lane of lanes) await disposeRuntime(lane.rt).catch(() => undefined);
    await deleteLaneTopics(admin, ordersTopic, lanes);
    await admin.disconnect();
    await Promise.all([rest.close(), gateway.close()]);
    console.log(
      `[kill] where each kill landed:\n${landings.map((l) => `  ${l.point.padEnd(30)} ${l.landed}`).join('\n')}`,
    );
  });

  it('develop (TEMP created; shadow submitted) and deploy (inside and after each savepoint) end LIVE', async () => {
    const plans = [
      { develop: 'tempCreated', deploy: 'stopShadow.intent' },
      { develop: 'shadowSubmitted', deploy: 'stopShadow.done' },
      { deploy: 'stopV1.intent' },
    ] as const;
    const started = await newLanes('a', plans.length);
    await runLanes(started, plans);
  }, 900_000);

  it('deploy after v1 stopped (cutover recorded; v2 submitting; v2 submitted) and develop killed as it starts end LIVE', async () => {
    const plans = [
      { deploy: 'stopV1.done' },
      { deploy: 'startV2.intent' },
      { develop: 'started', deploy: 'startV2.done' },
    ] as const;
    const started = await newLanes('b', plans.length);
    await runLanes(started, plans);
  }, 900_000);

  // A deploy killed while v2 is being verified (or just after) resumes by
  // verifying the same v2 job: never a second submit, never a rollback.
  it('deploy while v2 is verified and after it was verified ends LIVE; a backfill killed mid-run, or its worker stopped by SIGTERM, ends COMPLETED', async () => {
    const plans = [
      { deploy: 'verifyV2.intent' },
      { deploy: 'verifyV2.done' },
      { backfill: 'midRun' },
      { backfill: 'sigterm' },
    ] as const;
    const started = await newLanes('c', plans.length);
    await runLanes(started, plans);
  }, 900_000);
});
