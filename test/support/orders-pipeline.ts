import { stackEndpoints } from './stack-endpoints.js';

/**
 * A small realistic pipeline for end-to-end tests: orders in, revenue per
 * customer out (upsert). v2 stops counting cancelled orders, so customers
 * whose orders were all cancelled must be deleted from the output.
 */
export function ordersPipelineSql(ordersTopic: string, revenueTopic: string, groupId: string) {
  const brokers = stackEndpoints().kafkaBrokersForFlink;
  const ddl = `CREATE TABLE orders (
  order_id STRING,
  customer_id STRING,
  amount INT,
  status STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '${ordersTopic}',
  'properties.bootstrap.servers' = '${brokers}',
  'properties.group.id' = '${groupId}',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'
);
CREATE TABLE revenue (
  customer_id STRING,
  total INT,
  orders BIGINT,
  PRIMARY KEY (customer_id) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '${revenueTopic}',
  'properties.bootstrap.servers' = '${brokers}',
  'key.format' = 'json',
  'value.format' = 'json'
);
`;
  return {
    v1: `${ddl}INSERT INTO revenue SELECT customer_id, SUM(amount), COUNT(*) FROM orders GROUP BY customer_id;\n`,
    v2: `${ddl}INSERT INTO revenue SELECT customer_id, SUM(amount), COUNT(*) FROM orders WHERE status <> 'cancelled' GROUP BY customer_id;\n`,
  };
}

export interface Order {
  order_id: string;
  customer_id: string;
  amount: number;
  status: 'placed' | 'cancelled';
}

export function makeOrders(prefix: string, count: number, customers: number, seed = 1): Order[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, i) => ({
    order_id: `${prefix}-${i}`,
    customer_id: `c${Math.floor(rnd() * customers)}`,
    amount: 1 + Math.floor(rnd() * 100),
    status: rnd() < 0.25 ? 'cancelled' : 'placed',
  }));
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
