/**
 * The data set of bench/backfill.ts, the same in every process of a run:
 * PROD holds `keys` v1 records (200-byte values); TEMP holds v2, in which 30%
 * of the values changed, 10% of the keys are absent (deleted) and 5% are new.
 * Key i lives in partition i % partitions.
 */
import type { Message } from 'kafkajs';

export const key = (i: number): Buffer => Buffer.from(`customer-${String(i).padStart(9, '0')}`);

export const valueOf = (i: number, version: string): Buffer => {
  const head = `{"id":${i},"v":"${version}","pad":"`;
  return Buffer.from(head + 'x'.repeat(200 - head.length - 2) + '"}');
};

/** Keys of TEMP and of PROD together. */
export const unionKeys = (keys: number): number => Math.floor(keys * 1.05);

export const inTemp = (i: number, keys: number): boolean => i >= keys || i % 10 !== 0;

export const changed = (i: number): boolean => i % 10 >= 1 && i % 10 <= 3;

export const tempValue = (i: number): Buffer => valueOf(i, changed(i) ? 'v2' : 'v1');

/**
 * What a correct backfill writes to one partition, in key order: the changed
 * and the new keys with TEMP's value, a tombstone for each key TEMP lacks.
 */
export function plannedRecords(keys: number, partitions: number, partition: number): Message[] {
  const out: Message[] = [];
  for (let i = partition; i < unionKeys(keys); i += partitions) {
    if (!inTemp(i, keys)) out.push({ key: key(i), value: null, partition });
    else if (i >= keys || changed(i)) out.push({ key: key(i), value: tempValue(i), partition });
  }
  return out;
}
