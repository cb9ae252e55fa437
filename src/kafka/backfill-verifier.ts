import type { Kafka, Message, Producer } from 'kafkajs';
import { sendInBatches } from './backfill-emitter.js';
import { FingerprintIndex } from './fingerprint-index.js';
import { fingerprint, type Fingerprint } from './fingerprint.js';
import { PartitionScanner, type ScannedRecord } from './partition-scanner.js';
import { backfillHeaders, isBackfillRecord } from './record-headers.js';
import type { TokenBucket } from './token-bucket.js';
import type { TopicAdmin } from './topic-admin.js';

const HAS_V2 = 0x01;
const V2_TOMBSTONE = 0x02;
const CONFLICT = 0x04;

export interface VerifyContext {
  kafka: Kafka;
  producer: Producer;
  admin: TopicAdmin;
  bucket: TokenBucket;
  runId: string;
  prodTopic: string;
  partition: number;
  partitions: number;
  /** C[p]. */
  cutover: number;
  maxRounds: number;
  chunkSize: number;
  signal?: AbortSignal;
  onRound?: (round: number, conflicts: number, repaired: number, recordsRead: number) => void;
  /** After each batch read: the next offset to read. */
  onRead?: (position: number) => void;
}

export interface VerifyResult {
  repaired: number;
  conflicts: number;
  rounds: number;
  recordsRead: number;
}

/**
 * Step 4 of DESIGN.md section 7. Reads PROD from C[p] (read_committed) and
 * keeps, per key, v2's latest value hash and offset and whether the key's
 * latest record is a backfill record that disagrees with it.
 *
 * The planner never emits a key v2 had written, so a v2 write that precedes a
 * backfill record of the same key landed after our decision: the backfill
 * clobbered it (compaction would keep the stale record for ever). Such keys
 * get v2's latest value re-emitted as `repair`; the scan then continues from
 * where it stopped, and rounds repeat until clean or `maxRounds`.
 */
export async function verifyPartition(ctx: VerifyContext): Promise<VerifyResult> {
  const table = new FingerprintIndex(4096);
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const vh: Fingerprint = { hi: 0, lo: 0 };
  let recordsRead = 0;
  const observe = (records: ScannedRecord[]): void => {
    recordsRead += records.length;
    if (records.length > 0) ctx.onRead?.(records[records.length - 1]!.offset + 1);
    for (const r of records) {
      if (r.key === null) continue;
      fingerprint(r.key, fp);
      const slot = table.upsert(fp.hi, fp.lo);
      const flags = table.flags[slot]!;
      if (!isBackfillRecord(r.headers)) {
        if (r.value === null) table.flags[slot] = (flags | HAS_V2 | V2_TOMBSTONE) & ~CONFLICT;
        else {
          fingerprint(r.value, vh);
          table.hashHi[slot] = vh.hi;
          table.hashLo[slot] = vh.lo;
          table.flags[slot] = (flags | HAS_V2) & ~(V2_TOMBSTONE | CONFLICT);
        }
        table.where[slot] = r.offset;
        continue;
      }
      if ((flags & HAS_V2) === 0) continue;
      let same: boolean;
      if (r.value === null) same = (flags & V2_TOMBSTONE) !== 0;
      else if ((flags & V2_TOMBSTONE) !== 0) same = false;
      else {
        fingerprint(r.value, vh);
        same = vh.hi === table.hashHi[slot] && vh.lo === table.hashLo[slot];
      }
      table.flags[slot] = same ? flags & ~CONFLICT : flags | CONFLICT;
    }
  };

  const scanner = await PartitionScanner.open(ctx.kafka, {
    topic: ctx.prodTopic,
    partition: ctx.partition,
    from: ctx.cutover,
    groupPrefix: 'evolve-verify',
  });
  let repaired = 0;
  let conflicts = 0;
  let round = 0;
  try {
    for (;;) {
      await ctx.admin.assertPartitionCount(ctx.prodTopic, ctx.partitions);
      const end = await ctx.admin.endOffset(ctx.prodTopic, ctx.partition);
      await scanner.readTo(end, observe, ctx.signal);
      const conflicted: number[] = [];
      for (let slot = 0; slot < table.capacity; slot++) {
        if (table.isOccupied(slot) && (table.flags[slot]! & CONFLICT) !== 0)
          conflicted.push(table.where[slot]!);
      }
      conflicts = conflicted.length;
      ctx.onRound?.(round, conflicts, repaired, recordsRead);
      if (conflicts === 0 || round >= ctx.maxRounds) break;
      round++;
      repaired += await repair(
        ctx,
        conflicted.sort((a, b) => a - b),
      );
    }
  } finally {
    await scanner.close();
  }
  return { repaired, conflicts, rounds: round, recordsRead };
}

/** Re-emits v2's latest record of each clobbered key (read back from PROD at its offset). */
async function repair(ctx: VerifyContext, v2Offsets: number[]): Promise<number> {
  const reader = await PartitionScanner.open(ctx.kafka, {
    topic: ctx.prodTopic,
    partition: ctx.partition,
    from: v2Offsets[0]!,
    groupPrefix: 'evolve-repair',
  });
  let sent = 0;
  try {
    let j = 0;
    let pending: Message[] = [];
    // Repairs go out in rate-sized chunks too, so the topic sees no burst here either.
    const flush = async (): Promise<void> => {
      while (pending.length > 0) {
        const size = await ctx.bucket.chunkSize(ctx.chunkSize);
        const chunk = pending.slice(0, size);
        await ctx.bucket.take(chunk.length, ctx.signal);
        await sendInBatches(ctx.producer, ctx.prodTopic, chunk);
        sent += chunk.length;
        pending = pending.slice(chunk.length);
      }
    };
    await reader.readTo(
      v2Offsets[v2Offsets.length - 1]! + 1,
      async (records) => {
        for (const r of records) {
          while (j < v2Offsets.length && v2Offsets[j]! < r.offset) j++;
          if (j < v2Offsets.length && v2Offsets[j] === r.offset && r.key !== null) {
            pending.push({
              key: r.key,
              value: r.value,
              partition: ctx.partition,
              headers: backfillHeaders(ctx.runId, 'repair'),
            });
          }
        }
        if (pending.length >= ctx.chunkSize) await flush();
      },
      ctx.signal,
    );
    await flush();
  } finally {
    await reader.close();
  }
  return sent;
}
