import { describe, expect, it } from 'vitest';
import { demoPipelineSql } from '../../src/demo/demo-pipeline.js';
import { sinkSchemaOf } from '../../src/flink/sink-schema-of.js';

const { v1 } = demoPipelineSql({ orders: 'orders', revenue: 'revenue' }, 'k:9092', 'g');

describe('sinkSchemaOf', () => {
  it("reads the sink table's key, formats and physical columns", () => {
    expect(sinkSchemaOf(v1)).toEqual({
      keyColumns: ['customer_id'],
      keyFormat: 'json',
      valueFormat: 'json',
      columns: [
        { name: 'customer_id', type: 'STRING' },
        { name: 'total', type: 'INT' },
        { name: 'orders', type: 'BIGINT' },
      ],
    });
  });

  it("takes 'key.fields' for a kafka sink without a primary key, and writes types alike", () => {
    const sql = `CREATE TABLE src (a STRING, b INT) WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json');
CREATE TABLE sink_out (\`a\` STRING, amount decimal( 10 ,2 ), ts TIMESTAMP(3)) WITH (
  'connector' = 'kafka', 'topic' = 'out', 'key.format' = 'raw', 'key.fields' = 'a', 'value.format' = 'avro');
INSERT INTO sink_out /*+ OPTIONS('key.format' = 'csv') */ SELECT a, CAST(b AS DECIMAL(10, 2)), CURRENT_TIMESTAMP FROM src;`;
    expect(sinkSchemaOf(sql)).toEqual({
      keyColumns: ['a'],
      keyFormat: 'csv',
      valueFormat: 'avro',
      columns: [
        { name: 'a', type: 'STRING' },
        { name: 'amount', type: 'DECIMAL(10, 2)' },
        { name: 'ts', type: 'TIMESTAMP(3)' },
      ],
    });
  });

  it('has nothing to say about a sink from a catalog, or SQL that does not parse', () => {
    expect(sinkSchemaOf('INSERT INTO cat.db.out SELECT 1;')).toBeUndefined();
    expect(sinkSchemaOf('INSERT INTO')).toBeUndefined();
  });
});
