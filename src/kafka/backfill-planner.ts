import type { Kafka } from 'kafkajs';
import { BackfillIndex } from './backfill-index.js';
import { KEY_IN_ARENA, decideKey, type BackfillMode } from './key-decision.js';
import { visitPartition } from './partition-scanner.js';
import type { RecordView } from './wire/record-batch-decoder.js';

/** Records between two progress reports while indexing. */
const PROGRESS_EVERY = 4096;

export interface PlanInput {
  prodTopic: string;
  tempTopic: string;
  partition: number;
  /** PROD's first offset still in the log. */
  prodStart: number;
  /** S[p]: PROD's last stable offset when the run started. */
  prodEnd: number;
  tempStart: number;
  /** TEMP's end (frozen since the shadow stopped). */
  tempEnd: number;
  /** C[p]; Infinity when planning a diff before deploy. */
  cutover: number;
  mode: BackfillMode;
}

export interface PlanCounts {
  refresh: number;
  delete: number;
  unchanged: number;
  skippedV2: number;
  keptByMode: number;
}

export interface BackfillPlan {
  index: BackfillIndex;
  /** TEMP offsets of the keys to emit (refreshes and TEMP tombstones), ascending. */
  tempOffsets: Float64Array;
  /** Arena positions of production-only keys to delete, ascending (= PROD order). */
  arenaPositions: Float64Array;
  counts: PlanCounts;
  /** Records read from PROD and TEMP while indexing. */
  recordsRead: number;
}

export type IndexProgress = (done: number, total: number) => void;

/** Steps 1 and 2 of DESIGN.md section 7 for one partition: index both topics, then decide every key. */
export async function planPartition(
  kafka: Kafka,
  input: PlanInput,
  signal?: AbortSignal,
  onProgress?: IndexProgress,
): Promise<BackfillPlan> {
  const index = await indexPartition(kafka, input, signal, onProgress);
  return decideAll(index, input.mode);
}

export async function indexPartition(
  kafka: Kafka,
  input: PlanInput,
  signal?: AbortSignal,
  onProgress?: IndexProgress,
): Promise<BackfillIndex> {
  const tempRecords = Math.max(0, input.tempEnd - input.tempStart);
  const total = tempRecords + Math.max(0, input.prodEnd - input.prodStart);
  // TEMP is compacted, so its record count is close to v2's key count; 15% more leaves room
  // for production-only keys without growing (growth briefly holds old and new arrays).
  const index = new BackfillIndex(
    input.cutover,
    Math.min(Math.ceil(tempRecords * 1.15) + 1024, 1 << 22),
  );
  // Progress counts offsets passed, not records: compaction and transaction markers leave
  // gaps, and a count of records would never reach a total taken from offsets.
  const every = (add: (v: RecordView) => void, from: number, before: number) => {
    let seen = 0;
    return (v: RecordView): void => {
      add(v);
      if (++seen % PROGRESS_EVERY === 0) onProgress?.(before + v.offset + 1 - from, total);
    };
  };
  const base = { partition: input.partition };
  await visitPartition(
    kafka,
    { ...base, topic: input.tempTopic, from: input.tempStart, to: input.tempEnd },
    every(index.visitTemp, input.tempStart, 0),
    signal,
  );
  await visitPartition(
    kafka,
    { ...base, topic: input.prodTopic, from: input.prodStart, to: input.prodEnd },
    every(index.visitProd, input.prodStart, tempRecords),
    signal,
  );
  return index;
}

/** Pure: turns a filled index into the emission plan. */
export function decideAll(index: BackfillIndex, mode: BackfillMode): BackfillPlan {
  const t = index.table;
  const counts: PlanCounts = { refresh: 0, delete: 0, unchanged: 0, skippedV2: 0, keptByMode: 0 };
  let inTemp = 0;
  let inArena = 0;
  for (let slot = 0; slot < t.capacity; slot++) {
    if (!t.isOccupied(slot)) continue;
    const flags = t.flags[slot]!;
    const d = decideKey(flags, mode);
    if (d === 'refresh' || d === 'delete') {
      counts[d]++;
      if ((flags & KEY_IN_ARENA) !== 0) inArena++;
      else inTemp++;
    } else if (d === 'unchanged') counts.unchanged++;
    else if (d === 'skip-v2') counts.skippedV2++;
    else counts.keptByMode++;
  }
  const tempOffsets = new Float64Array(inTemp);
  const arenaPositions = new Float64Array(inArena);
  let i = 0;
  let j = 0;
  for (let slot = 0; slot < t.capacity; slot++) {
    if (!t.isOccupied(slot)) continue;
    const flags = t.flags[slot]!;
    const d = decideKey(flags, mode);
    if (d !== 'refresh' && d !== 'delete') continue;
    if ((flags & KEY_IN_ARENA) !== 0) arenaPositions[j++] = t.where[slot]!;
    else tempOffsets[i++] = t.where[slot]!;
  }
  tempOffsets.sort();
  arenaPositions.sort();
  return { index, tempOffsets, arenaPositions, counts, recordsRead: 0 };
}
