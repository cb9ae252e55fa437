import { demoPipelineSql, type Order } from '../../src/demo/demo-pipeline.js';
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
