import * as zlib from 'node:zlib';
import type { IHeaders } from 'kafkajs';

/** A producer's aborted transaction in a fetched range (Fetch response). */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: number;
}

/**
 * One decoded record, as positions in the bytes it was decoded from: the
 * decoder fills one such object per batch and hands it to the receiver for
 * each record, so a reader that needs only fingerprints (the index) makes no
 * object per record. Valid only during the call; `viewKey`, `viewValue` and
 * `viewHeaders` copy nothing but make Buffer views that outlive it.
 */
export interface RecordView {
  offset: number;
  timestamp: number;
  /** The records section the positions point into (decompressed if the batch was). */
  body: Buffer;
  keyStart: number;
  /** -1: no key. */
  keyLength: number;
  valueStart: number;
  /** -1: a tombstone. */
  valueLength: number;
  headerCount: number;
  /** Position of the first header in `body`. */
  headersAt: number;
}

/** Receives each committed data record at or past the decoder's `from`, in offset order. */
export type OnRecord = (view: RecordView) => void;

export function viewKey(v: RecordView): Buffer | null {
  return v.keyLength < 0 ? null : v.body.subarray(v.keyStart, v.keyStart + v.keyLength);
}

export function viewValue(v: RecordView): Buffer | null {
  return v.valueLength < 0 ? null : v.body.subarray(v.valueStart, v.valueStart + v.valueLength);
}

/** The record's headers as kafkajs gives them (a repeated name becomes an array). */
export function viewHeaders(v: RecordView): IHeaders {
  return v.headerCount > 0 ? decodeHeaders(v.body, v.headersAt, v.headerCount) : {};
}

/** Batch header fields (magic 2), by byte position from the batch start. */
const BATCH_HEADER = 61;
const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** A batch this reader cannot decode: a codec it lacks, or a format older than magic 2. */
export class UnreadableBatchError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'UnreadableBatchError';
  }
}

function unsupportedCodec(codec: string, offset: number): UnreadableBatchError {
  return new UnreadableBatchError(
    `the record batch at offset ${offset} is ${codec}-compressed; flink-evolve reads uncompressed, gzip${
      hasZstd() ? ' and zstd' : ''
    } batches: write this topic with one of those (Flink's sink: 'properties.compression.type')`,
  );
}

/**
 * Decodes the record batches (magic 2) of one partition's Fetch response in
 * read_committed, as the Java consumer does: a transactional batch of a
 * producer whose transaction the response lists as aborted is skipped until
 * that producer's abort marker; control batches (markers) are never
 * delivered. Keys and values are views into `records`, not copies.
 *
 * Returns the offset after the last complete batch (so the position moves
 * past markers, aborted data and compaction gaps), or `from` when no batch
 * is complete: a fetch's last batch may be cut at its size limit.
 */
export function decodeRecordBatches(
  records: Buffer,
  from: number,
  aborted: readonly AbortedTransaction[],
  onRecord: OnRecord,
): number {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<bigint>();
  let next = from;
  let p = 0;
  while (p + BATCH_HEADER <= records.length) {
    const baseOffset = Number(records.readBigInt64BE(p));
    const length = records.readInt32BE(p + 8);
    const end = p + 12 + length;
    if (end > records.length) break;
    const magic = records.readInt8(p + 16);
    if (magic !== 2)
      throw new UnreadableBatchError(
        `the record batch at offset ${baseOffset} has format (magic) ${magic}; only magic 2 (Kafka 0.11 and later) is read`,
      );
    const lastOffset = baseOffset + records.readInt32BE(p + 23);
    const batch = records.subarray(p, end);
    p = end;
    if (lastOffset < from) continue;
    while (pending.length > 0 && pending[0]!.firstOffset <= lastOffset)
      abortedProducers.add(pending.shift()!.producerId);
    decodeBatch(batch, baseOffset, from, abortedProducers, onRecord);
    next = lastOffset + 1;
  }
  return next;
}

/**
 * The offset after the last complete batch at or past `from` (what
 * decodeRecordBatches returns), from the batch headers alone.
 */
export function endOfBatches(records: Buffer, from: number): number {
  let next = from;
  let p = 0;
  while (p + BATCH_HEADER <= records.length) {
    const end = p + 12 + records.readInt32BE(p + 8);
    if (end > records.length) break;
    const lastOffset = Number(records.readBigInt64BE(p)) + records.readInt32BE(p + 23);
    if (lastOffset >= from) next = lastOffset + 1;
    p = end;
  }
  return next;
}

function decodeBatch(
  batch: Buffer,
  baseOffset: number,
  from: number,
  abortedProducers: Set<bigint>,
  onRecord: OnRecord,
): void {
  const attributes = batch.readInt16BE(21);
  const transactional = (attributes & 0x10) !== 0;
  const control = (attributes & 0x20) !== 0;
  const producerId = transactional || control ? batch.readBigInt64BE(43) : 0n;
  if (control) {
    // A marker: an abort ends the skipping of that producer's batches.
    if (isAbortMarker(batch, attributes, baseOffset)) abortedProducers.delete(producerId);
    return;
  }
  if (transactional && abortedProducers.has(producerId)) return;
  const appendTime = (attributes & 0x08) !== 0;
  const firstTimestamp = Number(batch.readBigInt64BE(27));
  const maxTimestamp = Number(batch.readBigInt64BE(35));
  const count = batch.readInt32BE(57);
  const body = recordsOf(batch, attributes, baseOffset);
  const cursor = new Cursor(body);
  const view: RecordView = {
    offset: 0,
    timestamp: 0,
    body,
    keyStart: 0,
    keyLength: -1,
    valueStart: 0,
    valueLength: -1,
    headerCount: 0,
    headersAt: 0,
  };
  for (let r = 0; r < count; r++) {
    const length = cursor.varint();
    const end = cursor.p + length;
    cursor.p++; // record attributes: unused
    const timestampDelta = cursor.varlong();
    const offset = baseOffset + cursor.varint();
    if (offset >= from) {
      view.offset = offset;
      view.timestamp = appendTime ? maxTimestamp : firstTimestamp + timestampDelta;
      view.keyLength = cursor.varint();
      view.keyStart = cursor.p;
      if (view.keyLength > 0) cursor.p += view.keyLength;
      view.valueLength = cursor.varint();
      view.valueStart = cursor.p;
      if (view.valueLength > 0) cursor.p += view.valueLength;
      view.headerCount = cursor.varint();
      view.headersAt = cursor.p;
      onRecord(view);
    }
    cursor.p = end;
  }
}

function isAbortMarker(batch: Buffer, attributes: number, baseOffset: number): boolean {
  const cursor = new Cursor(recordsOf(batch, attributes, baseOffset));
  if (batch.readInt32BE(57) === 0) return false;
  cursor.varint();
  cursor.p++;
  cursor.varlong();
  cursor.varint();
  const key = cursor.bytes();
  // Control record key: version (int16), type (int16): 0 = abort, 1 = commit.
  return key !== null && key.length >= 4 && key.readInt16BE(2) === 0;
}

/** The batch's records section, decompressed. */
function recordsOf(batch: Buffer, attributes: number, baseOffset: number): Buffer {
  const section = batch.subarray(BATCH_HEADER);
  const codec = attributes & 0x07;
  if (codec === 0) return section;
  if (codec === 1) return zlib.gunzipSync(section);
  if (codec === 4 && hasZstd())
    return (zlib as unknown as { zstdDecompressSync: (b: Buffer) => Buffer }).zstdDecompressSync(
      section,
    );
  throw unsupportedCodec(COMPRESSION_NAMES[codec] ?? `codec ${codec}`, baseOffset);
}

function hasZstd(): boolean {
  return (
    typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function'
  );
}

function decodeHeaders(body: Buffer, at: number, count: number): IHeaders {
  const headers: IHeaders = {};
  const cursor = new Cursor(body);
  cursor.p = at;
  for (let h = 0; h < count; h++) {
    const name = cursor.bytes()?.toString('utf8') ?? '';
    const value = cursor.bytes() ?? undefined;
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else headers[name] = [...(Array.isArray(seen) ? seen : [seen]), value as Buffer];
  }
  return headers;
}

/** Zigzag varints as records encode them. */
class Cursor {
  p = 0;
  constructor(private readonly buf: Buffer) {}

  varint(): number {
    const buf = this.buf;
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buf[this.p++]!;
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return (value >>> 1) ^ -(value & 1);
  }

  /** Zigzag varlong, exact up to 2^53. */
  varlong(): number {
    const buf = this.buf;
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = buf[this.p++]!;
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80 && scale < 2 ** 70);
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  /** Length-prefixed bytes; null for length -1. */
  bytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    const out = this.buf.subarray(this.p, this.p + length);
    this.p += length;
    return out;
  }
}
