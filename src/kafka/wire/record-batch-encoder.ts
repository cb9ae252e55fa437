import { createRequire } from 'node:module';
import type { IHeaders } from 'kafkajs';

/**
 * Kafka record batches (magic 2, uncompressed), encoded in one pass into one
 * buffer: what kafkajs's producer builds through an Encoder per record and
 * per header, at a fraction of the CPU (see BatchProducer).
 */

const require = createRequire(import.meta.url);
// kafkajs's table-driven CRC32C (Castagnoli), unsigned: the checksum magic 2 uses.
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;

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
  const parts: EncodedRecord[] = new Array<EncodedRecord>(records.length);
  let size = HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const part = prepare(records[i]!, i, timestamps[i]! - first, headerBytes);
    parts[i] = part;
    size += varintSize(part.bodySize) + part.bodySize;
  }
  const buf = Buffer.allocUnsafe(size);
  let p = HEADER_BYTES;
  for (const part of parts) p = writeRecord(buf, p, part);
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
  buf.writeUInt32BE(crc32C(buf.subarray(CRC_FROM)), 17);
  return buf;
}

function timestampOf(record: BatchRecord, now: number): number {
  if (record.timestamp === undefined) return now;
  const t = Number(record.timestamp);
  if (!Number.isSafeInteger(t))
    throw new Error(`a record's timestamp must be epoch milliseconds, not "${record.timestamp}"`);
  return t;
}

/** One record's parts, with the byte count of everything after its length prefix. */
interface EncodedRecord {
  bodySize: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Buffer;
}

function prepare(
  record: BatchRecord,
  offsetDelta: number,
  timestampDelta: number,
  cache: Map<IHeaders | undefined, Buffer>,
): EncodedRecord {
  const key = bytesOf(record.key);
  const value = bytesOf(record.value);
  let headers = cache.get(record.headers);
  if (headers === undefined) {
    headers = encodeHeaders(record.headers);
    cache.set(record.headers, headers);
  }
  const bodySize =
    1 + // attributes
    varlongSize(timestampDelta) +
    varintSize(offsetDelta) +
    bytesFieldSize(key) +
    bytesFieldSize(value) +
    headers.length;
  return { bodySize, timestampDelta, offsetDelta, key, value, headers };
}

function writeRecord(buf: Buffer, at: number, r: EncodedRecord): number {
  let p = writeVarint(buf, at, r.bodySize);
  buf[p++] = 0; // attributes: none defined for records
  p = writeVarlong(buf, p, r.timestampDelta);
  p = writeVarint(buf, p, r.offsetDelta);
  p = writeBytesField(buf, p, r.key);
  p = writeBytesField(buf, p, r.value);
  p += r.headers.copy(buf, p);
  return p;
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
