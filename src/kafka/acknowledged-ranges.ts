/**
 * Offset ranges of one partition that the broker acknowledged as holding this
 * run's own writes. One `producer.send` of one partition's messages is one
 * record batch, appended at contiguous offsets, and its acknowledgement
 * names the first: the send occupies [baseOffset, baseOffset + messages).
 * The emitter's tail moves past these ranges instead of fetching and
 * decoding what it wrote itself; everything else after S is read.
 *
 * Only acknowledgements of this process go in, never a guess: nothing is
 * persisted, so a resumed run's tail reads everything after S again.
 */
export class AcknowledgedRanges {
  /** Disjoint, sorted, never adjacent (adjacent ranges are merged): [start, end) pairs. */
  private readonly ranges: Array<[number, number]> = [];

  /** Records the range [baseOffset, baseOffset + count); anything that is not a valid range is ignored. */
  add(baseOffset: number, count: number): void {
    if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) return;
    if (!Number.isSafeInteger(count) || count <= 0) return;
    let start = baseOffset;
    let end = baseOffset + count;
    // Acknowledgements of one partition arrive in offset order: search from the end.
    let i = this.ranges.length;
    while (i > 0 && this.ranges[i - 1]![0] > start) i--;
    // Merge with the ranges it touches or overlaps on either side.
    let j = i;
    if (i > 0 && this.ranges[i - 1]![1] >= start) {
      i--;
      start = this.ranges[i]![0];
      end = Math.max(end, this.ranges[i]![1]);
    }
    while (j < this.ranges.length && this.ranges[j]![0] <= end) {
      end = Math.max(end, this.ranges[j]![1]);
      j++;
    }
    this.ranges.splice(i, j - i, [start, end]);
  }

  /**
   * The first offset at or after `position` that is not in an acknowledged
   * range. Ranges below the answer are forgotten: a reader never goes back.
   */
  skip(position: number): number {
    let next = position;
    while (this.ranges.length > 0 && this.ranges[0]![0] <= next) {
      next = Math.max(next, this.ranges[0]![1]);
      this.ranges.shift();
    }
    return next;
  }

  /** Start of the first acknowledged range above `position` (where a gap from there ends); undefined if none. */
  nextStart(position: number): number | undefined {
    for (const [start, end] of this.ranges) if (end > position) return Math.max(start, position);
    return undefined;
  }

  /** Ranges still held (for tests and diagnostics). */
  get size(): number {
    return this.ranges.length;
  }
}
