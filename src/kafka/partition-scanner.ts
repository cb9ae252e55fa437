import type { IHeaders, Kafka } from 'kafkajs';
import { isConnectionError, isUnknownTopic } from './kafka-error-kinds.js';
import type { EvolveError } from '../errors.js';
import {
  BackfillAbortedError,
  RecordsUnreadableError,
  TopicMissingError,
  kafkaCallFailure,
} from './kafka-errors.js';
import { fetchRequest, logStartRequest, type FetchedPartition } from './wire/fetch-partition.js';
import {
  UnreadableBatchError,
  decodeRecordBatches,
  endOfBatches,
  viewHeaders,
  viewKey,
  viewValue,
  type RecordView,
} from './wire/record-batch-decoder.js';
import { WireCluster, type WireBroker } from './wire/wire-cluster.js';

/** One record as read: key bytes verbatim, null value for a tombstone. */
export interface ScannedRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** The record's timestamp (ms), as the broker stores it; absent on records built in memory. */
  timestamp?: number;
}

export type RecordsHandler = (records: ScannedRecord[]) => Promise<void> | void;

export interface PartitionScannerOptions {
  topic: string;
  partition: number;
  /** First offset to read. */
  from: number;
  maxBytesPerPartition?: number;
  /** Records buffered ahead of the reader before fetching pauses. */
  highWater?: number;
  /**
   * Records the reader wants; the others are dropped as they arrive, so they
   * are neither buffered, counted against `highWater`, nor kept alive until
   * the reader gets to them (the position still moves past them). The
   * emitter's TEMP reader wants only planned offsets, its tail only v2's
   * writes: most of what both read.
   */
  keep?: (offset: number, key: Buffer | null, headers: IHeaders | undefined) => boolean;
  /** `keep` by offset alone, asked before anything of the record is decoded. */
  keepOffset?: (offset: number) => boolean;
  /**
   * false: records come without their headers (an empty object), which are
   * then never decoded: for a reader that writes its own (the emitter's TEMP reader).
   */
  headers?: boolean;
  /** The first `holdAt`, applied before anything is fetched. */
  holdAt?: number;
  /**
   * Receives every record as it is decoded, instead of the buffer: for a
   * one-shot reader that keeps nothing of a record but what it copies (the
   * index), so no object is made per record. `readTo`'s handler then gets
   * nothing; `keep`, `holdAt` and `skipTo` do not apply.
   */
  visit?: (view: RecordView) => void;
}

/** The headers of every record read with `headers: false`. */
const NO_HEADERS: IHeaders = Object.freeze({});

/** Fetch error codes worth a retry after a metadata refresh (leader moves, a topic still being created). */
const RETRIABLE_CODES = new Set([3, 5, 6, 9, 56]);
const CODE_NAMES: Record<number, string> = {
  1: 'OFFSET_OUT_OF_RANGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  9: 'REPLICA_NOT_AVAILABLE',
  56: 'KAFKA_STORAGE_ERROR',
};
/** Failed fetches in a row before the scanner gives up: about 10 s of backoff. */
const MAX_FAILURES = 8;
/** How long the broker holds a fetch at the end of the partition: what a resume or new write waits at most. */
const MAX_WAIT_MS = 50;
/** The largest fetch, should one batch be larger than the configured size. */
const LARGEST_FETCH = 64 * 1024 * 1024;

/** A Fetch answered with an error code for the partition. */
class FetchError extends Error {
  readonly type: string;
  constructor(
    readonly code: number,
    what: string,
  ) {
    const type = CODE_NAMES[code] ?? `error code ${code}`;
    super(`Fetch of ${what} failed: ${type}`);
    this.name = 'FetchError';
    this.type = type;
  }
}

/**
 * Reads one partition forward from a given offset, in read_committed.
 *
 * A loop sends Fetch requests for the one partition straight to its leader
 * (wire/WireCluster: kafkajs's connections, our own decoding) and buffers the
 * records for the reader: no consumer group, no offsets committed, nothing
 * left on the cluster. The next fetch is sent while the reader works on the
 * records of the last one, until more than `highWater` records wait.
 *
 * The position advances past what the broker returns but no reader sees
 * (transaction markers, aborted records), over compaction gaps and over
 * records retention removed, so reading to an end offset stops on
 * "position >= end", never on "saw end - 1".
 */
export class PartitionScanner {
  private buffer: ScannedRecord[] = [];
  private head = 0;
  /** Next offset to fetch: everything below it is in `buffer` or delivered. */
  private fetched: number;
  /** Fetching stops once `fetched` reaches this (see holdAt). */
  private limit = Infinity;
  /** Bumped by skipTo: a fetch sent before it is discarded. */
  private epoch = 0;
  private maxBytes: number;
  private broker: WireBroker | undefined;
  private crashed: unknown;
  private handedOver = 0;
  private wake: (() => void) | undefined;
  private room: (() => void) | undefined;
  private closed = false;
  private loop: Promise<void> = Promise.resolve();

  readonly topic: string;
  readonly partition: number;
  private readonly highWater: number;
  private readonly keep: PartitionScannerOptions['keep'];
  private readonly visit: PartitionScannerOptions['visit'];
  private readonly keepOffset: PartitionScannerOptions['keepOffset'];
  private readonly withHeaders: boolean;

  private constructor(
    private readonly cluster: WireCluster,
    options: PartitionScannerOptions,
  ) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.fetched = options.from;
    this.highWater = options.highWater ?? 2_000;
    this.keep = options.keep;
    this.maxBytes = options.maxBytesPerPartition ?? 1024 * 1024;
    this.visit = options.visit;
    this.keepOffset = options.keepOffset;
    this.withHeaders = options.headers ?? true;
  }

  static async open(kafka: Kafka, options: PartitionScannerOptions): Promise<PartitionScanner> {
    const { topic, partition } = options;
    let cluster: WireCluster;
    try {
      cluster = await WireCluster.open(kafka);
    } catch (err) {
      throw kafkaCallFailure(`starting to read ${topic}[${partition}]`, err);
    }
    const scanner = new PartitionScanner(cluster, options);
    if (options.holdAt !== undefined) scanner.limit = options.holdAt;
    scanner.loop = scanner.fetchLoop();
    return scanner;
  }

  /**
   * Records decoded at or past the position, kept or not: what reading
   * cost, for tests and the bench.
   */
  get recordsRead(): number {
    return this.handedOver;
  }

  /** Offset of the next record the handler will see (or past it when only filtered records remain). */
  get position(): number {
    return this.head < this.buffer.length ? this.buffer[this.head]!.offset : this.fetched;
  }

  /**
   * Delivers every record in [position, end) to `handler`, in offset order,
   * awaiting the handler before the next call. With `until`, returns early
   * (no error) once it is aborted, after delivering what was fetched.
   */
  async readTo(
    end: number,
    handler: RecordsHandler,
    signal?: AbortSignal,
    until?: AbortSignal,
  ): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new BackfillAbortedError(this.partition, signal.reason);
      this.throwIfCrashed();
      let stop = this.head;
      while (stop < this.buffer.length && this.buffer[stop]!.offset < end) stop++;
      if (stop > this.head) {
        const chunk = this.buffer.slice(this.head, stop);
        this.head = stop;
        // Let the fetcher, woken by the room this made, send its request before the handler runs.
        if (this.compact()) await new Promise((resolve) => setImmediate(resolve));
        await handler(chunk);
        continue;
      }
      if (this.position >= end || until?.aborted) return;
      await this.waitForData(signal, until);
    }
  }

  /**
   * Delivers the records already fetched, without waiting for more: for a
   * reader that must not stall on the broker (the emitter's tail, which
   * catches up on the next call).
   */
  async readFetched(handler: RecordsHandler): Promise<void> {
    this.throwIfCrashed();
    if (this.head >= this.buffer.length) return;
    const chunk = this.buffer.slice(this.head);
    this.head = this.buffer.length;
    this.compact();
    await handler(chunk);
  }

  /**
   * Fetches no further than `limit` (Infinity: no limit): once the fetched
   * position reaches it, fetching stops until the limit is raised. A
   * `readTo` past the limit waits until then. What a fetch returns beyond
   * the limit is still delivered: the broker returns whole batches.
   */
  holdAt(limit: number): void {
    this.limit = limit;
    this.wakeFetcher();
  }

  /**
   * Moves the position forward to `offset`: records below it, buffered or
   * not fetched yet, are never delivered. Only for a reader that knows what
   * lies there (the emitter's tail, over its own acknowledged writes).
   */
  skipTo(offset: number): void {
    if (offset <= this.position) return;
    while (this.head < this.buffer.length && this.buffer[this.head]!.offset < offset) this.head++;
    if (offset > this.fetched) {
      this.fetched = offset;
      // A fetch in flight was sent for the old position: its records are discarded.
      this.epoch++;
    }
    this.compact();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeFetcher();
    this.notify();
    await this.cluster.close().catch(() => undefined);
    await this.loop;
  }

  private async fetchLoop(): Promise<void> {
    try {
      if (this.visit) await this.visitLoop();
      else await this.bufferLoop();
    } catch (err) {
      if (this.closed) return;
      this.crashed = err;
      this.notify();
    }
  }

  private async bufferLoop(): Promise<void> {
    while (!this.closed) {
      if (this.buffer.length - this.head >= this.highWater || this.fetched >= this.limit) {
        await new Promise<void>((resolve) => (this.room = resolve));
        continue;
      }
      const at = this.fetched;
      const epoch = this.epoch;
      const fetched = await this.fetchRetrying(at);
      if (!this.closed && epoch === this.epoch) this.take(fetched, at);
    }
  }

  /** With a visitor nothing is buffered: the next fetch is sent before this one's records are visited. */
  private async visitLoop(): Promise<void> {
    let at = this.fetched;
    let next = this.fetchRetrying(at);
    while (!this.closed) {
      const fetched = await next;
      if (this.closed) return;
      const after = fetched.movedTo ?? endOfBatches(fetched.records, at);
      next = this.fetchRetrying(after);
      // Settled by the next round, or, once closed, by nobody: not an unhandled rejection.
      next.catch(() => undefined);
      this.take(fetched, at);
      at = after;
    }
  }

  /** Fetches at `at`, retrying what may pass (a leader moving, a topic being created), ~10 s at most. */
  private async fetchRetrying(at: number): Promise<FetchedPartition & { movedTo?: number }> {
    for (let failures = 0; ;) {
      try {
        return await this.fetchAt(at);
      } catch (err) {
        if (this.closed || ++failures > MAX_FAILURES || !retriable(err)) throw err;
        this.broker = undefined;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** failures)));
        await this.cluster.refresh().catch(() => undefined);
      }
    }
  }

  private async fetchAt(offset: number): Promise<FetchedPartition & { movedTo?: number }> {
    this.broker ??= await this.cluster.leader(this.topic, this.partition);
    const request = fetchRequest({
      topic: this.topic,
      partition: this.partition,
      offset,
      maxWaitMs: MAX_WAIT_MS,
      maxBytes: this.maxBytes,
    });
    const fetched = await this.cluster.send(this.broker, request);
    if (fetched.errorCode === 0) return fetched;
    // Retention removed what lies below the log start: move past it, as over a compaction gap.
    if (fetched.errorCode === 1) {
      const logStart =
        fetched.logStartOffset >= 0
          ? fetched.logStartOffset
          : await this.cluster.send(this.broker, logStartRequest(this.topic, this.partition));
      if (logStart > offset)
        return { ...fetched, errorCode: 0, records: Buffer.alloc(0), movedTo: logStart };
    }
    throw new FetchError(fetched.errorCode, `${this.topic}[${this.partition}] at offset ${offset}`);
  }

  /** Buffers the records of one fetch sent at `at` and moves the fetch position past them. */
  private take(fetched: FetchedPartition & { movedTo?: number }, at: number): void {
    const { keep, visit, keepOffset, withHeaders } = this;
    let next = decodeRecordBatches(fetched.records, at, fetched.aborted, (view) => {
      this.handedOver++;
      if (visit !== undefined) return visit(view);
      if (keepOffset !== undefined && !keepOffset(view.offset)) return;
      const key = viewKey(view);
      const headers = withHeaders ? viewHeaders(view) : NO_HEADERS;
      if (keep !== undefined && !keep(view.offset, key, headers)) return;
      const { offset, timestamp } = view;
      this.buffer.push({ offset, key, value: viewValue(view), headers, timestamp });
    });
    if (fetched.movedTo !== undefined) next = fetched.movedTo;
    else if (next === at && fetched.records.length > 0) {
      // Only a batch cut at the size limit came back: ask for more next time.
      this.maxBytes = Math.min(LARGEST_FETCH, this.maxBytes * 2);
    }
    if (next > this.fetched) this.fetched = next;
    this.notify();
  }

  private throwIfCrashed(): void {
    if (this.crashed !== undefined) throw readFailure(this.topic, this.partition, this.crashed);
  }

  /** Drops delivered records; true when this woke the fetcher. */
  private compact(): boolean {
    if (this.head > 4096 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return this.wakeFetcher();
  }

  private wakeFetcher(): boolean {
    const room = this.room;
    this.room = undefined;
    room?.();
    return room !== undefined;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private waitForData(signal?: AbortSignal, until?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = (): void => this.notify();
      signal?.addEventListener('abort', onAbort, { once: true });
      until?.addEventListener('abort', onAbort, { once: true });
      this.wake = () => {
        signal?.removeEventListener('abort', onAbort);
        until?.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }
}

/** What a reader is told when reading stopped on `err`. */
export function readFailure(topic: string, partition: number, err: unknown): EvolveError {
  if (err instanceof UnreadableBatchError)
    return new RecordsUnreadableError(topic, partition, err.detail);
  if (isUnknownTopic(err)) return new TopicMissingError(topic);
  return kafkaCallFailure(`reading ${topic}[${partition}]`, err);
}

function retriable(err: unknown): boolean {
  if (err instanceof FetchError) return RETRIABLE_CODES.has(err.code);
  return (
    isConnectionError(err) ||
    isUnknownTopic(err) ||
    (err as { retriable?: boolean }).retriable === true
  );
}

/**
 * Reads [from, to) of one partition and closes the scanner: the one-shot form
 * used for indexing and verification.
 */
export async function scanPartition(
  kafka: Kafka,
  range: { topic: string; partition: number; from: number; to: number },
  handler: RecordsHandler,
  signal?: AbortSignal,
): Promise<void> {
  if (range.from >= range.to) return;
  const scanner = await PartitionScanner.open(kafka, range);
  try {
    await scanner.readTo(range.to, handler, signal);
  } finally {
    await scanner.close();
  }
}

/**
 * Reads [from, to) of one partition with a visitor (see the `visit` option)
 * and closes the scanner: the index's form, which keeps no record.
 */
export async function visitPartition(
  kafka: Kafka,
  range: { topic: string; partition: number; from: number; to: number },
  visit: (view: RecordView) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (range.from >= range.to) return;
  const { to } = range;
  // A fetch returns whole batches: what lies at or past `to` is not the caller's.
  const scanner = await PartitionScanner.open(kafka, {
    ...range,
    visit: (view) => {
      if (view.offset < to) visit(view);
    },
  });
  try {
    await scanner.readTo(to, () => undefined, signal);
  } finally {
    await scanner.close();
  }
}
