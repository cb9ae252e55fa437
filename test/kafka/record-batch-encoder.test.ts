import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  encodeRecordBatch,
  varintSize,
  varlongSize,
  writeVarint,
  writeVarlong,
  type BatchRecord,
} from '../../src/kafka/wire/record-batch-encoder.js';

// kafkajs's own encoders: the reference the bytes are compared with.
const require = createRequire(import.meta.url);
interface KafkajsEncoder {
  buffer: Buffer;
  writeVarInt(v: number): KafkajsEncoder;
  writeVarLong(v: number): KafkajsEncoder;
}
const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkajsEncoder;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: bigint | number): unknown };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (args: object) => Promise<KafkajsEncoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (
  args: object,
) => KafkajsEncoder;
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;

const ints = [0, 1, -1, 63, -64, 64, -65, 8191, 8192, 2 ** 20, -(2 ** 20), 2 ** 31 - 1, -(2 ** 31)];
const longs = [...ints, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 7, -(2 ** 45), 2 ** 52 - 1];

describe('varints', () => {
  it.each(ints)('writes %d as kafkajs does, in the bytes it says', (v) => {
    const buf = Buffer.alloc(10);
    const end = writeVarint(buf, 0, v);
    expect(end).toBe(varintSize(v));
    expect(buf.subarray(0, end)).toEqual(new Encoder().writeVarInt(v).buffer);
  });

  it.each(longs)('writes the varlong %d as kafkajs does', (v) => {
    const buf = Buffer.alloc(12);
    const end = writeVarlong(buf, 0, v);
    expect(end).toBe(varlongSize(v));
    expect(buf.subarray(0, end)).toEqual(new Encoder().writeVarLong(v).buffer);
  });

  it('zigzags: -1 is 1, 1 is 2, the extremes take five bytes', () => {
    const one = (v: number) => {
      const b = Buffer.alloc(5);
      return [...b.subarray(0, writeVarint(b, 0, v))];
    };
    expect(one(-1)).toEqual([1]);
    expect(one(1)).toEqual([2]);
    expect(one(-64)).toEqual([127]);
    expect(one(64)).toEqual([0x80, 0x01]);
    expect(one(2 ** 31 - 1)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    expect(one(-(2 ** 31))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });
});

/** The same batch, encoded by kafkajs's RecordBatch v0 and Record v0. */
async function kafkajsBatch(records: BatchRecord[], seq: number): Promise<Buffer> {
  const ts = records.map((r) => Number(r.timestamp));
  const first = ts[0]!;
  const batch = await RecordBatch({
    firstOffset: Long.fromValue(0),
    firstTimestamp: first,
    maxTimestamp: Math.max(...ts),
    partitionLeaderEpoch: -1,
    lastOffsetDelta: records.length - 1,
    producerId: Long.fromValue(4242n),
    producerEpoch: 3,
    firstSequence: seq,
    records: records.map((r, i) =>
      Record({
        offsetDelta: i,
        timestampDelta: ts[i]! - first,
        key: r.key,
        value: r.value,
        headers: r.headers,
      }),
    ),
  });
  return batch.buffer;
}

describe('encodeRecordBatch', () => {
  const records: BatchRecord[] = [
    { key: 'k1', value: 'v1', timestamp: '1700000000000' },
    { key: Buffer.from('k2'), value: null, timestamp: '1700000000005', headers: { a: 'x' } },
    {
      key: 'ключ',
      value: Buffer.alloc(300, 7),
      timestamp: '1699999999000',
      headers: { multi: ['one', Buffer.from('two')], 'evolve-run': Buffer.from('r1') },
    },
    { key: null, value: '', timestamp: '1700000000001' },
  ];

  it('writes the bytes kafkajs writes for the same records, timestamps and producer', async () => {
    const ours = encodeRecordBatch(records, {
      producerId: 4242n,
      producerEpoch: 3,
      baseSequence: 2 ** 31 - 2,
    });
    expect(ours.toString('hex')).toBe((await kafkajsBatch(records, 2 ** 31 - 2)).toString('hex'));
  });

  it('lays out the header fields and a CRC32C over attributes..end', () => {
    const b = encodeRecordBatch(
      [{ key: 'k', value: 'v' }],
      {
        producerId: 7n,
        producerEpoch: 1,
        baseSequence: 10,
      },
      1234,
    );
    expect(b.readBigInt64BE(0)).toBe(0n);
    expect(b.readInt32BE(8)).toBe(b.length - 12);
    expect(b.readInt32BE(12)).toBe(-1);
    expect(b.readInt8(16)).toBe(2);
    expect(b.readUInt32BE(17)).toBe(crc32C(b.subarray(21)));
    expect(b.readInt16BE(21)).toBe(0);
    expect(b.readInt32BE(23)).toBe(0);
    expect(b.readBigInt64BE(27)).toBe(1234n);
    expect(b.readBigInt64BE(35)).toBe(1234n);
    expect(b.readBigInt64BE(43)).toBe(7n);
    expect(b.readInt16BE(51)).toBe(1);
    expect(b.readInt32BE(53)).toBe(10);
    expect(b.readInt32BE(57)).toBe(1);
    // The CRC of a known input (RFC 3720's check value for "123456789").
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('stamps records without a timestamp with the encoding time', () => {
    const b = encodeRecordBatch(
      [{ value: 'a' }, { value: 'b', timestamp: '1500' }],
      {
        producerId: 1n,
        producerEpoch: 0,
        baseSequence: 0,
      },
      1000,
    );
    expect(b.readBigInt64BE(27)).toBe(1000n);
    expect(b.readBigInt64BE(35)).toBe(1500n);
  });

  it('refuses an empty batch and a timestamp that is not milliseconds', () => {
    const id = { producerId: 1n, producerEpoch: 0, baseSequence: 0 };
    expect(() => encodeRecordBatch([], id)).toThrow(/at least one record/);
    expect(() => encodeRecordBatch([{ value: 'a', timestamp: 'soon' }], id)).toThrow(/"soon"/);
  });
});
