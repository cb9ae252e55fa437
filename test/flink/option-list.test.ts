import { describe, expect, it } from 'vitest';
import { analyzeScript } from '../../src/flink/analyze-script.js';
import { applyEdits, planOptionEdits, type OptionChanges } from '../../src/flink/option-list.js';
import { quoteSqlString } from '../../src/flink/sql-literals.js';
import { parseTableHint } from '../../src/flink/table-hints.js';

const INSERT = "\nINSERT INTO t SELECT 'a';";

/** Applies `changes` to the WITH list of the script's first table. */
function edit(ddl: string, changes: Partial<OptionChanges>): string {
  const sql = ddl + INSERT;
  const table = analyzeScript(sql).tables[0]!;
  const edits = planOptionEdits(sql, table.with, {
    set: new Map(),
    remove: new Set(),
    ...changes,
  });
  return applyEdits(sql, edits).slice(0, -INSERT.length);
}

const ONE_LINE =
  "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 'x', 'scan.startup.specific-offsets' = 'partition:0,offset:1', 'format' = 'json')";

describe('planOptionEdits', () => {
  it('escapes quotes in new and replaced values', () => {
    const out = edit(ONE_LINE, {
      set: new Map([
        ['topic', "it's"],
        ['properties.client.id', "o'brien"],
      ]),
    });
    expect(out).toBe(
      "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 'it''s', 'scan.startup.specific-offsets' = 'partition:0,offset:1', 'format' = 'json', 'properties.client.id' = 'o''brien')",
    );
    // Read back, the values are the ones set.
    const options = analyzeScript(out + INSERT).tables[0]!.with.options;
    expect(options.find((o) => o.key === 'topic')!.value).toBe("it's");
    expect(options.at(-1)!.value).toBe("o'brien");
  });

  it('removes an option in the middle with its comma', () => {
    expect(edit(ONE_LINE, { remove: new Set(['scan.startup.specific-offsets']) })).toBe(
      "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json')",
    );
  });

  it('removes trailing options and adds new ones in the same place', () => {
    const out = edit(ONE_LINE, {
      remove: new Set(['scan.startup.specific-offsets', 'format']),
      set: new Map([['scan.startup.mode', 'earliest-offset']]),
    });
    expect(out).toBe(
      "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 'x', 'scan.startup.mode' = 'earliest-offset')",
    );
  });

  it('follows a compact style and leaves unchanged values alone', () => {
    const ddl = "CREATE TABLE t (a STRING) WITH ('connector'='kafka','topic'='x')";
    expect(
      edit(ddl, {
        set: new Map([
          ['topic', 'x'],
          ['k', 'v'],
        ]),
      }),
    ).toBe("CREATE TABLE t (a STRING) WITH ('connector'='kafka','topic'='x', 'k'='v')");
  });

  it('changes only existing keys when asked', () => {
    expect(edit(ONE_LINE, { set: new Map([['k', 'v']]), onlyExisting: true })).toBe(ONE_LINE);
  });
});

describe('applyEdits', () => {
  it('refuses overlapping edits', () => {
    expect(() =>
      applyEdits('abcdef', [
        { start: 1, end: 4, text: 'x' },
        { start: 3, end: 5, text: 'y' },
      ]),
    ).toThrow(/overlapping/);
  });
});

describe('parseTableHint', () => {
  const hint = (text: string) => parseTableHint(text, { start: 0, end: text.length });

  it('finds OPTIONS among other hints, with ranges into the text', () => {
    const text =
      "/*+ LOOKUP('table'='c', 'retry-predicate'='lookup_miss'), OPTIONS('a' = '1', 'b'='x''y') */";
    const parsed = hint(text);
    expect(parsed.parseable).toBe(true);
    expect(parsed.options!.options.map((o) => [o.key, o.value])).toEqual([
      ['a', '1'],
      ['b', "x'y"],
    ]);
    const b = parsed.options!.options[1]!;
    expect(text.slice(b.valueRange.start, b.valueRange.end)).toBe("'x''y'");
    expect(text[parsed.options!.close]).toBe(')');
  });

  it('says where OPTIONS goes when only other hints are there', () => {
    const text = "/*+ LOOKUP('table'='c') */";
    const parsed = hint(text);
    expect(parsed.options).toBeUndefined();
    expect(text.slice(0, parsed.appendAt)).toBe("/*+ LOOKUP('table'='c')");
  });

  it('does not guess with two OPTIONS hints or a broken one', () => {
    expect(hint("/*+ OPTIONS('a'='1'), OPTIONS('a'='2') */").parseable).toBe(false);
    expect(hint("/*+ OPTIONS('a'='1' */").parseable).toBe(false);
  });
});

describe('quoteSqlString', () => {
  it('doubles single quotes and nothing else', () => {
    expect(quoteSqlString("a'b''c\\")).toBe("'a''b''''c\\'");
  });
});
