import type { Kafka } from 'kafkajs';
import { indexPartition, type PlanInput } from './backfill-planner.js';
import { KEY_IN_ARENA, categorize, type DiffCategory } from './key-decision.js';
import { scanPartition } from './partition-scanner.js';
import type { TopicAdmin } from './topic-admin.js';

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

/**
 * The diff report of a whole topic pair (all partitions, one after the other
 * to bound memory): what the approver sees before deploy.
 */
export async function diffTopics(
  kafka: Kafka,
  admin: TopicAdmin,
  prodTopic: string,
  tempTopic: string,
  sampleLimit = 10,
  signal?: AbortSignal,
): Promise<DiffReport> {
  const partitions = await admin.partitionCount(prodTopic);
  await admin.assertPartitionCount(tempTopic, partitions);
  const prod = await admin.snapshotOffsets(prodTopic);
  const temp = await admin.snapshotOffsets(tempTopic);
  const total: DiffReport = {
    counts: { same: 0, changed: 0, onlyProduction: 0, onlyTemp: 0 },
    samples: { same: [], changed: [], onlyProduction: [], onlyTemp: [] },
  };
  for (let p = 0; p < partitions; p++) {
    const one = await diffPartition(
      kafka,
      {
        prodTopic,
        tempTopic,
        partition: p,
        prodStart: prod[p]!.start,
        prodEnd: prod[p]!.end,
        tempStart: temp[p]!.start,
        tempEnd: temp[p]!.end,
      },
      sampleLimit,
      signal,
    );
    for (const cat of ['same', 'changed', 'onlyProduction', 'onlyTemp'] as const) {
      total.counts[cat] += one.counts[cat];
      total.samples[cat] = [...total.samples[cat], ...one.samples[cat]].slice(0, sampleLimit);
    }
  }
  return total;
}
