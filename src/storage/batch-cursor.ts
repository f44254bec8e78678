// Walks the record batches (magic 2) laid end to end in a buffer, reading only their fixed headers,
// with no allocation per batch: one cursor object whose fields describe the current batch. Used by
// append validation, reads, recovery and index rebuilding. Every size and offset is bounds-checked:
// a batch is "corrupt" when its header cannot be right (too small, wrong magic, negative deltas,
// offsets beyond 2^53) and "incomplete" when it runs past the end of the bytes at hand (a torn
// tail, or simply the end of a read chunk). CRCs are checked by the caller, which knows when it
// wants to pay for them.

import {
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  ATTRIBUTES_OFFSET,
} from "../protocol/records/batch-header.js";
import { crc32c } from "../protocol/records/crc32c.js";

export type BatchStatus = "batch" | "end" | "incomplete" | "corrupt";

const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word of an int64 whose value is still a safe integer (2^53 / 2^32). */
const MAX_SAFE_HIGH_WORD = 0x20_0000;

export class BatchCursor {
  private buffer: Buffer = Buffer.alloc(0);
  private endPosition = 0;
  /** Where the next batch starts (relative to the buffer). */
  position = 0;

  /** Start of the current batch in the buffer. */
  batchPosition = 0;
  /** Whole size of the current batch (batchLength + 12); -1 when not even that is readable. */
  sizeBytes = -1;
  baseOffset = 0;
  lastOffset = 0;
  lastOffsetDelta = 0;
  partitionLeaderEpoch = -1;
  magic = 0;
  attributes = 0;
  baseTimestamp = -1;
  maxTimestamp = -1;
  recordCount = 0;
  /** Why the last next() said "corrupt". */
  corruptReason = "";

  reset(buffer: Buffer, start = 0, end = buffer.length): this {
    this.buffer = buffer;
    this.position = start;
    this.endPosition = end;
    this.sizeBytes = -1;
    return this;
  }

  get bytes(): Buffer {
    return this.buffer;
  }

  /** The current batch's bytes (a view, valid after next() returned "batch"). */
  batchBytes(): Buffer {
    return this.buffer.subarray(this.batchPosition, this.batchPosition + this.sizeBytes);
  }

  /** CRC-32C of the current batch matches its header. */
  isCrcValid(): boolean {
    const start = this.batchPosition;
    const stored = this.buffer.readUInt32BE(start + CRC_OFFSET);
    return stored === crc32c(this.buffer.subarray(start + ATTRIBUTES_OFFSET, start + this.sizeBytes));
  }

  /**
   * Moves to the next batch. "batch": the fields describe it and position is past it. "end": no
   * bytes left. "incomplete": the batch does not fit in the remaining bytes (sizeBytes says how
   * big it claims to be, when readable); position stays at its start. "corrupt": see corruptReason;
   * position stays at its start.
   */
  next(): BatchStatus {
    const start = this.position;
    const remaining = this.endPosition - start;
    this.batchPosition = start;
    this.sizeBytes = -1;
    if (remaining === 0) return "end";
    if (remaining < LOG_OVERHEAD) return "incomplete";
    const batchLength = this.buffer.readInt32BE(start + BATCH_LENGTH_OFFSET);
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) return this.corrupt(`batch length ${batchLength} is below the batch header size`);
    this.sizeBytes = batchLength + LOG_OVERHEAD;
    if (remaining < RECORD_BATCH_OVERHEAD) return "incomplete";
    const magic = this.buffer.readInt8(start + MAGIC_OFFSET);
    this.magic = magic;
    if (magic !== CURRENT_MAGIC) return this.corrupt(`magic ${magic} is not ${CURRENT_MAGIC}`);
    const baseHigh = this.buffer.readInt32BE(start);
    if (baseHigh < 0 || baseHigh >= MAX_SAFE_HIGH_WORD) return this.corrupt("base offset is negative or beyond 2^53");
    const baseOffset = baseHigh * TWO_POW_32 + this.buffer.readUInt32BE(start + 4);
    const lastOffsetDelta = this.buffer.readInt32BE(start + LAST_OFFSET_DELTA_OFFSET);
    if (lastOffsetDelta < 0) return this.corrupt(`last offset delta ${lastOffsetDelta} is negative`);
    const recordCount = this.buffer.readInt32BE(start + RECORD_COUNT_OFFSET);
    if (recordCount < 0) return this.corrupt(`record count ${recordCount} is negative`);
    const maxTimestamp = this.readTimestamp(start + MAX_TIMESTAMP_OFFSET);
    const baseTimestamp = this.readTimestamp(start + BASE_TIMESTAMP_OFFSET);
    if (maxTimestamp === null || baseTimestamp === null) return this.corrupt("timestamp beyond 2^53");
    this.baseOffset = baseOffset;
    this.lastOffsetDelta = lastOffsetDelta;
    this.lastOffset = baseOffset + lastOffsetDelta;
    this.partitionLeaderEpoch = this.buffer.readInt32BE(start + PARTITION_LEADER_EPOCH_OFFSET);
    this.attributes = this.buffer.readInt16BE(start + ATTRIBUTES_OFFSET);
    this.recordCount = recordCount;
    this.maxTimestamp = maxTimestamp;
    this.baseTimestamp = baseTimestamp;
    if (remaining < this.sizeBytes) return "incomplete";
    this.position = start + this.sizeBytes;
    return "batch";
  }

  private readTimestamp(at: number): number | null {
    const high = this.buffer.readInt32BE(at);
    if (high >= MAX_SAFE_HIGH_WORD || high < -MAX_SAFE_HIGH_WORD) return null;
    return high * TWO_POW_32 + this.buffer.readUInt32BE(at + 4);
  }

  private corrupt(reason: string): BatchStatus {
    this.corruptReason = reason;
    return "corrupt";
  }
}
