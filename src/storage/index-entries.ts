// What the offset index and the time index share (Kafka's AbstractIndex): fixed-size big-endian
// entries held in memory in a buffer that doubles as it fills, up to a capacity set by
// segment.index.bytes; which entries are already in the file (persistedEntries); and a
// generation bumped whenever entries are removed, so a write of older entries in flight can tell
// it is stale. The subclasses say what an entry holds and how it is looked up.

import { assert } from "../lib/assert.js";

/** Entries allocated up front; the buffer doubles from here up to the index's capacity. */
const INITIAL_ENTRY_CAPACITY = 64;
/** The largest offset - baseOffset an index entry can hold (an int32). */
export const MAX_RELATIVE_OFFSET = 0x7fff_ffff;

export class CorruptIndexError extends Error {
  override name = "CorruptIndexError";
}

export abstract class IndexEntries {
  protected buffer: Buffer;
  protected entryCount = 0;
  protected maxEntryCount: number;
  /** Entries [0, persistedEntries) are known to be in the file exactly as in memory. */
  persistedEntries = 0;
  /** Bumped whenever entries are removed, so a write of older entries can tell it is stale. */
  generation = 0;

  protected constructor(
    readonly baseOffset: number,
    /** Bytes per entry. */
    readonly entryBytesEach: number,
    maxIndexBytes: number,
  ) {
    this.maxEntryCount = Math.floor(maxIndexBytes / entryBytesEach);
    this.buffer = Buffer.alloc(Math.min(Math.max(this.maxEntryCount, 1), INITIAL_ENTRY_CAPACITY) * entryBytesEach);
  }

  get entries(): number {
    return this.entryCount;
  }

  get maxEntries(): number {
    return this.maxEntryCount;
  }

  /** Bytes of the valid entries: the size of the file when trimmed. */
  get sizeBytes(): number {
    return this.entryCount * this.entryBytesEach;
  }

  /** Changes the capacity (segment.index.bytes); entries beyond a smaller capacity stay readable. */
  resize(maxIndexBytes: number): void {
    this.maxEntryCount = Math.max(this.entryCount, Math.floor(maxIndexBytes / this.entryBytesEach));
  }

  truncateToEntries(entries: number): void {
    assert(entries >= 0 && entries <= this.entryCount, `cannot truncate ${this.constructor.name} to ${entries} entries`);
    if (entries < this.entryCount) this.generation += 1;
    this.entryCount = entries;
    this.persistedEntries = Math.min(this.persistedEntries, entries);
  }

  /** Entries [fromEntry, entries) as bytes, a view into the index (copy before the index changes). */
  entryBytes(fromEntry: number): Buffer {
    return this.buffer.subarray(fromEntry * this.entryBytesEach, this.entryCount * this.entryBytesEach);
  }

  /** Takes a loaded file's entries (already checked by the subclass) as persisted. */
  protected adopt(bytes: Buffer): void {
    const count = bytes.length / this.entryBytesEach;
    this.ensureCapacity(count);
    bytes.copy(this.buffer, 0, 0, bytes.length);
    this.entryCount = count;
    this.persistedEntries = count;
  }

  /** Makes room for one more entry and returns the byte position to write it at; the caller then bumps entryCount. */
  protected nextEntryPosition(): number {
    this.ensureCapacity(this.entryCount + 1);
    return this.entryCount * this.entryBytesEach;
  }

  private ensureCapacity(entries: number): void {
    const needed = entries * this.entryBytesEach;
    if (needed <= this.buffer.length) return;
    let capacity = Math.max(this.buffer.length, INITIAL_ENTRY_CAPACITY * this.entryBytesEach);
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.alloc(capacity);
    this.buffer.copy(grown, 0, 0, this.entryCount * this.entryBytesEach);
    this.buffer = grown;
  }
}
