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
    const t = this.table;
    for (const r of records) {
      if (r.key === null) {
        this.keylessRecords++;
        continue;
      }
      fingerprint(r.key, this.fp);
      const slot = t.upsert(this.fp.hi, this.fp.lo);
      if (r.value === null) {
        t.flags[slot] = (t.flags[slot]! | TEMP_PRESENT | TEMP_TOMBSTONE) & 0xff;
      } else {
        fingerprint(r.value, this.vh);
        t.hashHi[slot] = this.vh.hi;
        t.hashLo[slot] = this.vh.lo;
        t.flags[slot] = (t.flags[slot]! | TEMP_PRESENT) & ~TEMP_TOMBSTONE;
      }
      t.where[slot] = r.offset;
    }
  }

  addProd(records: readonly ScannedRecord[]): void {
    const t = this.table;
    for (const r of records) {
      if (r.key === null) {
        this.keylessRecords++;
        continue;
      }
      fingerprint(r.key, this.fp);
      const slot = t.upsert(this.fp.hi, this.fp.lo);
      let flags = t.flags[slot]!;
      if (t.lastInserted) {
        t.where[slot] = this.arena.append(r.key, r.offset);
        flags |= KEY_IN_ARENA;
      }
      if (r.offset >= this.cutover && !isBackfillRecord(r.headers)) {
        t.flags[slot] = flags | V2_OWNED;
        continue;
      }
      flags |= PROD_PRESENT;
      let equal: boolean;
      if (r.value === null) {
        flags |= PROD_TOMBSTONE;
        equal = desiresTombstone(flags);
      } else {
        flags &= ~PROD_TOMBSTONE;
        if (desiresTombstone(flags)) equal = false;
        else {
          fingerprint(r.value, this.vh);
          equal = this.vh.hi === t.hashHi[slot] && this.vh.lo === t.hashLo[slot];
        }
      }
      t.flags[slot] = equal ? flags | PROD_EQUALS_DESIRED : flags & ~PROD_EQUALS_DESIRED;
    }
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
