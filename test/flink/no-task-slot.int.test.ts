import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import type { Milestone, Notifier } from '../../src/evolution/ports/notifier.js';
import { lacksTaskSlot } from '../../src/evolution/no-task-slot.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import type { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { systemClock } from '../../src/store/system-clock.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { withAdmin } from '../support/kafka-test-client.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { uniqueName } from '../support/unique-name.js';
import { until } from '../support/until.js';
import { gatewayClient, restClient, waitForRunningTasks } from './flink-test-kit.js';

/** Records what the observer tells the thread. */
class ThreadRecorder implements Notifier {
  readonly texts: string[] = [];
  async ensureThread() {
    return { threadTs: '1.0', statusMessageTs: '1.0' };
  }
  async updateStatusCard() {}
  async postMilestone(_ev: Evolution, milestone: Milestone) {
    this.texts.push(milestone.text);
  }
}

/**
 * A job that needs no topic (datagen into blackhole), submitted through the
 * gateway as is: the product's own submit accepts only Kafka sinks.
 */
async function submitIdle(
  gateway: SqlGatewayClient,
  name: string,
  config: Record<string, string>,
): Promise<string> {
  const statements = [
    `CREATE TEMPORARY TABLE ${name}_src (n INT) WITH ('connector' = 'datagen', 'rows-per-second' = '1')`,
    `CREATE TEMPORARY TABLE ${name}_snk (n INT) WITH ('connector' = 'blackhole')`,
    `INSERT INTO ${name}_snk SELECT n FROM ${name}_src`,
  ];
  return (await gateway.submitScript(statements, config)).jobId;
}

const RUNNING_LIMIT_MS = 120_000;
const OBSERVE_EVERY_MS = 1_000;

// Fills every free task slot of the cluster for a few seconds: run this file alone.
// Flink fails a request no registered slot can serve at once only after a
// standalone cluster's start-up period (resourcemanager.standalone.start-up-time,
// by default slot.request.timeout, 5 min); on a stack started less than that
// ago the job waits with its tasks SCHEDULED until the period ends.
describe('a v2 submitted to a Flink cluster with no free task slot', () => {
  const e = stackEndpoints();
  const rest = restClient();
  const gateway = gatewayClient();
  const flink = new FlinkAdapter(rest, gateway);
  const thread = new ThreadRecorder();
  const jobs: string[] = [];
  const topic = uniqueName('noslot-out');
  let rt: Runtime;
  const freeSlots = async () =>
    ((await (await fetch(`${e.flinkRestUrl}/overview`)).json()) as { 'slots-available': number })[
      'slots-available'
    ];

  beforeAll(async () => {
    rt = await testRuntime(thread);
    await rt.startWorkers({ observeEveryMs: OBSERVE_EVERY_MS });
    await withAdmin((a) => a.createTopics({ waitForLeaders: true, topics: [{ topic }] }));
  });

  afterAll(async () => {
    for (const id of jobs) await flink.cancel(id).catch(() => undefined);
    for (const id of jobs)
      await rest
        .waitForJobState(id, ['CANCELED', 'FAILED', 'FINISHED'], { timeoutMs: 60_000 })
        .catch(() => undefined);
    if (rt) await disposeRuntime(rt);
    await withAdmin((a) => a.deleteTopics({ topics: [topic] })).catch(() => undefined);
    await Promise.all([rest.close(), gateway.close()]);
  });

  it('is reported as lacking a slot, by the wait for RUNNING and in the thread, well before the limit', async () => {
    const free = await freeSlots();
    expect(free, 'a free slot to fill').toBeGreaterThan(0);
    // Jobs holding every free slot: the local TaskManager has a fixed number. A slot the
    // previous test file's job was still releasing frees up after the count, so fill again.
    for (let left = free, round = 0; left > 0 && round < 5; left = await freeSlots(), round++) {
      const filler = await submitIdle(gateway, 'filler', {
        'pipeline.name': uniqueName('noslot-filler'),
        'parallelism.default': String(left),
      });
      jobs.push(filler);
      await waitForRunningTasks(rest, filler);
    }
    expect(await freeSlots(), 'no free slot left').toBe(0);

    const name = uniqueName('noslot');
    // Its own restart strategy, as production jobs have: it keeps RESTARTING instead of failing.
    const v2 = await submitIdle(gateway, 'v2', {
      'pipeline.name': `${name}-v2`,
      'parallelism.default': '1',
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': '1000',
      'restart-strategy.fixed-delay.delay': '1 s',
    });
    jobs.push(v2);
    const pipeline = await rt.service.registerFromFile(
      aPipeline({
        name,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: topic, keyFormat: 'json' },
      }),
    );
    const ev = await rt.workflow.evolutions.create({
      ...anEvolutionIn('LIVE', systemClock, pipeline),
      v2JobId: v2,
    });
    await rt.queues.watch(ev.id, OBSERVE_EVERY_MS);

    const started = Date.now();
    const state = await flink.waitRunning(v2, RUNNING_LIMIT_MS);
    const waited = Date.now() - started;
    const failure = await flink.lastFailure(v2);
    console.log(
      `[no-slot] ${free} free slots filled; v2 ${v2}: waitRunning returned ${state} after ${waited} ms (limit ${RUNNING_LIMIT_MS} ms); last failure: ${failure}`,
    );
    expect(state).not.toBe('RUNNING');
    expect(waited, 'stopped early, not at the limit').toBeLessThan(30_000);
    expect(lacksTaskSlot(failure), failure).toBe(true);

    const told = await until(
      'the thread told the v2 lacks a task slot',
      async () => thread.texts.find((t) => t.includes('task slot')),
      60_000,
    );
    console.log(`[no-slot] thread: ${told}`);
    expect(told).toMatch(
      /^v2 cannot start: the Flink cluster has no free task slot \(NoResourceAvailableException\); free a slot or add a TaskManager\. The v2 job [0-9a-f]{32} /,
    );
  });
});
