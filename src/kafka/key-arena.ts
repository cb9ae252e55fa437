/**
 * Key bytes of production-only keys, appended to one growable buffer:
 * [float64 first offset][uint32 length][bytes]. Keys that TEMP also holds are
 * not stored: their bytes are re-read from TEMP when emitting.
 */
export class KeyArena {
  private buf: Buffer;
  private end = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get bytes(): number {
    return this.buf.length;
  }

  /** Appends a key, returns its position. */
  append(key: Uint8Array, offset: number): number {
    const need = 12 + key.length;
    if (this.end + need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + need));
      this.buf.copy(next, 0, 0, this.end);
      this.buf = next;
    }
    const pos = this.end;
    this.buf.writeDoubleLE(offset, pos);
    this.buf.writeUInt32LE(key.length, pos + 8);
    this.buf.set(key, pos + 12);
    this.end += need;
    return pos;
  }

  /** The offset of the record the key was first seen in. */
  offsetAt(pos: number): number {
    return this.buf.readDoubleLE(pos);
  }

  /** A copy of the key bytes (the arena may be reallocated later). */
  keyAt(pos: number): Buffer {
    const len = this.buf.readUInt32LE(pos + 8);
    return Buffer.from(this.buf.subarray(pos + 12, pos + 12 + len));
  }
}
