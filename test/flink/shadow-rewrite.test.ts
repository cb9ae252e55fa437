import { describe, expect, it } from 'vitest';
import { EvolveError } from '../../src/errors.js';
import { analyzeScript, effectiveOption } from '../../src/flink/analyze-script.js';
import {
  rewriteForShadow,
  ShadowRewriteError,
  type ShadowOptions,
} from '../../src/flink/shadow-rewrite.js';
import { productionGroupIds, verifyShadow } from '../../src/flink/verify-shadow.js';
import { KAFKA_SOURCE_DDL, SINK_DDL, TRICKY, UPSERT_SOURCE_DDL, V1 } from './scripts.js';

const OPTIONS: ShadowOptions = {
  pipeline: 'revenue',
  evolutionId: 'e1',
  tempTopic: 'revenue.evolve.e1',
};

function refusal(run: () => unknown): EvolveError {
  try {
    run();
  } catch (err) {
    if (err instanceof EvolveError) return err;
    throw err;
  }
  throw new Error('expected a refusal, the rewrite went through');
}

/** Every topic any INSERT of the script would write, hints included. */
function sinkTopics(sql: string): string[] {
  const analysis = analyzeScript(sql);
  return analysis.sinks.flatMap((sink) =>
    sink.inserts.map(
      (i) => effectiveOption(sink.origin, i.target, 'topic', analysis.tables) ?? '?',
    ),
  );
}

describe('rewriteForShadow on the v1 revenue pipeline', () => {
  const shadow = rewriteForShadow(V1, OPTIONS);

  it('edits only the option values and adds the prefix, byte for byte', () => {
    const expected = V1.replace(
      "'properties.group.id' = 'revenue-v1'",
      "'properties.group.id' = 'evolve-e1-shadow-orders'",
    )
      .replace("'scan.startup.mode' = 'group-offsets'", "'scan.startup.mode' = 'earliest-offset'")
      .replace("'topic' = 'revenue'", "'topic' = 'revenue.evolve.e1'")
      .replace(
        "'value.format' = 'json');",
        "'value.format' = 'json', 'sink.transactional-id-prefix' = 'evolve-e1-shadow');",
      );
    expect(shadow.sql).toBe(expected);
  });

  it('returns the names it chose', () => {
    expect(shadow).toMatchObject({
      executionConfig: { 'pipeline.name': 'evolve/revenue/e1/shadow' },
      groupIds: ['evolve-e1-shadow-orders'],
      transactionalIdPrefix: 'evolve-e1-shadow',
      outputTopic: 'revenue',
      tempTopic: 'revenue.evolve.e1',
    });
    expect(shadow.changes.join('\n')).toContain("topic 'revenue' -> 'revenue.evolve.e1'");
  });

  it('never writes the production topic and never uses a production group', () => {
    expect(sinkTopics(shadow.sql)).toEqual(['revenue.evolve.e1']);
    const analysis = analyzeScript(shadow.sql);
    expect(analysis.kafkaSources.map((k) => k.groupId)).toEqual(['evolve-e1-shadow-orders']);
    expect(productionGroupIds(analysis).has('revenue-v1')).toBe(false);
  });

  it('is deterministic and leaves its input alone', () => {
    const copy = `${V1}`;
    expect(rewriteForShadow(V1, OPTIONS)).toEqual(shadow);
    expect(V1).toBe(copy);
  });
});

describe('rewriteForShadow keeps the script around the edits', () => {
  it('keeps comments, literals and backtick names', () => {
    const shadow = rewriteForShadow(TRICKY, { ...OPTIONS, tempTopic: 'out_t.evolve.e1' });
    for (const kept of [
      "-- leading comment; with a ' quote",
      "/* a; 'comment' */",
      "/* block; comment ' */",
      "'it''s; -- not a comment'",
      '-- trailing; comment',
    ]) {
      expect(shadow.sql).toContain(kept);
    }
    expect(shadow.groupIds).toEqual(['evolve-e1-shadow-we_ird']);
    expect(sinkTopics(shadow.sql)).toEqual(['out_t.evolve.e1']);
  });

  it('removes conflicting start options and adds new ones one per line', () => {
    const sql = `${KAFKA_SOURCE_DDL}${SINK_DDL}INSERT INTO revenue SELECT customer_id, SUM(amount) FROM orders GROUP BY customer_id;`;
    const shadow = rewriteForShadow(sql, OPTIONS);
    expect(shadow.sql).toContain(`) WITH (
  'connector' = 'kafka',
  'topic' = 'orders',
  'properties.group.id' = 'evolve-e1-shadow-orders',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'
);`);
  });

  it('starts from a timestamp when asked, and needs the timestamp', () => {
    const sql = `${KAFKA_SOURCE_DDL}${SINK_DDL}INSERT INTO revenue SELECT customer_id, amount FROM orders;`;
    const shadow = rewriteForShadow(sql, {
      ...OPTIONS,
      startupMode: 'timestamp',
      startupTimestampMs: 1700000000000,
    });
    expect(shadow.sql).toContain(`  'scan.startup.mode' = 'timestamp',
  'format' = 'json',
  'scan.startup.timestamp-millis' = '1700000000000'
);`);
    expect(shadow.sql).not.toContain('specific-offsets');
    const err = refusal(() => rewriteForShadow(sql, { ...OPTIONS, startupMode: 'timestamp' }));
    expect(err.code).toBe('INPUT_INVALID');
  });

  it('warns that group-offsets has nothing to resume from in a new group', () => {
    const shadow = rewriteForShadow(V1, { ...OPTIONS, startupMode: 'group-offsets' });
    expect(shadow.sql).toContain("'scan.startup.mode' = 'group-offsets'");
    expect(shadow.changes.join('\n')).toContain("no 'properties.auto.offset.reset'");
    const withReset = V1.replace(
      "'format' = 'json'",
      "'properties.auto.offset.reset' = 'earliest', 'format' = 'json'",
    );
    const quiet = rewriteForShadow(withReset, { ...OPTIONS, startupMode: 'group-offsets' });
    expect(quiet.changes.join('\n')).not.toContain('auto.offset.reset');
  });

  it('sets only the group id of an upsert-kafka source and says why', () => {
    const sql = `${UPSERT_SOURCE_DDL}${SINK_DDL}INSERT INTO revenue SELECT customer_id, 1 FROM customers;`;
    const shadow = rewriteForShadow(sql, OPTIONS);
    expect(shadow.sql).toContain("'properties.group.id' = 'evolve-e1-shadow-customers'");
    expect(shadow.sql).not.toContain('scan.startup.mode');
    expect(shadow.changes.join('\n')).toContain('always reads its topic from the earliest offset');
  });

  it('gives every source its own group, through views and joins', () => {
    const sql = `${KAFKA_SOURCE_DDL}${UPSERT_SOURCE_DDL}${SINK_DDL}CREATE TEMPORARY VIEW enriched AS
  SELECT o.customer_id, o.amount FROM orders AS o JOIN customers AS c ON o.customer_id = c.customer_id;
INSERT INTO revenue SELECT customer_id, SUM(amount) FROM enriched GROUP BY customer_id;`;
    const shadow = rewriteForShadow(sql, OPTIONS);
    expect(shadow.groupIds).toEqual(['evolve-e1-shadow-orders', 'evolve-e1-shadow-customers']);
    expect(analyzeScript(shadow.sql).kafkaSources.map((k) => k.groupId)).toEqual(shadow.groupIds);
  });

  it('rewrites every INSERT of both statement set syntaxes', () => {
    for (const set of [
      "EXECUTE STATEMENT SET BEGIN\nINSERT INTO revenue SELECT a, 1 FROM s1;\nINSERT INTO revenue /*+ OPTIONS('topic'='revenue') */ SELECT a, 2 FROM s2;\nEND;",
      "BEGIN STATEMENT SET;\nINSERT INTO revenue SELECT a, 1 FROM s1;\nINSERT INTO revenue /*+ OPTIONS('topic'='revenue') */ SELECT a, 2 FROM s2;\nEND;",
    ]) {
      const shadow = rewriteForShadow(`${SINK_DDL}${set}`, OPTIONS);
      expect(sinkTopics(shadow.sql)).toEqual(['revenue.evolve.e1', 'revenue.evolve.e1']);
      // The hint would override the table option: it is rewritten too.
      expect(shadow.sql).toContain("/*+ OPTIONS('topic'='revenue.evolve.e1') */");
    }
  });
});

describe('rewriteForShadow with catalog tables', () => {
  const sql = `INSERT INTO cat.db.revenue
SELECT customer_id, SUM(amount) FROM cat.db.orders /*+ OPTIONS('scan.startup.mode'='latest-offset', 'properties.group.id'='prod-g') */ AS o
JOIN cat.db.customers AS c ON o.customer_id = c.customer_id GROUP BY customer_id;`;

  it('needs the registered output topic', () => {
    const err = refusal(() => rewriteForShadow(sql, OPTIONS));
    expect(err).toBeInstanceOf(ShadowRewriteError);
    expect(err.userMessage).toContain('comes from a catalog');
  });

  it('adds or merges OPTIONS hints at each reference', () => {
    const shadow = rewriteForShadow(sql, { ...OPTIONS, outputTopic: 'revenue' });
    expect(shadow.sql)
      .toBe(`INSERT INTO cat.db.revenue /*+ OPTIONS('topic'='revenue.evolve.e1', 'sink.transactional-id-prefix'='evolve-e1-shadow') */
SELECT customer_id, SUM(amount) FROM cat.db.orders /*+ OPTIONS('scan.startup.mode'='earliest-offset', 'properties.group.id'='evolve-e1-shadow-cat.db.orders') */ AS o
JOIN cat.db.customers /*+ OPTIONS('properties.group.id'='evolve-e1-shadow-cat.db.customers', 'scan.startup.mode'='earliest-offset') */ AS c ON o.customer_id = c.customer_id GROUP BY customer_id;`);
    expect(shadow.groupIds).toEqual([
      'evolve-e1-shadow-cat.db.orders',
      'evolve-e1-shadow-cat.db.customers',
    ]);
  });

  it('refuses a catalog table read as a window function argument (no hint allowed there)', () => {
    const tvf = `INSERT INTO cat.db.revenue SELECT customer_id, SUM(amount) FROM TABLE(TUMBLE(TABLE cat.db.orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY customer_id, window_start, window_end;`;
    const err = refusal(() => rewriteForShadow(tvf, { ...OPTIONS, outputTopic: 'revenue' }));
    expect(err.userMessage).toContain('Read it through a view');
  });

  it('refuses when the script and the pipeline disagree on the output topic', () => {
    const err = refusal(() => rewriteForShadow(V1, { ...OPTIONS, outputTopic: 'revenue_eu' }));
    expect(err.userMessage).toContain(
      "writes to topic 'revenue', but pipeline revenue owns output topic 'revenue_eu'",
    );
  });
});

describe('rewriteForShadow refusals', () => {
  it('refuses a production group id equal to the one the shadow would use', () => {
    const sql = V1.replace("'revenue-v1'", "'evolve-e1-shadow-orders'");
    const err = refusal(() => rewriteForShadow(sql, OPTIONS));
    expect(err).toBeInstanceOf(ShadowRewriteError);
    expect(err.userMessage).toContain("production consumer group 'evolve-e1-shadow-orders'");
  });

  it('refuses a sink whose rows can choose their topic', () => {
    const sql = V1.replace('orders BIGINT,', 'orders BIGINT, `topic` STRING METADATA,');
    expect(refusal(() => rewriteForShadow(sql, OPTIONS)).userMessage).toContain(
      "writable 'topic' metadata column",
    );
  });

  it('refuses ALTER TABLE on a table the pipeline writes', () => {
    const sql = V1.replace(
      'INSERT INTO',
      "ALTER TABLE revenue SET ('topic' = 'revenue');\nINSERT INTO",
    );
    expect(refusal(() => rewriteForShadow(sql, OPTIONS)).userMessage).toContain(
      'ALTER TABLE revenue',
    );
  });

  it('refuses a TEMP topic that is the production topic or not a topic name', () => {
    expect(refusal(() => rewriteForShadow(V1, { ...OPTIONS, tempTopic: 'revenue' })).code).toBe(
      'SHADOW_REWRITE_REFUSED',
    );
    expect(refusal(() => rewriteForShadow(V1, { ...OPTIONS, tempTopic: "x'y" })).code).toBe(
      'INPUT_INVALID',
    );
    expect(refusal(() => rewriteForShadow(V1, { ...OPTIONS, evolutionId: 'a b' })).code).toBe(
      'INPUT_INVALID',
    );
  });

  it('passes the analysis errors through', () => {
    expect(refusal(() => rewriteForShadow(SINK_DDL, OPTIONS)).code).toBe('SQL_INVALID');
  });
});

describe('verifyShadow', () => {
  it('refuses the production script itself', () => {
    const expected = {
      productionGroupIds: new Set(['revenue-v1']),
      expectedGroupIds: new Map([['orders', 'evolve-e1-shadow-orders']]),
      startup: new Map([['scan.startup.mode', 'earliest-offset']]),
    };
    const unchanged = {
      sql: V1,
      executionConfig: {},
      groupIds: ['evolve-e1-shadow-orders'],
      transactionalIdPrefix: 'evolve-e1-shadow',
      outputTopic: 'revenue',
      tempTopic: 'revenue.evolve.e1',
      changes: [],
    };
    const err = refusal(() => verifyShadow(unchanged, expected));
    expect(err.userMessage).toContain("INSERT INTO revenue would write to 'revenue'");
    expect(() => verifyShadow(rewriteForShadow(V1, OPTIONS), expected)).not.toThrow();
  });
});
