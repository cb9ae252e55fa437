import type { Kafka, Message } from 'kafkajs';
import type { RecordSender } from './record-sender.js';
import { sendInBatches } from './backfill-emitter.js';
import { FingerprintIndex } from './fingerprint-index.js';
import { fingerprint, type Fingerprint } from './fingerprint.js';
import { PartitionScanner, type ScannedRecord } from './partition-scanner.js';
import { KIND_HEADER, RUN_HEADER, backfillHeaders, isBackfillRecord } from './record-headers.js';
import type { TokenBucket } from './token-bucket.js';
import type { TopicAdmin } from './topic-admin.js';

const HAS_V2 = 0x01;
const V2_TOMBSTONE = 0x02;
const CONFLICT = 0x04;
/** The record that clobbered v2's was this run's refresh / this run's delete (else another run's, or a repair). */
const BY_OUR_REFRESH = 0x08;
const BY_OUR_DELETE = 0x10;
/** Counted once among the repaired keys, however many rounds repaired it. */
const REPAIRED = 0x20;

export interface VerifyContext {
  kafka: Kafka;
  producer: RecordSender;
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

/** Distinct keys repaired, by what had clobbered v2's record. */
export interface RepairedKeys {
  /** This run's refresh: the key was counted refreshed, its outcome is v2's value. */
  fromRefresh: number;
  fromDelete: number;
  /** An earlier run's record: the plan counted the key as owned by v2. */
  other: number;
}

export interface VerifyResult {
  /** Records re-emitted. */
  repaired: number;
  repairedKeys: RepairedKeys;
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
      const ours = isBackfillRecord(r.headers);
      // Our records matter only for keys v2 wrote: they are looked up, never added.
      const slot = ours ? table.find(fp.hi, fp.lo) : table.upsert(fp.hi, fp.lo);
      if (slot < 0) continue;
      const flags = table.flags[slot]!;
      if (!ours) {
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
      const origin = clobberOrigin(r, ctx.runId);
      table.flags[slot] = same
        ? flags & ~(CONFLICT | BY_OUR_REFRESH | BY_OUR_DELETE)
        : (flags & ~(BY_OUR_REFRESH | BY_OUR_DELETE)) | CONFLICT | origin;
    }
  };
  const repairedKeys: RepairedKeys = { fromRefresh: 0, fromDelete: 0, other: 0 };

  const scanner = await PartitionScanner.open(ctx.kafka, {
    topic: ctx.prodTopic,
    partition: ctx.partition,
    from: ctx.cutover,
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
      const toRepair: number[] = [];
      for (let slot = 0; slot < table.capacity; slot++) {
        if (table.isOccupied(slot) && (table.flags[slot]! & CONFLICT) !== 0) {
          conflicted.push(table.where[slot]!);
          toRepair.push(slot);
        }
      }
      conflicts = conflicted.length;
      ctx.onRound?.(round, conflicts, repaired, recordsRead);
      if (conflicts === 0 || round >= ctx.maxRounds) break;
      for (const slot of toRepair) countRepaired(table.flags, slot, repairedKeys);
      round++;
      repaired += await repair(
        ctx,
        conflicted.sort((a, b) => a - b),
      );
    }
  } finally {
    await scanner.close();
  }
  return { repaired, repairedKeys, conflicts, rounds: round, recordsRead };
}

function clobberOrigin(r: ScannedRecord, runId: string): number {
  const run = r.headers[RUN_HEADER];
  if (run === undefined || String(run) !== runId) return 0;
  const kind = String(r.headers[KIND_HEADER] ?? '');
  return kind === 'refresh' ? BY_OUR_REFRESH : kind === 'delete' ? BY_OUR_DELETE : 0;
}

function countRepaired(flags: Uint8Array, slot: number, into: RepairedKeys): void {
  const f = flags[slot]!;
  if ((f & REPAIRED) !== 0) return;
  flags[slot] = f | REPAIRED;
  if ((f & BY_OUR_REFRESH) !== 0) into.fromRefresh++;
  else if ((f & BY_OUR_DELETE) !== 0) into.fromDelete++;
  else into.other++;
}

/** Re-emits v2's latest record of each clobbered key (read back from PROD at its offset). */
async function repair(ctx: VerifyContext, v2Offsets: number[]): Promise<number> {
  const reader = await PartitionScanner.open(ctx.kafka, {
    topic: ctx.prodTopic,
    partition: ctx.partition,
    from: v2Offsets[0]!,
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
