import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { BackfillIndex } from '../../src/kafka/backfill-index.js';
import { decideAll } from '../../src/kafka/backfill-planner.js';
import { FingerprintIndex } from '../../src/kafka/fingerprint-index.js';
import { fingerprint, partitionForKey } from '../../src/kafka/fingerprint.js';
import { categorize, decideKey, type BackfillMode } from '../../src/kafka/key-decision.js';
import type { ScannedRecord } from '../../src/kafka/partition-scanner.js';
import { decodeRecordBatches } from '../../src/kafka/wire/record-batch-decoder.js';
import { encodeRecordBatch } from '../../src/kafka/wire/record-batch-encoder.js';

const rec = (
  offset: number,
  key: string,
  value: string | null,
  headers: ScannedRecord['headers'] = {},
): ScannedRecord => ({
  offset,
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  headers,
});

/** Runs the index over in-memory TEMP and PROD records and returns the decision and category per key. */
function decide(
  temp: ScannedRecord[],
  prod: ScannedRecord[],
  cutover: number,
  mode: BackfillMode = 'full',
  via: 'records' | 'views' = 'records',
) {
  const index = new BackfillIndex(cutover, 4);
  if (via === 'records') {
    index.addTemp(temp);
    index.addProd(prod);
  } else {
    decodeRecordBatches(onTheWire(temp), 0, [], index.visitTemp);
    decodeRecordBatches(onTheWire(prod), 0, [], index.visitProd);
  }
  const out: Record<string, { decision: string; category: string }> = {};
  const keys = new Set([...temp, ...prod].map((r) => r.key!.toString()));
  for (const k of keys) {
    const flags = index.flagsOf(Buffer.from(k))!;
    out[k] = { decision: decideKey(flags, mode), category: categorize(flags) };
  }
  return { out, plan: decideAll(index, mode), index };
}

/** The records as a fetch returns them: one batch each at its own offset, key and value inside. */
function onTheWire(records: ScannedRecord[]): Buffer {
  const identity = { producerId: -1n, producerEpoch: -1, baseSequence: -1 };
  return Buffer.concat(
    records.map((r) => {
      const batch = encodeRecordBatch(
        [{ key: r.key, value: r.value, headers: r.headers }],
        identity,
      );
      batch.writeBigInt64BE(BigInt(r.offset), 0);
      return batch;
    }),
  );
}

describe('backfill decision table', () => {
  const temp = [
    rec(0, 'same', 'A'),
    rec(1, 'changed', 'new'),
    rec(2, 'onlyTemp', 'T'),
    rec(3, 'tempTomb', 'x'),
    rec(4, 'tempTomb', null),
    rec(5, 'v2owned', 'old'),
    rec(6, 'tombBoth', null),
  ];
  const prod = [
    rec(0, 'same', 'old'),
    rec(1, 'same', 'A'),
    rec(2, 'changed', 'old'),
    rec(3, 'onlyProd', 'P'),
    rec(4, 'tempTomb', 'y'),
    rec(5, 'v2owned', 'v1'),
    rec(6, 'prodTomb', 'z'),
    rec(7, 'prodTomb', null),
    rec(8, 'tombBoth', null),
    // cutover = 9: v2 writes from here; a backfill record does not count as v2.
    rec(9, 'v2owned', 'v2'),
    rec(10, 'changed', 'stale', { 'evolve-run': 'r0', 'evolve-kind': 'refresh' }),
  ];

  it('decides each case of DESIGN.md section 7 step 2', () => {
    const { out } = decide(temp, prod, 9);
    expect(out.same).toEqual({ decision: 'unchanged', category: 'same' });
    expect(out.changed).toEqual({ decision: 'refresh', category: 'changed' });
    expect(out.onlyTemp).toEqual({ decision: 'refresh', category: 'onlyTemp' });
    expect(out.onlyProd).toEqual({ decision: 'delete', category: 'onlyProduction' });
    expect(out.tempTomb).toEqual({ decision: 'delete', category: 'onlyProduction' });
    expect(out.v2owned!.decision).toBe('skip-v2');
    expect(out.prodTomb).toEqual({ decision: 'unchanged', category: 'absent' });
    expect(out.tombBoth).toEqual({ decision: 'unchanged', category: 'absent' });
  });

  it('decides the same on records decoded from the wire (the index visits them, no record objects)', () => {
    const views = decide(temp, prod, 9, 'full', 'views');
    expect(views.out).toEqual(decide(temp, prod, 9).out);
    expect(views.plan.counts).toEqual(decide(temp, prod, 9).plan.counts);
    expect([...views.plan.tempOffsets]).toEqual([1, 2, 4]);
    expect(views.index.arena.keyAt(views.plan.arenaPositions[0]!).toString()).toBe('onlyProd');
    expect(views.out.changed).toEqual({ decision: 'refresh', category: 'changed' });
  });

  it('refresh-only keeps what full mode would delete', () => {
    const { out, plan } = decide(temp, prod, 9, 'refresh-only');
    expect(out.onlyProd!.decision).toBe('kept-by-mode');
    expect(out.tempTomb!.decision).toBe('kept-by-mode');
    expect(plan.counts).toEqual({
      refresh: 2,
      delete: 0,
      unchanged: 3,
      skippedV2: 1,
      keptByMode: 2,
    });
  });

  it('plans TEMP-keyed emits in TEMP offset order and production-only deletes from the arena', () => {
    const { plan, index } = decide(temp, prod, 9);
    expect(plan.counts).toEqual({
      refresh: 2,
      delete: 2,
      unchanged: 3,
      skippedV2: 1,
      keptByMode: 0,
    });
    expect([...plan.tempOffsets]).toEqual([1, 2, 4]);
    expect(plan.arenaPositions).toHaveLength(1);
    expect(index.arena.keyAt(plan.arenaPositions[0]!).toString()).toBe('onlyProd');
    expect(index.arena.offsetAt(plan.arenaPositions[0]!)).toBe(3);
  });

  it('a later v2 write seen by the tail makes the key v2-owned', () => {
    const { index } = decide(temp, prod, 9);
    expect(index.isV2Owned(Buffer.from('changed'))).toBe(false);
    index.markV2Write(Buffer.from('changed'));
    expect(index.isV2Owned(Buffer.from('changed'))).toBe(true);
  });
});

describe('FingerprintIndex', () => {
  it('keeps every key through growth and finds none it never saw', () => {
    const table = new FingerprintIndex(4);
    const fp = { hi: 0, lo: 0 };
    for (let i = 0; i < 50_000; i++) {
      fingerprint(Buffer.from(`key-${i}`), fp);
      const slot = table.upsert(fp.hi, fp.lo);
      table.where[slot] = i;
    }
    expect(table.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 7) {
      fingerprint(Buffer.from(`key-${i}`), fp);
      expect(table.where[table.find(fp.hi, fp.lo)]).toBe(i);
    }
    fingerprint(Buffer.from('never'), fp);
    expect(table.find(fp.hi, fp.lo)).toBe(-1);
    expect(table.bytes / table.size).toBeLessThan(50);
  });
});

describe('murmur2 partitioner', () => {
  it('picks the same partition as kafkajs DefaultPartitioner (Java-compatible) for text and raw keys', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    const keys = [
      ...Array.from({ length: 500 }, (_, i) => Buffer.from(`key-${i}`)),
      Buffer.from([0xff, 0x00, 0x80]),
      Buffer.from('{"id":42}'),
      Buffer.from('é'),
    ];
    for (const key of keys) {
      expect(partitionForKey(key, 12)).toBe(
        partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }),
      );
    }
  });
});
