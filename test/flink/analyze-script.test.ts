import { describe, expect, it } from 'vitest';
import { analyzeScript } from '../../src/flink/analyze-script.js';
import { SqlInvalidError } from '../../src/flink/sql-invalid-error.js';
import { KAFKA_SOURCE_DDL, SINK_DDL, TRICKY, UPSERT_SOURCE_DDL, V1 } from './scripts.js';

function invalid(sql: string): SqlInvalidError {
  try {
    analyzeScript(sql);
  } catch (err) {
    if (err instanceof SqlInvalidError) return err;
    throw err;
  }
  throw new Error('expected SqlInvalidError, the script was accepted');
}

describe('analyzeScript on the v1 revenue pipeline', () => {
  const analysis = analyzeScript(V1);

  it('splits the three statements and names their kinds', () => {
    expect(analysis.statements.map((s) => [s.kind, s.line])).toEqual([
      ['create-table', 1],
      ['create-table', 6],
      ['insert', 9],
    ]);
    expect(analysis.statements[2]!.text).toBe(
      "INSERT INTO revenue SELECT customer_id, SUM(amount), COUNT(*) FROM orders WHERE status <> 'cancelled' GROUP BY customer_id",
    );
  });

  it('reads WITH options in order, with the range of each value literal', () => {
    const orders = analysis.tables[0]!;
    expect(orders.name.name).toBe('orders');
    expect(orders.with.options.map((o) => o.key)).toEqual([
      'connector',
      'topic',
      'properties.bootstrap.servers',
      'properties.group.id',
      'scan.startup.mode',
      'format',
    ]);
    for (const option of orders.with.options) {
      expect(V1.slice(option.valueRange.start, option.valueRange.end)).toBe(`'${option.value}'`);
    }
    expect(V1[orders.with.close]).toBe(')');
  });

  it('finds the primary key, the sink, its topic and the Kafka source', () => {
    expect(analysis.tables[1]!.primaryKey).toEqual(['customer_id']);
    expect(analysis.tables.map((t) => t.connector)).toEqual(['kafka', 'upsert-kafka']);
    expect(analysis.outputTopic).toBe('revenue');
    expect(analysis.sinks.map((s) => [s.name, s.origin.kind, s.topics])).toEqual([
      ['revenue', 'script', ['revenue']],
    ]);
    expect(analysis.sources.map((s) => [s.name, s.connector])).toEqual([['orders', 'kafka']]);
    expect(analysis.kafkaSources).toMatchObject([
      {
        table: 'orders',
        connector: 'kafka',
        topics: ['orders'],
        groupId: 'revenue-v1',
        startupMode: 'group-offsets',
      },
    ]);
  });
});

describe('analyzeScript splitting', () => {
  it('is not fooled by semicolons and quotes in comments, literals and backtick names', () => {
    const analysis = analyzeScript(TRICKY);
    expect(analysis.statements).toHaveLength(3);
    expect(analysis.statements[0]!.text).toBe(
      "CREATE TABLE `we;ird` (a STRING) WITH ('connector' = 'kafka', 'topic' = 'in;put' /* a; 'comment' */, 'format' = 'json')",
    );
    expect(analysis.statements[2]!.text).toBe(
      "INSERT INTO sink_t SELECT CONCAT(a, 'it''s; -- not a comment') FROM `we;ird`",
    );
    expect(analysis.sources.map((s) => s.name)).toEqual(['we;ird']);
    // 'a;b' in a Kafka source's topic is a list of topics.
    expect(analysis.kafkaSources[0]!.topics).toEqual(['in', 'put']);
    expect(analysis.outputTopic).toBe('out_t');
  });

  it('keeps offsets right after characters outside the BMP', () => {
    const sql = `-- 📈 revenue, v1 🎉\n${V1}`;
    const option = analyzeScript(sql).tables[0]!.with.options[1]!;
    expect(sql.slice(option.valueRange.start, option.valueRange.end)).toBe("'orders'");
  });

  it('decodes doubled quotes in option values', () => {
    const sql =
      SINK_DDL.replace("'json')", "'json', 'properties.client.id' = 'it''s')") +
      'INSERT INTO revenue SELECT a, 1 FROM src;';
    const option = analyzeScript(sql).tables[0]!.with.options.at(-1)!;
    expect(option).toMatchObject({ key: 'properties.client.id', value: "it's" });
  });
});

describe('analyzeScript syntax errors', () => {
  it('reports the line and column in the whole script', () => {
    const err = invalid(
      "CREATE TABLE t (a INT) WITH ('connector'='kafka');\nINSERT INTO t\nSELEC a FROM s;",
    );
    expect(err.code).toBe('SQL_INVALID');
    expect(err.positions).toHaveLength(1);
    expect(err.positions[0]).toMatchObject({ line: 3, column: 1 });
    expect(err.positions[0]!.message).toContain("mismatched input 'SELEC'");
    expect(err.userMessage).toMatch(/^Line 3, column 1: mismatched input 'SELEC'/);
    expect(err.userMessage).toMatch(/Fix the SQL and submit it again\.$/);
  });

  it('points inside a multi-line statement', () => {
    const err = invalid("CREATE TABLE t (\n  a INT,\n  b STRNG\n) WITH ('connector'='kafka');");
    expect(err.positions[0]).toMatchObject({ line: 3, column: 5 });
  });

  it('reports an unterminated string literal where it starts', () => {
    const err = invalid("INSERT INTO t SELECT 'abc FROM s;");
    expect(err.positions[0]).toMatchObject({ line: 1, column: 22 });
    expect(err.positions[0]!.message).toContain('unterminated string literal');
  });
});

describe('analyzeScript pipeline shape', () => {
  it('refuses a script without INSERT', () => {
    const err = invalid(SINK_DDL);
    expect(err.userMessage).toContain('A pipeline script must end with INSERT INTO <output table>');
  });

  it('does not count an EXPLAIN INSERT as the pipeline INSERT', () => {
    const err = invalid(`${SINK_DDL}EXPLAIN INSERT INTO revenue SELECT a, 1 FROM src;`);
    expect(err.userMessage).toContain('this one has no INSERT');
  });

  it('refuses an INSERT into a table that is not Kafka', () => {
    const sql =
      "CREATE TABLE out_p (a STRING) WITH ('connector' = 'print');\nINSERT INTO out_p SELECT a FROM src;";
    const err = invalid(sql);
    expect(err.userMessage).toContain("uses connector 'print'");
    expect(err.positions[0]).toMatchObject({ line: 2, column: 13 });
  });

  it('accepts several INSERTs into the same topic', () => {
    const sql = `${SINK_DDL}CREATE TABLE revenue2 (customer_id STRING, total BIGINT, PRIMARY KEY (customer_id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'revenue', 'key.format' = 'json', 'value.format' = 'json');
INSERT INTO revenue SELECT a, 1 FROM src1;
INSERT INTO revenue2 SELECT a, 2 FROM src2;`;
    const analysis = analyzeScript(sql);
    expect(analysis.outputTopic).toBe('revenue');
    expect(analysis.inserts).toHaveLength(2);
  });

  it('refuses INSERTs into different topics and names them', () => {
    const sql = `${SINK_DDL}CREATE TABLE audit (a STRING) WITH ('connector' = 'kafka', 'topic' = 'audit', 'format' = 'json');
INSERT INTO revenue SELECT a, 1 FROM src;
INSERT INTO audit SELECT a FROM src;`;
    const err = invalid(sql);
    expect(err.userMessage).toContain("writes to 2 topics ('revenue', 'audit')");
    expect(err.positions.map((p) => p.line)).toEqual([4, 5]);
  });

  it('sees a topic given by a hint on the INSERT target', () => {
    const hinted = `${SINK_DDL}INSERT INTO revenue /*+ OPTIONS('topic'='revenue_b') */ SELECT a, 1 FROM src;`;
    expect(analyzeScript(hinted).outputTopic).toBe('revenue_b');
    const mixed = `${hinted}\nINSERT INTO revenue SELECT a, 2 FROM src;`;
    expect(invalid(mixed).userMessage).toContain("('revenue_b', 'revenue')");
  });

  it('reads INSERTs inside both statement set syntaxes', () => {
    for (const sql of [
      `${SINK_DDL}EXECUTE STATEMENT SET BEGIN\nINSERT INTO revenue SELECT a, 1 FROM s1;\nINSERT INTO revenue SELECT a, 2 FROM s2;\nEND;`,
      `${SINK_DDL}BEGIN STATEMENT SET;\nINSERT INTO revenue SELECT a, 1 FROM s1;\nINSERT INTO revenue SELECT a, 2 FROM s2;\nEND;`,
    ]) {
      const analysis = analyzeScript(sql);
      expect(analysis.statements.map((s) => s.kind)).toEqual(['create-table', 'statement-set']);
      expect(analysis.inserts.map((i) => [i.target.name.name, i.via])).toEqual([
        ['revenue', 'statement-set'],
        ['revenue', 'statement-set'],
      ]);
      expect(analysis.sources.map((s) => [s.name, s.connector])).toEqual([
        ['s1', 'catalog'],
        ['s2', 'catalog'],
      ]);
      expect(analysis.outputTopic).toBe('revenue');
    }
  });

  it('gives the gateway one EXECUTE STATEMENT SET for the SQL client syntax', () => {
    const compat = analyzeScript(
      `${SINK_DDL}BEGIN STATEMENT SET;\nINSERT INTO revenue SELECT a, 1 FROM s1; -- one\nINSERT INTO revenue SELECT a, 2 FROM s2;\nEND;`,
    ).statements[1]!;
    expect(compat.executable).toBe(
      'EXECUTE STATEMENT SET BEGIN\nINSERT INTO revenue SELECT a, 1 FROM s1;\nINSERT INTO revenue SELECT a, 2 FROM s2;\nEND',
    );
    const native = analyzeScript(
      `${SINK_DDL}EXECUTE STATEMENT SET BEGIN\nINSERT INTO revenue SELECT a, 1 FROM s1;\nEND;`,
    ).statements[1]!;
    expect(native.executable).toBe(native.text);
    expect(native.text).toBe(
      'EXECUTE STATEMENT SET BEGIN\nINSERT INTO revenue SELECT a, 1 FROM s1;\nEND',
    );
  });

  it('says the output topic is unknown when the INSERT target comes from a catalog', () => {
    const analysis = analyzeScript(
      'INSERT INTO prod_cat.db.revenue SELECT a FROM prod_cat.db.orders;',
    );
    expect(analysis.outputTopic).toBeUndefined();
    expect(analysis.outputTopicUnknown).toContain('prod_cat.db.revenue comes from a catalog');
    expect(analysis.sinks[0]!.origin.kind).toBe('catalog');
    expect(analysis.sources).toMatchObject([{ name: 'prod_cat.db.orders', connector: 'catalog' }]);
  });
});

describe('analyzeScript tables, views and settings', () => {
  it('reads TEMPORARY, IF NOT EXISTS and qualified backtick names', () => {
    const sql =
      "CREATE TEMPORARY TABLE IF NOT EXISTS cat.`my db`.`t.1` (a STRING) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json');\nINSERT INTO cat.`my db`.`t.1` SELECT 'a';";
    const table = analyzeScript(sql).tables[0]!;
    expect(table).toMatchObject({ temporary: true, ifNotExists: true });
    expect(table.name.parts).toEqual(['cat', 'my db', 't.1']);
  });

  it('follows reads through temporary views and skips CTE names', () => {
    const sql = `${KAFKA_SOURCE_DDL}${UPSERT_SOURCE_DDL}${SINK_DDL}SET 'table.exec.state.ttl' = '1 d';
CREATE TEMPORARY VIEW enriched AS SELECT o.customer_id, o.amount FROM orders AS o JOIN customers AS c ON o.customer_id = c.customer_id;
CREATE VIEW unused AS SELECT * FROM never_read;
INSERT INTO revenue WITH big AS (SELECT * FROM enriched WHERE amount > 10) SELECT customer_id, SUM(amount) FROM big GROUP BY customer_id;`;
    const analysis = analyzeScript(sql);
    expect(analysis.views.map((v) => [v.name.name, v.temporary])).toEqual([
      ['enriched', true],
      ['unused', false],
    ]);
    expect(analysis.sets).toMatchObject([{ key: 'table.exec.state.ttl', value: '1 d' }]);
    expect(analysis.sources.map((s) => [s.name, s.connector])).toEqual([
      ['orders', 'kafka'],
      ['customers', 'upsert-kafka'],
    ]);
    expect(analysis.kafkaSources.map((k) => [k.table, k.connector, k.topics, k.groupId])).toEqual([
      ['orders', 'kafka', ['orders'], 'revenue-v1'],
      ['customers', 'upsert-kafka', ['customers'], 'customers-v1'],
    ]);
  });

  it('takes the connector and topic of a LIKE base unless its options are excluded', () => {
    const like = `${SINK_DDL}CREATE TABLE revenue_b (extra STRING) WITH ('topic' = 'revenue') LIKE revenue;
INSERT INTO revenue_b SELECT a, 1, 'x' FROM src;`;
    const analysis = analyzeScript(like);
    expect(analysis.tables.map((t) => t.connector)).toEqual(['upsert-kafka', 'upsert-kafka']);
    expect(analysis.outputTopic).toBe('revenue');
    const excluded = like.replace('LIKE revenue;', 'LIKE revenue (EXCLUDING OPTIONS);');
    expect(invalid(excluded).userMessage).toContain("uses connector '(none)'");
  });

  it('reports topic-pattern sources', () => {
    const sql = `CREATE TABLE clicks (a STRING) WITH ('connector' = 'kafka', 'topic-pattern' = 'clicks-.*', 'format' = 'json');
${SINK_DDL}INSERT INTO revenue SELECT a, 1 FROM clicks;`;
    expect(analyzeScript(sql).kafkaSources[0]).toMatchObject({
      topics: [],
      topicPattern: 'clicks-.*',
    });
  });

  it('reads the table argument of a window function as a source', () => {
    const sql = `${KAFKA_SOURCE_DDL}${SINK_DDL}INSERT INTO revenue SELECT customer_id, SUM(amount) FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY customer_id, window_start, window_end;`;
    const source = analyzeScript(sql).sources[0]!;
    expect(source.name).toBe('orders');
    expect(source.references[0]!.hintable).toBe(false);
  });

  it('reads an existing OPTIONS hint on a source', () => {
    const sql = `${SINK_DDL}INSERT INTO revenue SELECT a, 1 FROM cat.db.clicks /*+ LOOKUP('table'='x'), OPTIONS('scan.startup.mode' = 'latest-offset', 'k' = 'it''s') */ AS c;`;
    const hint = analyzeScript(sql).sources[0]!.references[0]!.hint!;
    expect(hint.parseable).toBe(true);
    expect(hint.options!.options.map((o) => [o.key, o.value])).toEqual([
      ['scan.startup.mode', 'latest-offset'],
      ['k', "it's"],
    ]);
  });
});
