// The sparse offset index of one segment (`<base offset>.index`), held in memory; the segment
// persists it. File format (Kafka's OffsetIndex), a sequence of 8-byte big-endian entries:
//
//   int32 relativeOffset   offset - segment base offset (offset = last offset of an indexed batch)
//   int32 position         byte position of that batch in the .log file
//
// An entry is added when more than index.interval.bytes were appended since the previous one, so
// lookup(offset) gives a position at most about one interval before the batch holding the offset;
// the reader scans forward from there. Offsets and positions strictly increase. The active segment's
// file is preallocated to segment.index.bytes (a sparse file) and trimmed to its entries on roll
// and on clean shutdown.

import { assert } from "../lib/assert.js";
import { CorruptIndexError, IndexEntries, MAX_RELATIVE_OFFSET } from "./index-entries.js";

export { CorruptIndexError };
export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

export class OffsetIndex extends IndexEntries {
  constructor(baseOffset: number, maxIndexBytes: number) {
    super(baseOffset, OFFSET_INDEX_ENTRY_BYTES, maxIndexBytes);
  }

  /**
   * Loads an index file's bytes, checking every entry: a size that is not a multiple of 8,
   * offsets or positions that do not strictly increase, or entries pointing past the log
   * (`logSizeBytes`) or past the segment (`nextBaseOffset`) mean the file is corrupt (a torn
   * write, zeros of a preallocated file, garbage) and must be rebuilt from the log.
   */
  static load(
    baseOffset: number,
    bytes: Buffer,
    maxIndexBytes: number,
    logSizeBytes: number,
    nextBaseOffset: number = Number.MAX_SAFE_INTEGER,
  ): OffsetIndex {
    if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0) {
      throw new CorruptIndexError(`index size ${bytes.length} is not a multiple of ${OFFSET_INDEX_ENTRY_BYTES}`);
    }
    const count = bytes.length / OFFSET_INDEX_ENTRY_BYTES;
    const index = new OffsetIndex(baseOffset, Math.max(maxIndexBytes, bytes.length));
    let previousRelative = -1;
    let previousPosition = -1;
    for (let entry = 0; entry < count; entry += 1) {
      const relative = bytes.readInt32BE(entry * OFFSET_INDEX_ENTRY_BYTES);
      const position = bytes.readInt32BE(entry * OFFSET_INDEX_ENTRY_BYTES + 4);
      if (relative <= previousRelative || position <= previousPosition || relative < 0 || position < 0) {
        throw new CorruptIndexError(`entry ${entry} (${relative}, ${position}) does not increase`);
      }
      if (position >= logSizeBytes) throw new CorruptIndexError(`entry ${entry} points at ${position}, past the log end ${logSizeBytes}`);
      if (baseOffset + relative >= nextBaseOffset) throw new CorruptIndexError(`entry ${entry} offset is past the segment`);
      previousRelative = relative;
      previousPosition = position;
    }
    index.adopt(bytes);
    return index;
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntryCount;
  }

  get lastOffset(): number {
    return this.entryCount === 0 ? this.baseOffset : this.offsetAt(this.entryCount - 1);
  }

  offsetAt(entry: number): number {
    return this.baseOffset + this.buffer.readInt32BE(entry * OFFSET_INDEX_ENTRY_BYTES);
  }

  positionAt(entry: number): number {
    return this.buffer.readInt32BE(entry * OFFSET_INDEX_ENTRY_BYTES + 4);
  }

  canAppendOffset(offset: number): boolean {
    const relative = offset - this.baseOffset;
    return relative >= 0 && relative <= MAX_RELATIVE_OFFSET;
  }

  append(offset: number, position: number): void {
    assert(!this.isFull, `offset index for segment ${this.baseOffset} is full (${this.entryCount} entries)`);
    assert(this.canAppendOffset(offset), `offset ${offset} does not fit segment ${this.baseOffset}`);
    assert(this.entryCount === 0 || offset > this.lastOffset, `index offset ${offset} is not above ${this.lastOffset}`);
    const at = this.nextEntryPosition();
    this.buffer.writeInt32BE(offset - this.baseOffset, at);
    this.buffer.writeInt32BE(position, at + 4);
    this.entryCount += 1;
  }

  /** The entry with the largest offset <= target, or (baseOffset, 0) when there is none. */
  lookup(targetOffset: number): OffsetPosition {
    const entry = this.largestEntryAtOrBelow(targetOffset);
    if (entry < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.offsetAt(entry), position: this.positionAt(entry) };
  }

  /** Removes every entry whose offset is >= offset. */
  truncateToOffset(offset: number): void {
    this.truncateToEntries(this.largestEntryAtOrBelow(offset - 1) + 1);
  }

  private largestEntryAtOrBelow(targetOffset: number): number {
    const targetRelative = targetOffset - this.baseOffset;
    let low = 0;
    let high = this.entryCount - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.buffer.readInt32BE(middle * OFFSET_INDEX_ENTRY_BYTES) <= targetRelative) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }
}
