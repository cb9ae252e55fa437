import { afterAll, beforeAll, expect } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { deleteTopicsStartingWith, readAll } from './kafka-test-client.js';
import {
  createOrdersTopics,
  ordersPipelineSql,
  sendOrders,
  type Order,
} from './orders-pipeline.js';
import { aPipeline } from './pipeline-fixture.js';
import { stackEndpoints } from './stack-endpoints.js';
import { disposeRuntime, testRuntime } from './test-runtime.js';
import { uniqueName } from './unique-name.js';
import { until } from './until.js';
import { RecordingNotifier } from './workflow-world.js';

export interface OrdersWorld {
  pipelineName: string;
  ordersTopic: string;
  revenueTopic: string;
  sql: ReturnType<typeof ordersPipelineSql>;
  notifier: RecordingNotifier;
  rest: FlinkRestClient;
  flink: FlinkAdapter;
  /** The in-process runtime with workers (set once beforeAll ran). */
  rt: Runtime;
  v1JobId: string;
  /** The environment a CLI process of this world runs with (its keys and queues). */
  cliEnv(): Record<string, string>;
}

/**
 * A real orders pipeline for one integration file: topics with `orders`,
 * v1 RUNNING in Flink, a runtime with workers, the pipeline registered, and
 * v1's output written (`v1Ready`); afterwards every job whose name has the
 * pipeline's, the runtime's keys and queues, and the topics are removed.
 */
export function useOrdersWorld(
  label: string,
  options: {
    orders: readonly Order[];
    env?: Record<string, string>;
    /** When v1 has written enough; default: one output record. */
    v1Ready?: (records: Awaited<ReturnType<typeof readAll>>) => boolean;
    /** False: no workers in this process (the test runs `evolve worker` children). */
    inProcessWorkers?: boolean;
  },
): OrdersWorld {
  const e = stackEndpoints();
  const ordersTopic = uniqueName('orders');
  const revenueTopic = uniqueName('revenue');
  const pipelineName = uniqueName(label).toLowerCase();
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const world: OrdersWorld = {
    pipelineName,
    ordersTopic,
    revenueTopic,
    sql: ordersPipelineSql(ordersTopic, revenueTopic, `${pipelineName}-v1`),
    notifier: new RecordingNotifier(),
    rest,
    flink: new FlinkAdapter(rest, new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl })),
    rt: undefined as unknown as Runtime,
    v1JobId: '',
    cliEnv: () => ({
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: world.rt.keyPrefix,
      // testRuntime names its queues and keys alike.
      EVOLVE_QUEUE_NAMESPACE: world.rt.keyPrefix.replace(/:$/, ''),
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: e.flinkRestUrl,
      EVOLVE_FLINK_GATEWAY_URL: e.flinkGatewayUrl,
      EVOLVE_LOG_LEVEL: 'warn',
    }),
  };

  beforeAll(async () => {
    const { sql, flink } = world;
    await createOrdersTopics(ordersTopic, revenueTopic);
    await sendOrders(ordersTopic, options.orders);
    world.v1JobId = await flink.submitJob(sql.v1, { 'pipeline.name': `${pipelineName}-v1` });
    expect(await flink.waitRunning(world.v1JobId, 90_000)).toBe('RUNNING');
    world.rt = await testRuntime(world.notifier, options.env ?? {});
    if (options.inProcessWorkers !== false) await world.rt.startWorkers({ observeEveryMs: 2_000 });
    await world.rt.service.registerFromFile(
      aPipeline({
        name: pipelineName,
        flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
        kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
        production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: world.v1JobId },
      }),
    );
    const ready = options.v1Ready ?? ((records) => records.length > 0);
    await until('v1 output', async () => (ready(await readAll(revenueTopic)) ? true : undefined));
  }, 180_000);

  afterAll(async () => {
    // Every job the file started (v1, shadow, v2), whatever state it was left in.
    const all = await rest.listJobs().catch(() => []);
    for (const j of all.filter((j) => j.name.includes(pipelineName)))
      await world.flink.cancel(j.jid).catch(() => undefined);
    await world.flink.cancel(world.v1JobId).catch(() => undefined);
    await rest.close();
    if (world.rt) await disposeRuntime(world.rt);
    await deleteTopicsStartingWith(ordersTopic, revenueTopic);
  }, 120_000);

  return world;
}
