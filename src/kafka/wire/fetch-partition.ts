import type { AbortedTransaction } from './record-batch-decoder.js';
import type { WireRequest } from './wire-cluster.js';

/** One partition of a Fetch response. */
export interface FetchedPartition {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  /** -1 when the broker did not say (an error response). */
  logStartOffset: number;
  aborted: AbortedTransaction[];
  /** The record batches, the last possibly cut at the size limit. */
  records: Buffer;
}

export interface FetchArgs {
  topic: string;
  partition: number;
  offset: number;
  /** How long the broker may wait for data when there is none. */
  maxWaitMs: number;
  maxBytes: number;
}

const FETCH = 1;
/** v5 adds the log start offset (to move past retention); Kafka 0.11 through 4.x serve it. */
const FETCH_VERSION = 5;

/** Fetch v5 of one partition in read_committed (isolation level 1). */
export function fetchRequest(args: FetchArgs): WireRequest<FetchedPartition> {
  const topic = Buffer.from(args.topic, 'utf8');
  const body = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 2 + topic.length + 4 + 4 + 8 + 8 + 4);
  let p = 0;
  p = body.writeInt32BE(-1, p); // replica id: a consumer
  p = body.writeInt32BE(args.maxWaitMs, p);
  p = body.writeInt32BE(1, p); // min bytes
  p = body.writeInt32BE(args.maxBytes, p);
  p = body.writeInt8(1, p); // read_committed
  p = body.writeInt32BE(1, p); // one topic
  p = body.writeInt16BE(topic.length, p);
  p += topic.copy(body, p);
  p = body.writeInt32BE(1, p); // one partition
  p = body.writeInt32BE(args.partition, p);
  p = body.writeBigInt64BE(BigInt(args.offset), p);
  p = body.writeBigInt64BE(-1n, p); // log start offset: consumers send -1
  body.writeInt32BE(args.maxBytes, p);
  return {
    apiKey: FETCH,
    apiVersion: FETCH_VERSION,
    apiName: 'Fetch',
    body,
    // The broker may hold the request for maxWaitMs before answering.
    timeoutMs: args.maxWaitMs + 30_000,
    parse: (payload) => parseFetch(payload, args),
  };
}

function parseFetch(buf: Buffer, args: FetchArgs): FetchedPartition {
  let p = 4; // throttle time
  const topics = buf.readInt32BE(p);
  p += 4;
  for (let t = 0; t < topics; t++) {
    const nameLength = buf.readInt16BE(p);
    const name = buf.toString('utf8', p + 2, p + 2 + nameLength);
    p += 2 + nameLength;
    const partitions = buf.readInt32BE(p);
    p += 4;
    for (let i = 0; i < partitions; i++) {
      const partition = buf.readInt32BE(p);
      const out: FetchedPartition = {
        errorCode: buf.readInt16BE(p + 4),
        highWatermark: Number(buf.readBigInt64BE(p + 6)),
        lastStableOffset: Number(buf.readBigInt64BE(p + 14)),
        logStartOffset: Number(buf.readBigInt64BE(p + 22)),
        aborted: [],
        records: buf.subarray(0, 0),
      };
      p += 30;
      const abortedCount = buf.readInt32BE(p);
      p += 4;
      for (let a = 0; a < abortedCount; a++) {
        out.aborted.push({
          producerId: buf.readBigInt64BE(p),
          firstOffset: Number(buf.readBigInt64BE(p + 8)),
        });
        p += 16;
      }
      const size = buf.readInt32BE(p);
      p += 4;
      if (size > 0) out.records = buf.subarray(p, p + size);
      p += Math.max(0, size);
      if (name === args.topic && partition === args.partition) return out;
    }
  }
  throw new Error(`the Fetch response has no ${args.topic}[${args.partition}]`);
}

const LIST_OFFSETS = 2;
/** Timestamp asking ListOffsets for the log start offset. */
const EARLIEST = -2n;

/** ListOffsets v1 for a partition's log start offset (what retention left). */
export function logStartRequest(topic: string, partition: number): WireRequest<number> {
  const name = Buffer.from(topic, 'utf8');
  const body = Buffer.alloc(4 + 4 + 2 + name.length + 4 + 4 + 8);
  let p = body.writeInt32BE(-1, 0);
  p = body.writeInt32BE(1, p);
  p = body.writeInt16BE(name.length, p);
  p += name.copy(body, p);
  p = body.writeInt32BE(1, p);
  p = body.writeInt32BE(partition, p);
  body.writeBigInt64BE(EARLIEST, p);
  return {
    apiKey: LIST_OFFSETS,
    apiVersion: 1,
    apiName: 'ListOffsets',
    body,
    parse: (buf) => {
      // One topic, one partition: name, partition, error code, timestamp, offset.
      let q = 4 + 2 + buf.readInt16BE(4) + 4;
      const errorCode = buf.readInt16BE(q + 4);
      q += 6 + 8;
      if (errorCode !== 0)
        throw Object.assign(
          new Error(`ListOffsets of ${topic}[${partition}] failed: error code ${errorCode}`),
          {
            code: errorCode,
          },
        );
      return Number(buf.readBigInt64BE(q));
    },
  };
}
