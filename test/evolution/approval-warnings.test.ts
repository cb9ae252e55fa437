import { describe, expect, it } from 'vitest';
import {
  approvalWarnings,
  type ApprovalWarningInput,
} from '../../src/evolution/approval-warnings.js';
import { shadowHealthIssue } from '../../src/evolution/shadow-health.js';
import type { SinkSchema } from '../../src/evolution/sink-schema.js';

const v1Sink: SinkSchema = {
  keyColumns: ['customer_id'],
  keyFormat: 'json',
  valueFormat: 'json',
  columns: [
    { name: 'customer_id', type: 'STRING' },
    { name: 'total', type: 'INT' },
    { name: 'orders', type: 'BIGINT' },
  ],
};
const healthy = { state: 'RUNNING', restarts: 0, lagRecords: 0 };
const base: ApprovalWarningInput = {
  diff: { same: 800, changed: 100, onlyProduction: 10, onlyTemp: 5 },
  backfillMode: 'full',
  v1Sink,
  v2Sink: v1Sink,
  shadow: healthy,
  lagThreshold: 1000,
};
const texts = (input: ApprovalWarningInput) => approvalWarnings(input).map((w) => w.text);
const kinds = (input: ApprovalWarningInput) => approvalWarnings(input).map((w) => w.kind);

describe('approvalWarnings', () => {
  it('says nothing for a healthy, caught-up shadow that deletes few keys and keeps the schema', () => {
    expect(approvalWarnings(base)).toEqual([]);
  });

  it('a v2 that deletes 459 of 459 production keys and changes the key columns gets both warnings', () => {
    const v2Sink: SinkSchema = {
      ...v1Sink,
      keyColumns: ['customer_id', 'region'],
      columns: [...v1Sink.columns, { name: 'region', type: 'STRING' }],
    };
    const input = {
      ...base,
      diff: { same: 0, changed: 0, onlyProduction: 459, onlyTemp: 459 },
      v2Sink,
    };
    expect(kinds(input)).toEqual(['deletes', 'key-columns', 'value-columns']);
    expect(texts(input)).toEqual([
      'The backfill would delete 459 of 459 production keys (100%, over 10%). Check that v2 is meant to drop them, or backfill with mode=refresh-only.',
      "The key columns change from (customer_id) to (customer_id, region): v2's records land under other keys, and clients reading the topic by key see both until the backfill deletes v1's.",
      "The value columns change: added region STRING. Clients reading the output topic must accept v2's records.",
    ]);
  });

  it('warns on deletes above 10% of the production keys, not at or below, and not in refresh-only', () => {
    const over = { same: 800, changed: 100, onlyProduction: 200, onlyTemp: 5 };
    expect(texts({ ...base, diff: over })[0]).toMatch(
      /^The backfill would delete 200 of 1,100 production keys \(18\.2%, over 10%\)/,
    );
    const atTen = { same: 80, changed: 10, onlyProduction: 10, onlyTemp: 0 };
    expect(kinds({ ...base, diff: atTen })).toEqual([]);
    expect(kinds({ ...base, diff: over, backfillMode: 'refresh-only' })).toEqual([]);
  });

  it('names the key format change', () => {
    expect(texts({ ...base, v2Sink: { ...v1Sink, keyFormat: 'raw' } })).toEqual([
      "The key format changes from json to raw: the same key is written as other bytes, so clients and compaction treat v1's and v2's records as different keys.",
    ]);
  });

  it('lists value columns added, removed and retyped in one warning', () => {
    const v2Sink: SinkSchema = {
      ...v1Sink,
      columns: [
        { name: 'customer_id', type: 'STRING' },
        { name: 'total', type: 'DECIMAL(10, 2)' },
        { name: 'currency', type: 'STRING' },
      ],
    };
    expect(texts({ ...base, v2Sink })).toEqual([
      "The value columns change: added currency STRING; removed orders; retyped total INT -> DECIMAL(10, 2). Clients reading the output topic must accept v2's records.",
    ]);
  });

  it('compares no schema when a sink comes from a catalog', () => {
    expect(kinds({ ...base, v2Sink: undefined })).toEqual([]);
  });

  it('a lag of 10 records under the threshold is normal (checkpoint sawtooth): no warning; above it warns', () => {
    expect(kinds({ ...base, shadow: { ...healthy, lagRecords: 10 } })).toEqual([]);
    expect(kinds({ ...base, shadow: { ...healthy, lagRecords: 1000 } })).toEqual([]);
    expect(texts({ ...base, shadow: { ...healthy, lagRecords: 1001 } })).toEqual([
      'The shadow is 1,001 input records behind (more than 1,000): the diff may still change.',
    ]);
  });

  it('warns on shadow restarts with the last exception, and on a shadow that is not RUNNING', () => {
    const input = {
      ...base,
      shadow: {
        state: 'RESTARTING',
        restarts: 2,
        failure: 'NumberFormatException: For input string: "x"',
      },
    };
    expect(texts(input)).toEqual([
      'The shadow job is RESTARTING in Flink, not RUNNING: a deploy cannot start from it.',
      'The shadow job restarted 2 times: v2 fails on some input and may fail in production too. Its last exception: NumberFormatException: For input string: "x"',
    ]);
    expect(texts({ ...base, shadow: { ...healthy, restarts: 1 } })[0]).toMatch(
      /^The shadow job restarted 1 time: /,
    );
  });

  it('says the diff is unknown when there is no report', () => {
    expect(kinds({ ...base, diff: undefined })).toEqual(['no-diff']);
  });
});

describe('shadowHealthIssue', () => {
  it('is nothing for a RUNNING shadow, even one that restarted (that is a warning)', () => {
    expect(shadowHealthIssue({ state: 'RUNNING', restarts: 2 })).toBeUndefined();
  });

  it('names the state, the restarts and the last exception of a shadow that does not run', () => {
    expect(
      shadowHealthIssue(
        { state: 'FAILED', restarts: 3, failure: 'ArithmeticException: overflow' },
        'abc',
      ),
    ).toBe(
      'The shadow job abc is FAILED in Flink after 3 restarts, not RUNNING. Its last exception: ArithmeticException: overflow.',
    );
    expect(shadowHealthIssue({ state: 'RESTARTING' })).toBe(
      'The shadow job is RESTARTING in Flink, not RUNNING.',
    );
  });
});
