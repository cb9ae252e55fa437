/**
 * An open-addressing hash table keyed by a 64-bit fingerprint, with one
 * 64-bit value hash, one float64 (an offset or an arena position) and one
 * byte of flags per slot: 25 bytes a slot, all in typed arrays, so a
 * partition of millions of keys costs tens of MB and no GC pressure (a
 * Map<string, ...> costs ~117 B/entry and caps at 2^24 entries).
 *
 * The capacity is not a power of two: slots are picked by multiply-shift on
 * the fingerprint's high half, so the table grows by 1.5x and stays between
 * ~53% and 80% full instead of 40-80%.
 */
export const OCCUPIED = 0x80;

const MAX_LOAD = 0.8;
const GROWTH = 1.5;

export class FingerprintIndex {
  private fpHi: Uint32Array;
  private fpLo: Uint32Array;
  /** Value hash, high and low halves. */
  hashHi: Uint32Array;
  hashLo: Uint32Array;
  /** An offset or arena position, by the caller's convention. */
  where: Float64Array;
  /** Caller flags in the low 7 bits; OCCUPIED marks a used slot. */
  flags: Uint8Array;
  private used = 0;
  private cap: number;

  constructor(expectedKeys = 1024) {
    this.cap = Math.max(16, Math.ceil(expectedKeys / MAX_LOAD) + 1);
    this.fpHi = new Uint32Array(this.cap);
    this.fpLo = new Uint32Array(this.cap);
    this.hashHi = new Uint32Array(this.cap);
    this.hashLo = new Uint32Array(this.cap);
    this.where = new Float64Array(this.cap);
    this.flags = new Uint8Array(this.cap);
  }

  get size(): number {
    return this.used;
  }

  get capacity(): number {
    return this.cap;
  }

  get bytes(): number {
    return this.cap * 25;
  }

  /** Slot of the fingerprint, or -1. */
  find(hi: number, lo: number): number {
    const cap = this.cap;
    let slot = Math.floor((hi / 4294967296) * cap);
    for (;;) {
      if ((this.flags[slot]! & OCCUPIED) === 0) return -1;
      if (this.fpHi[slot] === hi && this.fpLo[slot] === lo) return slot;
      if (++slot === cap) slot = 0;
    }
  }

  /**
   * Slot of the fingerprint, inserting an empty entry (flags = OCCUPIED, zeros
   * elsewhere) when absent. `lastInserted` tells which happened. A slot number
   * is valid until the next insert (growth moves entries).
   */
  upsert(hi: number, lo: number): number {
    if (this.used + 1 > this.cap * MAX_LOAD) this.grow();
    const cap = this.cap;
    let slot = Math.floor((hi / 4294967296) * cap);
    for (;;) {
      const f = this.flags[slot]!;
      if ((f & OCCUPIED) === 0) {
        this.fpHi[slot] = hi;
        this.fpLo[slot] = lo;
        this.flags[slot] = OCCUPIED;
        this.used++;
        this.lastInserted = true;
        return slot;
      }
      if (this.fpHi[slot] === hi && this.fpLo[slot] === lo) {
        this.lastInserted = false;
        return slot;
      }
      if (++slot === cap) slot = 0;
    }
  }

  lastInserted = false;

  isOccupied(slot: number): boolean {
    return (this.flags[slot]! & OCCUPIED) !== 0;
  }

  private grow(): void {
    const old = {
      fpHi: this.fpHi,
      fpLo: this.fpLo,
      hashHi: this.hashHi,
      hashLo: this.hashLo,
      where: this.where,
      flags: this.flags,
      cap: this.cap,
    };
    const cap = Math.ceil(old.cap * GROWTH);
    this.cap = cap;
    this.fpHi = new Uint32Array(cap);
    this.fpLo = new Uint32Array(cap);
    this.hashHi = new Uint32Array(cap);
    this.hashLo = new Uint32Array(cap);
    this.where = new Float64Array(cap);
    this.flags = new Uint8Array(cap);
    for (let i = 0; i < old.cap; i++) {
      const f = old.flags[i]!;
      if ((f & OCCUPIED) === 0) continue;
      const hi = old.fpHi[i]!;
      let slot = Math.floor((hi / 4294967296) * cap);
      while ((this.flags[slot]! & OCCUPIED) !== 0) if (++slot === cap) slot = 0;
      this.fpHi[slot] = hi;
      this.fpLo[slot] = old.fpLo[i]!;
      this.hashHi[slot] = old.hashHi[i]!;
      this.hashLo[slot] = old.hashLo[i]!;
      this.where[slot] = old.where[i]!;
      this.flags[slot] = f;
    }
  }
}
