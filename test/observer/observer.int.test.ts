import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import type { Milestone, Notifier } from '../../src/evolution/ports/notifier.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import type { Observation } from '../../src/observer/observation-changes.js';
import { systemClock } from '../../src/store/system-clock.js';
import { RedisKeys } from '../../src/store/redis-keys.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { withAdmin, withProducer } from '../support/kafka-test-client.js';
import { makeOrders, ordersPipelineSql } from '../support/orders-pipeline.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until as waitUntil } from '../support/until.js';

/** Records each milestone with the evolution it belongs to: one runtime serves every test here. */
class ThreadRecorder implements Notifier {
  readonly posts: Array<{ evolutionId: string; milestone: Milestone }> = [];
  async ensureThread() {
    return { threadTs: '1.0', statusMessageTs: '1.0' };
  }
  async updateStatusCard() {}
  async postMilestone(ev: Evolution, milestone: Milestone) {
    this.posts.push({ evolutionId: ev.id, milestone });
  }
  texts(evolutionId: string): string[] {
    return this.posts.filter((p) => p.evolutionId === evolutionId).map((p) => p.milestone.text);
  }
}

/** Each wait here is well inside the test's own timeout, so a wait that gives up says what it waited for. */
const until = <T>(what: string, probe: () => Promise<T | undefined>) =>
  waitUntil(what, probe, 90_000);

const LAG_THRESHOLD = 20;
const OBSERVE_EVERY_MS = 1_000;

describe('the observer on the real stack: restarts, failure and lag of a watched shadow', () => {
  const e = stackEndpoints();
  const thread = new ThreadRecorder();
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
  const flink = new FlinkAdapter(rest, gateway);
  const topics: string[] = [];
  const jobs: string[] = [];
  let rt: Runtime;

  beforeAll(async () => {
    rt = await testRuntime(thread, { EVOLVE_OBSERVE_LAG_THRESHOLD: String(LAG_THRESHOLD) });
    await rt.startWorkers({ observeEveryMs: OBSERVE_EVERY_MS });
  });

  afterAll(async () => {
    for (const id of jobs) await flink.cancel(id).catch(() => undefined);
    if (rt) await disposeRuntime(rt);
    await withAdmin((a) => a.deleteTopics({ topics })).catch(() => undefined);
    await Promise.all([rest.close(), gateway.close()]);
  });

  async function createTopics(...names: string[]): Promise<void> {
    topics.push(...names);
    await withAdmin((a) =>
      a.createTopics({
        waitForLeaders: true,
        topics: names.map((topic) => ({ topic, numPartitions: 2 })),
      }),
    );
  }

  /**
   * Runs `sql` as a shadow would run (its own pipeline.name), and records an
   * evolution of a new pipeline in SHADOW_RUNNING that names it, watched by
   * the observer like one the develop step started.
   */
  async function watchedShadow(
    sql: string,
    shadow: { tempTopic: string; groupIds: string[] },
    jobConfig: Record<string, string> = {},
  ): Promise<{ ev: Evolution; jobId: string }> {
    const name = uniqueName('obs').toLowerCase();
    const jobId = await flink.submitJob(sql, { 'pipeline.name': `${name}-shadow`, ...jobConfig });
    jobs.push(jobId);
    expect(await flink.waitRunning(jobId, 90_000)).toBe('RUNNING');
    const pipeline = await rt.service.registerFromFile(
      aPipeline({
        name,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: shadow.tempTopic, keyFormat: 'json' },
      }),
    );
    const base = anEvolutionIn('SHADOW_RUNNING', systemClock, pipeline);
    const ev = await rt.workflow.evolutions.create({
      ...base,
      v2: { sql, hash: sqlHash(sql) },
      shadow: { ...base.shadow, jobId, ...shadow },
    });
    await rt.queues.watch(ev.id, OBSERVE_EVERY_MS);
    return { ev, jobId };
  }

  /** What the observer keeps for the evolution's shadow, once it has looked. */
  async function kept(ev: Evolution): Promise<Observation | undefined> {
    const raw = await rt.redis.get(new RedisKeys(rt.keyPrefix).observation(ev.id, 'shadow'));
    return raw === null ? undefined : (JSON.parse(raw) as Observation);
  }

  /**
   * A datagen source through a division that fails while the clock is in
   * [from, to) (epoch seconds): the job runs, then fails and restarts, then
   * runs again. Flink evaluates UNIX_TIMESTAMP() per record.
   */
  function failingBetween(sinkTopic: string, from: number, to: number): string {
    return `CREATE TABLE ticks (n INT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');
CREATE TABLE sink (n INT) WITH (
  'connector' = 'kafka',
  'topic' = '${sinkTopic}',
  'properties.bootstrap.servers' = '${e.kafkaBrokersForFlink}',
  'format' = 'json'
);
INSERT INTO sink
SELECT n / CASE WHEN UNIX_TIMESTAMP() >= ${from} AND UNIX_TIMESTAMP() < ${to} THEN 0 ELSE 1 END
FROM ticks;
`;
  }

  /** The kept look knows the restart count before the job starts to fail: else the first count seen would be the baseline. */
  async function baselineBefore(ev: Evolution, failFromSec: number): Promise<void> {
    const look = await until('a kept look with a restart count', async () => {
      const o = await kept(ev);
      return o?.restarts !== undefined ? o : undefined;
    });
    expect(look).toMatchObject({ state: 'RUNNING', restarts: 0 });
    expect(Date.now(), 'the setup took longer than the time before the failure').toBeLessThan(
      failFromSec * 1000,
    );
  }

  it('reports restarts of a job that is RUNNING again at the next look, with the last exception', async () => {
    const sink = uniqueName('obs-restarts');
    await createTopics(sink);
    const failFrom = Math.floor(Date.now() / 1000) + 35;
    const { ev, jobId } = await watchedShadow(
      failingBetween(sink, failFrom, failFrom + 4),
      { tempTopic: sink, groupIds: [] },
      // Its own restart strategy, so that the failing seconds cannot exhaust the cluster's 3 attempts.
      {
        'restart-strategy.type': 'fixed-delay',
        'restart-strategy.fixed-delay.attempts': '100',
        'restart-strategy.fixed-delay.delay': '1 s',
      },
    );
    // Flink reports the count some seconds after the job starts, and 0 for one that never restarted.
    expect(await until('a restart count', () => flink.restartCount(jobId))).toBe(0);
    await baselineBefore(ev, failFrom);

    const restarts = await until('a restart in the thread', async () => {
      const texts = thread.texts(ev.id).filter((t) => t.includes(' restarted '));
      return texts.length > 0 ? texts : undefined;
    });
    // Flink's REST answers come from caches refreshed at different times (the metric every
    // 10 s, the exception history every 3 s), so the look that first sees a restart may not
    // see its exception yet.
    expect(restarts[0], restarts[0]).toMatch(
      new RegExp(
        `^The shadow job ${jobId} restarted \\d+ times? since the last look \\(total \\d+\\)\\.( Its last exception: ArithmeticException: / by zero\\.)?$`,
      ),
    );
    // Once Flink's count has settled, the restarts told add up to it: none is told twice.
    await until('the job running again', async () =>
      (await flink.jobState(jobId)) === 'RUNNING' ? true : undefined,
    );
    const total = await until('a settled restart count', async () => {
      const a = await flink.restartCount(jobId);
      await new Promise((r) => setTimeout(r, 11_000));
      const b = await flink.restartCount(jobId);
      return a !== undefined && a === b ? b : undefined;
    });
    expect(total).toBeGreaterThan(0);
    await until('every restart told', async () =>
      (await kept(ev))?.restarts === total ? true : undefined,
    );
    const told = thread
      .texts(ev.id)
      .map((t) => /restarted (\d+) times? since/.exec(t)?.[1])
      .filter((n) => n !== undefined)
      .reduce((sum, n) => sum + Number(n), 0);
    expect(told).toBe(total);
    expect(thread.texts(ev.id).some((t) => t.includes('FAILED'))).toBe(false);
    const causes = thread.texts(ev.id).filter((t) => t.includes('Its last exception:'));
    expect(causes.length, thread.texts(ev.id).join('\n')).toBeGreaterThan(0);
    for (const t of causes)
      expect(t, t).toContain('Its last exception: ArithmeticException: / by zero.');
  });

  it('reports a shadow that fails for good, with the exception that failed it', async () => {
    const sink = uniqueName('obs-failed');
    await createTopics(sink);
    const failFrom = Math.floor(Date.now() / 1000) + 30;
    const { ev, jobId } = await watchedShadow(
      failingBetween(sink, failFrom, failFrom + 3600),
      { tempTopic: sink, groupIds: [] },
      {
        'restart-strategy.type': 'fixed-delay',
        'restart-strategy.fixed-delay.attempts': '1',
        'restart-strategy.fixed-delay.delay': '1 s',
      },
    );
    await baselineBefore(ev, failFrom);

    const failed = await until('FAILED in the thread', async () =>
      thread.texts(ev.id).find((t) => / to FAILED\./.test(t)),
    );
    expect(failed).toContain(`The shadow job ${jobId} went from `);
    expect(failed).toContain(
      'Its last exception: ArithmeticException: / by zero. Check the job in Flink;',
    );
    expect(await flink.jobState(jobId)).toBe('FAILED');
    expect(await flink.lastFailure(jobId)).toBe('ArithmeticException: / by zero');
  });

  it('reports the shadow falling behind its inputs and catching up again, not every look', async () => {
    const orders = uniqueName('obs-orders');
    const temp = uniqueName('obs-temp');
    const group = uniqueName('obs-group');
    await createTopics(orders, temp);
    const sql = ordersPipelineSql(orders, temp, group).v2;
    const send = (prefix: string, count: number) =>
      withProducer((p) =>
        p.send({
          topic: orders,
          messages: makeOrders(prefix, count, 50).map((o) => ({
            key: o.order_id,
            value: JSON.stringify(o),
          })),
        }),
      );
    await send('before', 300);
    const { ev, jobId } = await watchedShadow(sql, { tempTopic: temp, groupIds: [group] });
    // Flink commits the group's offsets at checkpoints (every 5 s on the stack): the shadow
    // catches up with the 300 records within a checkpoint or two.
    await until('the shadow caught up', async () =>
      (await kept(ev))?.lagBand === 'caught-up' ? true : undefined,
    );
    const lagTexts = () =>
      thread.texts(ev.id).filter((t) => t.includes('behind its inputs') || t.includes('caught up'));
    const before = lagTexts().length;

    // Records it has not committed yet count as lag until the next checkpoint: send bursts
    // until a look falls between a burst and that checkpoint.
    for (let i = 0; lagTexts().length === before; i++) {
      if (i === 40) throw new Error('no look saw the shadow behind after 40 bursts');
      await send(`burst${i}`, 500);
      await new Promise((r) => setTimeout(r, 1_500));
    }
    const behind = lagTexts()[before];
    expect(behind).toMatch(
      new RegExp(
        `^The shadow job ${jobId} has fallen behind its inputs: \\d+ input records not yet consumed \\(threshold ${LAG_THRESHOLD}\\)\\.`,
      ),
    );
    await until('caught up in the thread', async () =>
      lagTexts()
        .slice(before)
        .some((t) => t.includes('has caught up'))
        ? true
        : undefined,
    );
    const after = lagTexts().slice(before);
    expect(after.at(-1)).toMatch(
      new RegExp(
        `^The shadow job ${jobId} has caught up with its inputs \\(\\d+ input records? behind\\)`,
      ),
    );
    // Quiet once caught up: a few more looks add nothing.
    const told = lagTexts().length;
    await new Promise((r) => setTimeout(r, 4 * OBSERVE_EVERY_MS));
    expect(lagTexts().length).toBe(told);
    // Bands alternate: the same band is never told twice in a row.
    for (let i = 1; i < after.length; i++) {
      expect(after[i]!.includes('caught up')).not.toBe(after[i - 1]!.includes('caught up'));
    }
    expect(thread.texts(ev.id).some((t) => t.includes(' restarted '))).toBe(false);
  });

  it('queues the cleanup of an aborted evolution it still watches, when the abort did not get to', async () => {
    const sink = uniqueName('obs-aborted');
    await createTopics(sink);
    const later = Math.floor(Date.now() / 1000) + 3600;
    const { ev, jobId } = await watchedShadow(failingBetween(sink, later, later + 1), {
      // Never created: this cleanup has a shadow to stop and no TEMP to delete.
      tempTopic: `${uniqueName('obs-never-created')}`,
      groupIds: [],
    });
    // The abort's transition only, as if its process died before it queued the cleanup step.
    await rt.workflow.evolutions.transition(ev.id, { type: 'abort' }, ev.requester);
    expect(await flink.jobState(jobId)).toBe('RUNNING');

    await until('the shadow stopped by the cleanup the observer queued', async () =>
      (await flink.jobState(jobId)) === 'CANCELED' ? true : undefined,
    );
    expect(await rt.queues.steps.getJobState(`cleanup-${ev.id}`)).toBe('completed');
    expect(
      thread.texts(ev.id).some((t) => t.startsWith(`Cleaned up: shadow job ${jobId} stopped`)),
    ).toBe(true);
  });
});
