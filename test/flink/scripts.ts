/** Pipeline scripts shared by the flink unit tests. */

export const V1 = `CREATE TABLE orders (
  order_id STRING, customer_id STRING, amount DECIMAL(10,2), status STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '127.0.0.1:9092',
  'properties.group.id' = 'revenue-v1', 'scan.startup.mode' = 'group-offsets', 'format' = 'json');
CREATE TABLE revenue (customer_id STRING, total DECIMAL(10,2), orders BIGINT, PRIMARY KEY (customer_id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'revenue', 'properties.bootstrap.servers' = '127.0.0.1:9092',
  'key.format' = 'json', 'value.format' = 'json');
INSERT INTO revenue SELECT customer_id, SUM(amount), COUNT(*) FROM orders WHERE status <> 'cancelled' GROUP BY customer_id;
`;

/** Semicolons and quotes where a naive splitter would cut: comments, literals, backtick names. */
export const TRICKY = `-- leading comment; with a ' quote
CREATE TABLE \`we;ird\` (a STRING) WITH ('connector' = 'kafka', 'topic' = 'in;put' /* a; 'comment' */, 'format' = 'json');
/* block; comment ' */
CREATE TABLE sink_t (a STRING, PRIMARY KEY (a) NOT ENFORCED) WITH ('connector'='upsert-kafka','topic'='out_t','key.format'='json','value.format'='json');
INSERT INTO sink_t SELECT CONCAT(a, 'it''s; -- not a comment') FROM \`we;ird\`; -- trailing; comment
`;

export const SINK_DDL = `CREATE TABLE revenue (customer_id STRING, total BIGINT, PRIMARY KEY (customer_id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'revenue', 'key.format' = 'json', 'value.format' = 'json');
`;

export const KAFKA_SOURCE_DDL = `CREATE TABLE orders (customer_id STRING, amount BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.group.id' = 'revenue-v1',
  'scan.startup.mode' = 'specific-offsets',
  'scan.startup.specific-offsets' = 'partition:0,offset:42',
  'format' = 'json'
);
`;

export const UPSERT_SOURCE_DDL = `CREATE TABLE customers (customer_id STRING, tier STRING, PRIMARY KEY (customer_id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'customers', 'properties.group.id' = 'customers-v1',
  'key.format' = 'json', 'value.format' = 'json');
`;
