import { FingerprintIndex } from './fingerprint-index.js';
import { fingerprint, type Fingerprint } from './fingerprint.js';
import { KeyArena } from './key-arena.js';
import {
  KEY_IN_ARENA,
  PROD_EQUALS_DESIRED,
  PROD_PRESENT,
  PROD_TOMBSTONE,
  TEMP_PRESENT,
  TEMP_TOMBSTONE,
  V2_OWNED,
  decideKey,
  desiresTombstone,
  type BackfillMode,
  type KeyDecision,
} from './key-decision.js';
import { isBackfillRecord } from './record-headers.js';
import type { ScannedRecord } from './partition-scanner.js';
import { viewHeaders, type RecordView } from './wire/record-batch-decoder.js';

/**
 * What the planner knows about every key of one partition, without values
 * or key strings: fingerprint -> (TEMP's last value hash, TEMP's last offset
 * or the arena position of the key bytes, state bits).
 *
 * Feed TEMP first (all of it), then PROD [0, S): a PROD key that TEMP does
 * not hold is then known at once to be production-only, and only those keys'
 * bytes are kept (in the arena) so deletes need no second PROD read. Whether
 * PROD's last record equals v2's desired one is folded into a bit as PROD
 * records arrive, so PROD value hashes are never stored.
 */
export class BackfillIndex {
  readonly table: FingerprintIndex;
  readonly arena = new KeyArena();
  private readonly fp: Fingerprint = { hi: 0, lo: 0 };
  private readonly vh: Fingerprint = { hi: 0, lo: 0 };
  /** Records without a key: an upsert topic should have none; counted, never emitted. */
  keylessRecords = 0;

  constructor(
    /** C[p]: first offset of v2 in this partition (Infinity for a diff before deploy). */
    readonly cutover: number,
    expectedKeys = 1024,
  ) {
    this.table = new FingerprintIndex(expectedKeys);
  }

  addTemp(records: readonly ScannedRecord[]): void {
    for (const r of records)
      this.tempRecord(r.offset, r.key, 0, r.key?.length ?? 0, r.value, 0, r.value?.length ?? 0);
  }

  addProd(records: readonly ScannedRecord[]): void {
    for (const r of records) {
      const v2 = r.offset >= this.cutover && !isBackfillRecord(r.headers);
      this.prodRecord(r.offset, r.key, 0, r.key?.length ?? 0, r.value, 0, r.value?.length ?? 0, v2);
    }
  }

  /** addTemp for one record as the scanner decodes it (`visit`): nothing is made per record. */
  readonly visitTemp = (v: RecordView): void => {
    const { body, keyStart, valueStart } = v;
    const key = v.keyLength < 0 ? null : body;
    const value = v.valueLength < 0 ? null : body;
    this.tempRecord(
      v.offset,
      key,
      keyStart,
      keyStart + v.keyLength,
      value,
      valueStart,
      valueStart + v.valueLength,
    );
  };

  /** addProd for one record as the scanner decodes it (`visit`). */
  readonly visitProd = (v: RecordView): void => {
    const { body, keyStart, valueStart } = v;
    const key = v.keyLength < 0 ? null : body;
    const value = v.valueLength < 0 ? null : body;
    const v2 = v.offset >= this.cutover && !(v.headerCount > 0 && isBackfillRecord(viewHeaders(v)));
    this.prodRecord(
      v.offset,
      key,
      keyStart,
      keyStart + v.keyLength,
      value,
      valueStart,
      valueStart + v.valueLength,
      v2,
    );
  };

  /** TEMP's record of a key (bytes [keyStart, keyEnd) of `key`; a null value is a tombstone). */
  private tempRecord(
    offset: number,
    key: Uint8Array | null,
    keyStart: number,
    keyEnd: number,
    value: Uint8Array | null,
    valueStart: number,
    valueEnd: number,
  ): void {
    if (key === null) {
      this.keylessRecords++;
      return;
    }
    const t = this.table;
    fingerprint(key, this.fp, keyStart, keyEnd);
    const slot = t.upsert(this.fp.hi, this.fp.lo);
    if (value === null) {
      t.flags[slot] = (t.flags[slot]! | TEMP_PRESENT | TEMP_TOMBSTONE) & 0xff;
    } else {
      fingerprint(value, this.vh, valueStart, valueEnd);
      t.hashHi[slot] = this.vh.hi;
      t.hashLo[slot] = this.vh.lo;
      t.flags[slot] = (t.flags[slot]! | TEMP_PRESENT) & ~TEMP_TOMBSTONE;
    }
    t.where[slot] = offset;
  }

  /** PROD's record of a key; `v2`: written by v2 itself (at or after C, not by a backfill). */
  private prodRecord(
    offset: number,
    key: Uint8Array | null,
    keyStart: number,
    keyEnd: number,
    value: Uint8Array | null,
    valueStart: number,
    valueEnd: number,
    v2: boolean,
  ): void {
    if (key === null) {
      this.keylessRecords++;
      return;
    }
    const t = this.table;
    fingerprint(key, this.fp, keyStart, keyEnd);
    const slot = t.upsert(this.fp.hi, this.fp.lo);
    let flags = t.flags[slot]!;
    if (t.lastInserted) {
      t.where[slot] = this.arena.append(key.subarray(keyStart, keyEnd), offset);
      flags |= KEY_IN_ARENA;
    }
    if (v2) {
      t.flags[slot] = flags | V2_OWNED;
      return;
    }
    flags |= PROD_PRESENT;
    let equal: boolean;
    if (value === null) {
      flags |= PROD_TOMBSTONE;
      equal = desiresTombstone(flags);
    } else {
      flags &= ~PROD_TOMBSTONE;
      if (desiresTombstone(flags)) equal = false;
      else {
        fingerprint(value, this.vh, valueStart, valueEnd);
        equal = this.vh.hi === t.hashHi[slot] && this.vh.lo === t.hashLo[slot];
      }
    }
    t.flags[slot] = equal ? flags | PROD_EQUALS_DESIRED : flags & ~PROD_EQUALS_DESIRED;
  }

  /** A v2 write seen while tailing PROD during emission: the key is v2's from now on. */
  markV2Write(key: Uint8Array): void {
    fingerprint(key, this.fp);
    const slot = this.table.find(this.fp.hi, this.fp.lo);
    if (slot >= 0) this.table.flags[slot] = this.table.flags[slot]! | V2_OWNED;
  }

  isV2Owned(key: Uint8Array): boolean {
    fingerprint(key, this.fp);
    const slot = this.table.find(this.fp.hi, this.fp.lo);
    return slot >= 0 && (this.table.flags[slot]! & V2_OWNED) !== 0;
  }

  flagsOf(key: Uint8Array): number | undefined {
    fingerprint(key, this.fp);
    const slot = this.table.find(this.fp.hi, this.fp.lo);
    return slot >= 0 ? this.table.flags[slot]! : undefined;
  }

  decide(slot: number, mode: BackfillMode): KeyDecision {
    return decideKey(this.table.flags[slot]!, mode);
  }

  /** Bytes held by the index (typed arrays and arena), for reports and the benchmark. */
  get bytes(): number {
    return this.table.bytes + this.arena.bytes;
  }
}
