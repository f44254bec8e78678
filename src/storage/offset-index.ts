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

export const OFFSET_INDEX_ENTRY_BYTES = 8;
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;
/** Entries allocated up front; the buffer doubles from here up to the index's capacity. */
const INITIAL_ENTRY_CAPACITY = 64;

export class CorruptIndexError extends Error {
  override name = "CorruptIndexError";
}

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

export class OffsetIndex {
  private buffer: Buffer;
  private entryCount = 0;
  private maxEntryCount: number;
  /** Entries [0, persistedEntries) are known to be in the file exactly as in memory. */
  persistedEntries = 0;
  /** Bumped whenever entries are removed, so a write of older entries can tell it is stale. */
  generation = 0;

  constructor(
    readonly baseOffset: number,
    maxIndexBytes: number,
  ) {
    this.maxEntryCount = Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_BYTES);
    this.buffer = Buffer.alloc(Math.min(this.maxEntryCount, INITIAL_ENTRY_CAPACITY) * OFFSET_INDEX_ENTRY_BYTES);
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
    index.ensureCapacity(count);
    bytes.copy(index.buffer, 0, 0, bytes.length);
    index.entryCount = count;
    index.persistedEntries = count;
    return index;
  }

  get entries(): number {
    return this.entryCount;
  }

  get maxEntries(): number {
    return this.maxEntryCount;
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntryCount;
  }

  /** Bytes of the valid entries: the size of the file when trimmed. */
  get sizeBytes(): number {
    return this.entryCount * OFFSET_INDEX_ENTRY_BYTES;
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

  /** Changes the capacity (segment.index.bytes); entries beyond a smaller capacity stay readable. */
  resize(maxIndexBytes: number): void {
    this.maxEntryCount = Math.max(this.entryCount, Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_BYTES));
  }

  append(offset: number, position: number): void {
    assert(!this.isFull, `offset index for segment ${this.baseOffset} is full (${this.entryCount} entries)`);
    assert(this.canAppendOffset(offset), `offset ${offset} does not fit segment ${this.baseOffset}`);
    assert(this.entryCount === 0 || offset > this.lastOffset, `index offset ${offset} is not above ${this.lastOffset}`);
    this.ensureCapacity(this.entryCount + 1);
    const at = this.entryCount * OFFSET_INDEX_ENTRY_BYTES;
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

  truncateToEntries(entries: number): void {
    assert(entries >= 0 && entries <= this.entryCount, `cannot truncate index to ${entries} entries`);
    if (entries < this.entryCount) this.generation += 1;
    this.entryCount = entries;
    this.persistedEntries = Math.min(this.persistedEntries, entries);
  }

  /** Entries [fromEntry, entries) as bytes, a view into the index (copy before the index changes). */
  entryBytes(fromEntry: number): Buffer {
    return this.buffer.subarray(fromEntry * OFFSET_INDEX_ENTRY_BYTES, this.entryCount * OFFSET_INDEX_ENTRY_BYTES);
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

  private ensureCapacity(entries: number): void {
    const needed = entries * OFFSET_INDEX_ENTRY_BYTES;
    if (needed <= this.buffer.length) return;
    let capacity = Math.max(this.buffer.length, INITIAL_ENTRY_CAPACITY * OFFSET_INDEX_ENTRY_BYTES);
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.alloc(capacity);
    this.buffer.copy(grown, 0, 0, this.entryCount * OFFSET_INDEX_ENTRY_BYTES);
    this.buffer = grown;
  }
}
