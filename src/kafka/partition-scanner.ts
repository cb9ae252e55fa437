import { randomBytes } from 'node:crypto';
import {
  AssignerProtocol,
  type Admin,
  type Consumer,
  type IHeaders,
  type Kafka,
  type PartitionAssigner,
} from 'kafkajs';
import { BackfillAbortedError, KafkaUnreachableError } from './kafka-errors.js';

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
  /** Prefix of the throwaway consumer group (a random suffix is added). */
  groupPrefix?: string;
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
}

/**
 * Reads one partition forward from a given offset, in read_committed.
 *
 * kafkajs has no manual assignment, so each scanner is a throwaway consumer
 * group with a unique id whose assigner hands out only the one partition; it
 * seeks to the start offset once, right after joining (records of a fetch
 * that raced the seek are below the position and dropped), commits nothing,
 * and the group is deleted on close. (admin.setOffsets before joining would
 * avoid the seek but costs a full fetch wait, about 5 s, per scanner.)
 * Scanners of different partitions or topics never share a group.
 *
 * The position advances past records the broker returns but kafkajs filters
 * (transaction markers, aborted records: no eachBatch call is made for them,
 * only an END_BATCH_PROCESS event), and over compaction gaps, so reading to
 * an end offset stops on "position >= end", never on "saw end - 1".
 *
 * Records are delivered to the handler outside kafkajs's eachBatch, so a slow
 * handler never starves the group's heartbeat; fetching pauses while more
 * than `highWater` records wait.
 */
export class PartitionScanner {
  private buffer: ScannedRecord[] = [];
  private head = 0;
  /** Next offset kafkajs will fetch: everything below it is in `buffer` or delivered. */
  private fetched: number;
  private paused = false;
  /** Fetching stops once `fetched` reaches this (see holdAt). */
  private limit = Infinity;
  private crashed: unknown;
  private handedOver = 0;
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly admin: Admin,
    private readonly consumer: Consumer,
    readonly groupId: string,
    readonly topic: string,
    readonly partition: number,
    from: number,
    private readonly highWater: number,
    private readonly keep: PartitionScannerOptions['keep'],
  ) {
    this.fetched = from;
  }

  static async open(kafka: Kafka, options: PartitionScannerOptions): Promise<PartitionScanner> {
    const { topic, partition, from } = options;
    const groupId = `${options.groupPrefix ?? 'evolve-scan'}-${topic}-${partition}-${randomBytes(6).toString('hex')}`;
    const admin = kafka.admin();
    const consumer = kafka.consumer({
      groupId,
      partitionAssigners: [onePartitionAssigner(topic, partition)],
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
      maxBytes: 2 * (options.maxBytesPerPartition ?? 1024 * 1024),
      // Also how long kafkajs sleeps while the partition is paused: keep resumes prompt.
      maxWaitTimeInMs: 50,
      allowAutoTopicCreation: false,
      retry: { retries: 8 },
    });
    const scanner = new PartitionScanner(
      admin,
      consumer,
      groupId,
      topic,
      partition,
      from,
      options.highWater ?? 2_000,
      options.keep,
    );
    await scanner.start();
    return scanner;
  }

  /**
   * Records kafkajs decoded and handed to this scanner at or past its
   * position, kept or not: what reading cost, for tests and the bench.
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
      if (this.crashed !== undefined)
        throw new KafkaUnreachableError(`reading ${this.topic}[${this.partition}]`, this.crashed);
      let stop = this.head;
      while (stop < this.buffer.length && this.buffer[stop]!.offset < end) stop++;
      if (stop > this.head) {
        const chunk = this.buffer.slice(this.head, stop);
        this.head = stop;
        this.compact();
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
    if (this.crashed !== undefined)
      throw new KafkaUnreachableError(`reading ${this.topic}[${this.partition}]`, this.crashed);
    if (this.head >= this.buffer.length) return;
    const chunk = this.buffer.slice(this.head);
    this.head = this.buffer.length;
    this.compact();
    await handler(chunk);
  }

  /**
   * Fetches no further than `limit` (Infinity: no limit): once the fetched
   * position reaches it, the consumer is paused until the limit is raised. A
   * `readTo` past the limit waits until then. What a fetch returns beyond the
   * limit is still delivered: the broker returns whole fetches.
   */
  holdAt(limit: number): void {
    this.limit = limit;
    this.updateFetching();
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
      // Applied on kafkajs's next fetch; a fetch in flight is discarded (its partition has a seek pending).
      this.consumer.seek({ topic: this.topic, partition: this.partition, offset: String(offset) });
    }
    this.compact();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer.disconnect().catch(() => undefined);
    // The group was only ours; leaving it behind would litter the cluster.
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private async start(): Promise<void> {
    const { consumer, topic, partition } = this;
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const { payload } = event;
      if (payload.topic !== topic || payload.partition !== partition) return;
      // Batches kafkajs fully filtered (markers, aborted data) reach no eachBatch.
      // One that starts below the position was fetched before the seek: ignore it.
      if (
        payload.batchSize === 0 &&
        payload.firstOffset !== null &&
        Number(payload.firstOffset) >= this.fetched
      ) {
        this.advanceFetched(Number(payload.lastOffset) + 1);
      }
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.crashed = event.payload.error ?? new Error('consumer crashed');
      this.notify();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await this.admin.connect();
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch }) => {
          if (batch.partition !== partition) return;
          const keep = this.keep;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset < this.fetched) continue;
            this.handedOver++;
            if (keep !== undefined && !keep(offset, m.key ?? null, m.headers)) continue;
            this.buffer.push({
              offset,
              key: m.key ?? null,
              value: m.value ?? null,
              headers: m.headers ?? {},
              timestamp: Number(m.timestamp),
            });
          }
          // lastOffset() covers trailing markers/aborted records of the same fetch.
          this.advanceFetched(Number(batch.lastOffset()) + 1);
          // A reader that keeps up (indexing, verifying) takes the batch in the microtasks
          // notify() started: judge the backlog after those, or every fetch larger than
          // highWater pauses the partition and costs a fetch wait before the next.
          await new Promise((resolve) => setImmediate(resolve));
          // Before kafkajs's next fetch: the fetcher waits for this handler.
          this.updateFetching();
        },
      });
      consumer.seek({ topic, partition, offset: String(this.fetched) });
    } catch (err) {
      await this.close();
      throw new KafkaUnreachableError(`starting to read ${topic}[${partition}]`, err);
    }
  }

  private advanceFetched(next: number): void {
    if (next > this.fetched) this.fetched = next;
    if (this.fetched >= this.limit) this.updateFetching();
    this.notify();
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    this.updateFetching();
  }

  /**
   * Pauses fetching while more than `highWater` records wait or the limit is
   * reached; resumes once under half of `highWater` and under the limit.
   */
  private updateFetching(): void {
    const backlog = this.buffer.length - this.head;
    const full = this.paused ? backlog >= this.highWater / 2 : backlog > this.highWater;
    const hold = full || this.fetched >= this.limit;
    if (hold === this.paused) return;
    this.paused = hold;
    const partitions = [{ topic: this.topic, partitions: [this.partition] }];
    if (hold) this.consumer.pause(partitions);
    else this.consumer.resume(partitions);
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

/** An assigner that gives the group's (single) member exactly one partition. */
function onePartitionAssigner(topic: string, partition: number): PartitionAssigner {
  return () => ({
    name: 'EvolveOnePartition',
    version: 0,
    async assign({ members }) {
      const first = members.map((m) => m.memberId).sort()[0];
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: memberId === first ? { [topic]: [partition] } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'EvolveOnePartition',
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 0,
          topics,
          userData: Buffer.alloc(0),
        }),
      };
    },
  });
}

/**
 * Reads [from, to) of one partition and closes the scanner: the one-shot form
 * used for indexing and verification.
 */
export async function scanPartition(
  kafka: Kafka,
  range: { topic: string; partition: number; from: number; to: number; groupPrefix?: string },
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
