import type { Kafka } from 'kafkajs';
import { BackfillIndex } from './backfill-index.js';
import {
  KEY_IN_ARENA,
  categorize,
  decideKey,
  type BackfillMode,
  type DiffCategory,
} from './key-decision.js';
import { scanPartition } from './partition-scanner.js';

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
  groupPrefix?: string;
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
  // TEMP is compacted, so its record count is close to v2's key count; a quarter more leaves room
  // for production-only keys without growing (growth briefly holds old and new arrays).
  const index = new BackfillIndex(
    input.cutover,
    Math.min(Math.ceil(tempRecords * 1.25) + 1024, 1 << 22),
  );
  let done = 0;
  const base = { partition: input.partition, groupPrefix: input.groupPrefix ?? 'evolve-index' };
  await scanPartition(
    kafka,
    { ...base, topic: input.tempTopic, from: input.tempStart, to: input.tempEnd },
    (records) => {
      index.addTemp(records);
      done += records.length;
      onProgress?.(done, total);
    },
    signal,
  );
  await scanPartition(
    kafka,
    { ...base, topic: input.prodTopic, from: input.prodStart, to: input.prodEnd },
    (records) => {
      index.addProd(records);
      done += records.length;
      onProgress?.(done, total);
    },
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

export interface DiffReport {
  counts: Record<Exclude<DiffCategory, 'absent'>, number>;
  /** Up to `sampleLimit` keys per category, as UTF-8 strings when printable, else 0x-hex. */
  samples: Record<Exclude<DiffCategory, 'absent'>, string[]>;
}

/**
 * The diff report shown to the approver: the same index, with no cutover
 * (v1's output against v2's TEMP). Samples are the keys of each category
 * with the lowest TEMP offsets, so one short TEMP read resolves their bytes.
 */
export async function diffPartition(
  kafka: Kafka,
  input: Omit<PlanInput, 'cutover' | 'mode'>,
  sampleLimit = 10,
  signal?: AbortSignal,
): Promise<DiffReport> {
  const index = await indexPartition(kafka, { ...input, cutover: Infinity, mode: 'full' }, signal);
  const t = index.table;
  const cats = ['same', 'changed', 'onlyProduction', 'onlyTemp'] as const;
  const counts = { same: 0, changed: 0, onlyProduction: 0, onlyTemp: 0 };
  const arenaSamples = {
    same: [] as Buffer[],
    changed: [] as Buffer[],
    onlyProduction: [] as Buffer[],
    onlyTemp: [] as Buffer[],
  };
  const tempSamples = {
    same: [] as number[],
    changed: [] as number[],
    onlyProduction: [] as number[],
    onlyTemp: [] as number[],
  };
  for (let slot = 0; slot < t.capacity; slot++) {
    if (!t.isOccupied(slot)) continue;
    const flags = t.flags[slot]!;
    const cat = categorize(flags);
    if (cat === 'absent') continue;
    counts[cat]++;
    if ((flags & KEY_IN_ARENA) !== 0) {
      if (arenaSamples[cat].length < sampleLimit)
        arenaSamples[cat].push(index.arena.keyAt(t.where[slot]!));
    } else keepSmallest(tempSamples[cat], t.where[slot]!, sampleLimit);
  }
  const wanted = new Map<number, DiffCategory>();
  for (const cat of cats) for (const o of tempSamples[cat]) wanted.set(o, cat);
  const keysByOffset = new Map<number, Buffer>();
  const maxOffset = Math.max(-1, ...wanted.keys());
  await scanPartition(
    kafka,
    {
      topic: input.tempTopic,
      partition: input.partition,
      from: input.tempStart,
      to: Math.min(input.tempEnd, maxOffset + 1),
      groupPrefix: 'evolve-diff',
    },
    (records) => {
      for (const r of records) if (wanted.has(r.offset) && r.key) keysByOffset.set(r.offset, r.key);
    },
    signal,
  );
  const samples = {
    same: [] as string[],
    changed: [] as string[],
    onlyProduction: [] as string[],
    onlyTemp: [] as string[],
  };
  for (const cat of cats) {
    const fromTemp = tempSamples[cat]
      .map((o) => keysByOffset.get(o))
      .filter((k): k is Buffer => k !== undefined);
    samples[cat] = [...fromTemp, ...arenaSamples[cat]].slice(0, sampleLimit).map(printableKey);
  }
  return { counts, samples };
}

function keepSmallest(list: number[], value: number, limit: number): void {
  if (list.length < limit) {
    list.push(value);
    list.sort((a, b) => a - b);
  } else if (limit > 0 && value < list[list.length - 1]!) {
    list[list.length - 1] = value;
    list.sort((a, b) => a - b);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A key as a human reads it: its UTF-8 text when it is printable, else its bytes in hex. */
export function printableKey(key: Uint8Array): string {
  try {
    const text = utf8.decode(key);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u001f\u007f]/.test(text)) return text;
  } catch {
    // not UTF-8
  }
  return `0x${Buffer.from(key).toString('hex')}`;
}
