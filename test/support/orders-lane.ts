import type { Admin } from 'kafkajs';
import type { Runtime } from '../../src/app/create-runtime.js';
import type { Evolution } from '../../src/evolution/evolution.js';
import { sqlHash } from '../../src/evolution/sql-hash.js';
import type { FlinkAdapter } from '../../src/flink/flink-adapter.js';
import { untilStatus } from './crash-lane.js';
import { withProducer } from './kafka-test-client.js';
import { makeOrders, ordersPipelineSql } from './orders-pipeline.js';
import { aPipeline } from './pipeline-fixture.js';
import { stackEndpoints } from './stack-endpoints.js';
import { uniqueName } from './unique-name.js';

/** One pipeline of the orders demo on the real stack: its compacted output topic, v1 RUNNING, registered. */
export interface OrdersLane {
  pipeline: string;
  revenueTopic: string;
  v1JobId: string;
  sql: { v1: string; v2: string };
}

/**
 * Creates the lane's output topic, submits v1 and registers the pipeline in
 * `rt`. Lanes are created one after the other: kafkajs's admin trips over
 * concurrent topic creations.
 */
export async function newOrdersLane(
  rt: Runtime,
  admin: Admin,
  flink: FlinkAdapter,
  ordersTopic: string,
  tag: string,
): Promise<OrdersLane> {
  const e = stackEndpoints();
  const pipeline = uniqueName(tag).toLowerCase();
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
  if ((await flink.waitRunning(v1JobId, 90_000)) !== 'RUNNING')
    throw new Error(`v1 of ${pipeline} did not reach RUNNING`);
  await rt.service.registerFromFile(
    aPipeline({
      name: pipeline,
      flink: { restUrl: e.flinkRestUrl, gatewayUrl: e.flinkGatewayUrl },
      kafka: { outputTopic: revenueTopic, keyFormat: 'json' },
      production: { sql: sql.v1, sqlHash: sqlHash(sql.v1), flinkJobId: v1JobId },
    }),
  );
  return { pipeline, revenueTopic, v1JobId, sql: { v1: sql.v1, v2: sql.v2 } };
}

/** Cancels every job of these lanes still running in Flink (their names carry the pipeline). */
export async function cancelLaneJobs(
  flink: FlinkAdapter,
  list: () => Promise<Array<{ jid: string; name: string; state: string }>>,
  lanes: readonly OrdersLane[],
): Promise<void> {
  for (const j of await list().catch(() => [])) {
    if (
      lanes.some((l) => j.name.includes(l.pipeline)) &&
      !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state)
    )
      await flink.cancel(j.jid).catch(() => undefined);
  }
}

/** The lanes' shared input: a 2-partition orders topic holding these orders, keyed by order id. */
export async function seedOrdersTopic(
  admin: Admin,
  topic: string,
  orders: ReturnType<typeof makeOrders>,
): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
  await withProducer((p) =>
    p.send({
      topic,
      messages: orders.map((o) => ({ key: o.order_id, value: JSON.stringify(o) })),
    }),
  );
}

/** Deletes the orders topic and every topic of these lanes (output, TEMP): their names carry the pipeline. */
export async function deleteLaneTopics(
  admin: Admin,
  ordersTopic: string,
  lanes: readonly Pick<OrdersLane, 'pipeline'>[],
): Promise<void> {
  const topics = await admin.listTopics();
  await admin
    .deleteTopics({
      topics: topics.filter((t) => t === ordersTopic || lanes.some((l) => t.includes(l.pipeline))),
    })
    .catch(() => undefined);
}

/** An owner develops the lane's v2; resolves once the shadow is RUNNING. */
export async function developShadow(
  rt: Runtime,
  lane: Pick<OrdersLane, 'pipeline' | 'sql'>,
  channel: string,
): Promise<Evolution> {
  const ev = await rt.service.develop({
    pipeline: lane.pipeline,
    sql: lane.sql.v2,
    actor: { id: 'U0OWNER1' },
    channel,
  });
  return untilStatus(rt, ev.id, 'SHADOW_RUNNING', 300_000);
}
