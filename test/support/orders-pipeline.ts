import { demoPipelineSql, type Order } from '../../src/demo/demo-pipeline.js';
import { withAdmin, withProducer } from './kafka-test-client.js';
import { stackEndpoints } from './stack-endpoints.js';

export { makeOrders, type Order } from '../../src/demo/demo-pipeline.js';

/** The demo pipeline on the test stack's brokers (as Flink reaches them). */
export function ordersPipelineSql(ordersTopic: string, revenueTopic: string, groupId: string) {
  return demoPipelineSql(
    { orders: ordersTopic, revenue: revenueTopic },
    stackEndpoints().kafkaBrokersForFlink,
    groupId,
  );
}

/** What v2 must hold per customer after a backfill: null for customers with only cancelled orders. */
export function expectedV2(
  orders: readonly Order[],
): Map<string, { total: number; orders: number } | null> {
  const out = new Map<string, { total: number; orders: number } | null>();
  for (const o of orders) {
    if (!out.has(o.customer_id)) out.set(o.customer_id, null);
    if (o.status === 'cancelled') continue;
    const cur = out.get(o.customer_id) ?? { total: 0, orders: 0 };
    out.set(o.customer_id, { total: cur.total + o.amount, orders: cur.orders + 1 });
  }
  return out;
}

/**
 * Six orders, all cancelled, of three customers (gone0..gone2) who order
 * nothing else: they exist only in v1's answer, so the backfill has 3 keys
 * to delete, not only updates.
 */
export function onlyCancelledOrders(): Order[] {
  return Array.from({ length: 6 }, (_, i) => ({
    order_id: `x-${i}`,
    customer_id: `gone${i % 3}`,
    amount: 10,
    status: 'cancelled',
  }));
}

/** The pipeline's input and its compacted upsert output, two partitions each. */
export async function createOrdersTopics(ordersTopic: string, revenueTopic: string): Promise<void> {
  await withAdmin((a) =>
    a.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: ordersTopic, numPartitions: 2 },
        {
          topic: revenueTopic,
          numPartitions: 2,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    }),
  );
}

/** Keyed by order id, as the demo's generator writes them. */
export async function sendOrders(topic: string, orders: readonly Order[]): Promise<void> {
  // In sends of at most 5,000: one request of more would pass the broker's message size limit.
  await withProducer(async (p) => {
    for (let i = 0; i < orders.length; i += 5_000)
      await p.send({
        topic,
        messages: orders
          .slice(i, i + 5_000)
          .map((o) => ({ key: o.order_id, value: JSON.stringify(o) })),
      });
  });
}
