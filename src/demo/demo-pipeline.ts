/**
 * The demo pipeline `npm start` runs: orders in, revenue per customer out,
 * as an upsert topic. v2 stops counting cancelled orders, so customers whose
 * orders were all cancelled disappear from the output: the backfill has
 * deletes to make, not only updates.
 */
export function demoPipelineSql(
  topics: { orders: string; revenue: string },
  brokers: string,
  groupId: string,
) {
  const ddl = `CREATE TABLE orders (
  order_id STRING,
  customer_id STRING,
  amount INT,
  status STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '${topics.orders}',
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
  'topic' = '${topics.revenue}',
  'properties.bootstrap.servers' = '${brokers}',
  'key.format' = 'json',
  'value.format' = 'json'
);
`;
  return {
    v1: `${ddl}INSERT INTO revenue
SELECT customer_id, SUM(amount), COUNT(*)
FROM orders
GROUP BY customer_id;
`,
    v2: `${ddl}-- v2: cancelled orders no longer count as revenue.
INSERT INTO revenue
SELECT customer_id, SUM(amount), COUNT(*)
FROM orders
WHERE status <> 'cancelled'
GROUP BY customer_id;
`,
  };
}

export interface Order {
  order_id: string;
  customer_id: string;
  amount: number;
  status: 'placed' | 'cancelled';
}

/** A deterministic stream of orders: `count` of them over `customers` customers, about 25% cancelled. */
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
