// The sparse time index of one segment (`<base offset>.timeindex`), held in memory; the segment
// persists it. File format (Kafka's TimeIndex), a sequence of 12-byte big-endian entries:
//
//   int64 timestamp        the largest timestamp seen in the segment up to this point
//   int32 relativeOffset   offset of the batch holding it, minus the segment base offset
//
// An entry (T, O) means every record with a timestamp above T comes after offset O. Entries are
// added next to offset-index entries, and only when the timestamp grew; on roll and clean close a
// final entry records the segment's largest timestamp (retention reads it). Timestamps strictly
// increase, offsets never decrease. One slot is kept free for that final entry, so the index is
// "full" one entry early, as in Kafka.

import { assert } from "../lib/assert.js";
import { CorruptIndexError, IndexEntries, MAX_RELATIVE_OFFSET } from "./index-entries.js";

export const TIME_INDEX_ENTRY_BYTES = 12;
const TWO_POW_32 = 0x1_0000_0000;
/** Kafka's RecordBatch.NO_TIMESTAMP: the "last entry" of an empty time index. */
export const NO_TIMESTAMP = -1;

export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

function readTimestamp(buffer: Buffer, at: number): number {
  const high = buffer.readInt32BE(at);
  const low = buffer.readUInt32BE(at + 4);
  return high * TWO_POW_32 + low;
}

function writeTimestamp(buffer: Buffer, at: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * TWO_POW_32, at + 4);
}

export class TimeIndex extends IndexEntries {
  constructor(baseOffset: number, maxIndexBytes: number) {
    super(baseOffset, TIME_INDEX_ENTRY_BYTES, maxIndexBytes);
  }

  /** Loads and checks a time index file (see OffsetIndex.load for what counts as corrupt). */
  static load(baseOffset: number, bytes: Buffer, maxIndexBytes: number, nextBaseOffset: number = Number.MAX_SAFE_INTEGER): TimeIndex {
    if (bytes.length % TIME_INDEX_ENTRY_BYTES !== 0) {
      throw new CorruptIndexError(`time index size ${bytes.length} is not a multiple of ${TIME_INDEX_ENTRY_BYTES}`);
    }
    const count = bytes.length / TIME_INDEX_ENTRY_BYTES;
    const index = new TimeIndex(baseOffset, Math.max(maxIndexBytes, bytes.length));
    let previousTimestamp = NO_TIMESTAMP;
    let previousRelative = 0;
    for (let entry = 0; entry < count; entry += 1) {
      const high = bytes.readInt32BE(entry * TIME_INDEX_ENTRY_BYTES);
      if (high >= 0x20_0000 || high < 0) throw new CorruptIndexError(`time index entry ${entry} has an impossible timestamp`);
      const timestamp = readTimestamp(bytes, entry * TIME_INDEX_ENTRY_BYTES);
      const relative = bytes.readInt32BE(entry * TIME_INDEX_ENTRY_BYTES + 8);
      if (timestamp <= previousTimestamp || relative < previousRelative || relative < 0) {
        throw new CorruptIndexError(`time index entry ${entry} (${timestamp}, ${relative}) does not increase`);
      }
      if (baseOffset + relative >= nextBaseOffset) throw new CorruptIndexError(`time index entry ${entry} offset is past the segment`);
      previousTimestamp = timestamp;
      previousRelative = relative;
    }
    index.adopt(bytes);
    return index;
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntryCount - 1;
  }

  /** The newest entry, or (NO_TIMESTAMP, baseOffset) when empty. */
  get lastEntry(): TimestampOffset {
    if (this.entryCount === 0) return { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    return this.entryAt(this.entryCount - 1);
  }

  entryAt(entry: number): TimestampOffset {
    const at = entry * TIME_INDEX_ENTRY_BYTES;
    return { timestamp: readTimestamp(this.buffer, at), offset: this.baseOffset + this.buffer.readInt32BE(at + 8) };
  }

  /**
   * Appends (timestamp, offset) if the timestamp is larger than the last entry's. skipFullCheck is
   * for the final entry written on roll and close, which uses the slot kept free.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    const last = this.lastEntry;
    if (timestamp <= last.timestamp) return;
    assert(skipFullCheck || !this.isFull, `time index for segment ${this.baseOffset} is full`);
    assert(this.entryCount === 0 || offset >= last.offset, `time index offset ${offset} is below ${last.offset}`);
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= MAX_RELATIVE_OFFSET, `offset ${offset} does not fit segment ${this.baseOffset}`);
    if (this.entryCount >= this.maxEntryCount) this.maxEntryCount = this.entryCount + 1;
    const at = this.nextEntryPosition();
    writeTimestamp(this.buffer, at, timestamp);
    this.buffer.writeInt32BE(relative, at + 8);
    this.entryCount += 1;
  }

  /** The entry with the largest timestamp <= target, or (NO_TIMESTAMP, baseOffset) when none. */
  lookup(targetTimestamp: number): TimestampOffset {
    let low = 0;
    let high = this.entryCount - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (readTimestamp(this.buffer, middle * TIME_INDEX_ENTRY_BYTES) <= targetTimestamp) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (found < 0) return { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    return this.entryAt(found);
  }

  /** Removes every entry whose offset is >= offset. */
  truncateToOffset(offset: number): void {
    let keep = this.entryCount;
    while (keep > 0 && this.entryAt(keep - 1).offset >= offset) keep -= 1;
    this.truncateToEntries(keep);
  }
}
