import type { IHeaders } from 'kafkajs';
import { crc32c } from './crc32c.js';

/**
 * Kafka record batches (magic 2, uncompressed), encoded in one pass into one
 * buffer: what kafkajs's producer builds through an Encoder per record and
 * per header, at a fraction of the CPU (see BatchProducer).
 */

/** What one record of a batch holds: kafkajs's `Message`, minus the partition. */
export interface BatchRecord {
  key?: Buffer | string | null;
  /** null is a tombstone. */
  value: Buffer | string | null;
  headers?: IHeaders;
  /** Epoch milliseconds as a string, as kafkajs takes it; the encoding time when absent. */
  timestamp?: string;
}

/** The idempotent producer's fields of a batch. */
export interface BatchIdentity {
  producerId: bigint;
  producerEpoch: number;
  /** The sequence number of the batch's first record. */
  baseSequence: number;
}

/** Bytes before the first record: baseOffset .. recordCount. */
const HEADER_BYTES = 61;
/** Where the CRC starts covering: attributes. */
const CRC_FROM = 21;

/**
 * One record batch: baseOffset 0, partitionLeaderEpoch -1, attributes 0
 * (no compression, create time, not transactional), and the records with
 * offset deltas 0..n-1 and timestamp deltas from the first record's.
 */
export function encodeRecordBatch(
  records: readonly BatchRecord[],
  identity: BatchIdentity,
  now: number = Date.now(),
): Buffer {
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  const timestamps = new Float64Array(records.length);
  let maxTimestamp = -Infinity;
  for (let i = 0; i < records.length; i++) {
    const t = timestampOf(records[i]!, now);
    timestamps[i] = t;
    if (t > maxTimestamp) maxTimestamp = t;
  }
  const first = timestamps[0]!;
  // Encoded once per headers object: the project's senders share one among a chunk's records.
  const headerBytes = new Map<IHeaders | undefined, Buffer>();
  // Sized first, then written: no object per record (a chunk is thousands of them).
  const bodySizes = new Int32Array(records.length);
  let size = HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const bodySize =
      1 + // attributes
      varlongSize(timestamps[i]! - first) +
      varintSize(i) +
      fieldSize(r.key) +
      fieldSize(r.value) +
      headersOf(r.headers, headerBytes).length;
    bodySizes[i] = bodySize;
    size += varintSize(bodySize) + bodySize;
  }
  const buf = Buffer.allocUnsafe(size);
  let p = HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    p = writeVarint(buf, p, bodySizes[i]!);
    buf[p++] = 0; // attributes: none defined for records
    p = writeVarlong(buf, p, timestamps[i]! - first);
    p = writeVarint(buf, p, i);
    p = writeField(buf, p, r.key);
    p = writeField(buf, p, r.value);
    p += headersOf(r.headers, headerBytes).copy(buf, p);
  }
  buf.writeBigInt64BE(0n, 0);
  buf.writeInt32BE(size - 12, 8);
  buf.writeInt32BE(-1, 12);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(0, 21);
  buf.writeInt32BE(records.length - 1, 23);
  buf.writeBigInt64BE(BigInt(first), 27);
  buf.writeBigInt64BE(BigInt(maxTimestamp), 35);
  buf.writeBigInt64BE(identity.producerId, 43);
  buf.writeInt16BE(identity.producerEpoch, 51);
  buf.writeInt32BE(identity.baseSequence, 53);
  buf.writeInt32BE(records.length, 57);
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_FROM)), 17);
  return buf;
}

function timestampOf(record: BatchRecord, now: number): number {
  if (record.timestamp === undefined) return now;
  const t = Number(record.timestamp);
  if (!Number.isSafeInteger(t))
    throw new Error(`a record's timestamp must be epoch milliseconds, not "${record.timestamp}"`);
  return t;
}

function headersOf(
  headers: IHeaders | undefined,
  cache: Map<IHeaders | undefined, Buffer>,
): Buffer {
  let bytes = cache.get(headers);
  if (bytes === undefined) {
    bytes = encodeHeaders(headers);
    cache.set(headers, bytes);
  }
  return bytes;
}

/** A record's headers: a count, then key and value per header; an array value is one header per element. */
export function encodeHeaders(headers: IHeaders | undefined): Buffer {
  const pairs: Array<[Buffer, Buffer | null]> = [];
  for (const [key, v] of Object.entries(headers ?? {})) {
    const name = Buffer.from(key);
    if (Array.isArray(v)) for (const element of v) pairs.push([name, bytesOf(element)]);
    else pairs.push([name, bytesOf(v)]);
  }
  let size = varintSize(pairs.length);
  for (const [k, v] of pairs) size += bytesFieldSize(k) + bytesFieldSize(v);
  const buf = Buffer.allocUnsafe(size);
  let p = writeVarint(buf, 0, pairs.length);
  for (const [k, v] of pairs) {
    p = writeBytesField(buf, p, k);
    p = writeBytesField(buf, p, v);
  }
  return buf;
}

function bytesOf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

/** A length-prefixed byte string; null is length -1. */
function bytesFieldSize(v: Buffer | null): number {
  return v === null ? 1 : varintSize(v.length) + v.length;
}

/** `bytesFieldSize` of a record's key or value, a string counted as UTF-8 without encoding it. */
function fieldSize(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return 1;
  const n = typeof v === 'string' ? Buffer.byteLength(v) : v.length;
  return varintSize(n) + n;
}

/** Writes a record's key or value as a length-prefixed byte string (null and absent: -1). */
function writeField(buf: Buffer, at: number, v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return writeVarint(buf, at, -1);
  if (typeof v !== 'string') return writeBytesField(buf, at, v);
  const n = Buffer.byteLength(v);
  const p = writeVarint(buf, at, n);
  return p + buf.write(v, p);
}

function writeBytesField(buf: Buffer, at: number, v: Buffer | null): number {
  if (v === null) return writeVarint(buf, at, -1);
  const p = writeVarint(buf, at, v.length);
  return p + v.copy(buf, p);
}

/** Bytes of a zigzag varint of a 32-bit signed integer. */
export function varintSize(value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (z > 0x7f) {
    n++;
    z >>>= 7;
  }
  return n;
}

/** Writes a zigzag varint of a 32-bit signed integer at `at`; returns the position after it. */
export function writeVarint(buf: Buffer, at: number, value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  let p = at;
  while (z > 0x7f) {
    buf[p++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[p++] = z;
  return p;
}

/** Zigzag of a safe integer, as a non-negative number (64-bit zigzag, without BigInt). */
function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes of a zigzag varlong (timestamp deltas); safe integers only. */
export function varlongSize(value: number): number {
  let z = zigzag64(value);
  let n = 1;
  while (z > 0x7f) {
    n++;
    z = Math.floor(z / 128);
  }
  return n;
}

/** Writes a zigzag varlong of a safe integer at `at`; returns the position after it. */
export function writeVarlong(buf: Buffer, at: number, value: number): number {
  let z = zigzag64(value);
  let p = at;
  while (z > 0x7f) {
    buf[p++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[p++] = z;
  return p;
}
