import type { Kafka } from 'kafkajs';
import { AcknowledgedRanges } from './acknowledged-ranges.js';
import { PartitionScanner, type ScannedRecord } from './partition-scanner.js';
import { isBackfillRecord } from './record-headers.js';

/**
 * The tail's fetch size, below one of our sends (~512 KB): a fetch that
 * starts in a gap of v2's writes ends before our send that follows the gap
 * (the broker cuts the response at this size; the decoder stops before
 * the partial batch at its end), unless the gap's first batch is larger.
 */
const TAIL_FETCH_BYTES = 256 * 1024;

export interface EmitterTailOptions {
  topic: string;
  partition: number;
  /** S[p]: everything below was indexed. */
  from: number;
  highWater: number;
}

/**
 * The emitter's reader of PROD after S, whose one job is to see v2's writes
 * there (`onV2Write`, so those keys are dropped from the plan).
 *
 * Our own sends land in PROD too. Each acknowledged send is a range of
 * offsets known to hold only our records (`acknowledge`): the tail moves
 * past such a range without fetching it, reads the gaps between ranges (v2's
 * records, transaction markers, aborted records), and holds at the end of
 * the last acknowledged range, where our next send lands. Every offset at or
 * after S that is not in an acknowledged range is read (read_committed, so a
 * gap behind v2's open transaction is read once it commits).
 */
export class EmitterTail {
  private readonly ranges = new AcknowledgedRanges();
  /** End of the highest range acknowledged so far. */
  private acknowledgedEnd = 0;

  private constructor(
    private readonly scanner: PartitionScanner,
    private readonly deliver: (records: ScannedRecord[]) => void,
  ) {}

  static async open(
    kafka: Kafka,
    options: EmitterTailOptions,
    onV2Write: (key: Buffer) => void,
  ): Promise<EmitterTail> {
    const scanner = await PartitionScanner.open(kafka, {
      topic: options.topic,
      partition: options.partition,
      from: options.from,
      highWater: options.highWater,
      maxBytesPerPartition: TAIL_FETCH_BYTES,
      // Our records a fetch still returns (past a gap, or before a range was acknowledged) are not v2's.
      keep: (_offset, key, headers) => key !== null && !isBackfillRecord(headers),
      // Nothing is fetched until asked for: readTo, or catchUp after an acknowledgement.
      holdAt: options.from,
    });
    const deliver = (records: ScannedRecord[]): void => {
      for (const r of records) if (r.key !== null && !isBackfillRecord(r.headers)) onV2Write(r.key);
    };
    return new EmitterTail(scanner, deliver);
  }

  /** Offset of the next record the tail will look at: every record below it was seen or is ours. */
  get position(): number {
    return this.scanner.position;
  }

  /** Records the tail fetched and decoded (v2's, and ours a fetch returned past a gap). */
  get recordsRead(): number {
    return this.scanner.recordsRead;
  }

  /** The broker acknowledged [baseOffset, baseOffset + count) as one of our sends. */
  acknowledge(baseOffset: number, count: number): void {
    this.ranges.add(baseOffset, count);
    this.acknowledgedEnd = Math.max(this.acknowledgedEnd, baseOffset + count);
  }

  /** Reads to `end`, waiting for it (before the first chunk), then holds. */
  async readTo(end: number, signal?: AbortSignal): Promise<void> {
    await this.readGaps(end, signal);
  }

  /**
   * Moves past our acknowledged ranges and reads the gaps between them, until
   * none is left or `until` is aborted (our send in flight was acknowledged:
   * the rest is read on the next call, so a gap behind v2's open transaction
   * never holds up the emission). Past the last acknowledged range lies our
   * send in flight: the tail does not fetch there.
   */
  async catchUp(until: AbortSignal, signal?: AbortSignal): Promise<void> {
    await this.readGaps(this.acknowledgedEnd, signal, until);
  }

  /** Reads every offset below `last` that is not ours, then holds fetching where it stands. */
  private async readGaps(last: number, signal?: AbortSignal, until?: AbortSignal): Promise<void> {
    for (;;) {
      const from = this.ranges.skip(this.scanner.position);
      this.scanner.skipTo(from);
      const gapEnd = Math.min(this.ranges.nextStart(from) ?? last, last);
      if (from >= gapEnd) {
        this.scanner.holdAt(from);
        // What a fetch returned past the gap is not ours (kept records never are): deliver it too.
        await this.scanner.readFetched(this.deliver);
        return;
      }
      this.scanner.holdAt(gapEnd);
      await this.scanner.readTo(gapEnd, this.deliver, signal, until);
      if (this.scanner.position < gapEnd) return;
    }
  }

  async close(): Promise<void> {
    await this.scanner.close();
  }
}
