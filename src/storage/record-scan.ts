// The few places storage must look inside a batch: ListOffsets by timestamp (the first record whose
// timestamp reaches the target) and by max timestamp (which record holds it). Only each record's
// length, timestampDelta and offsetDelta are read; keys, values and headers are skipped. Compressed
// batches need their records decompressed first, through a RecordsDecompressor the broker supplies
// (src/protocol/records/compression.ts); without one, answers fall back to batch granularity
// (the batch's first offset), which is what a consumer seeking there needs anyway.

import { Reader } from "../protocol/primitives/reader.js";
import { DecodeError } from "../protocol/primitives/decode-error.js";
import type { CompressionType } from "../protocol/records/batch-header.js";
import { compressionOf, RECORDS_OFFSET, timestampTypeOf, TimestampType } from "../protocol/records/batch-header.js";

/** Decompresses the records section of a batch (the bytes after the 61-byte header). */
export type RecordsDecompressor = (compression: CompressionType, compressed: Buffer) => Buffer | Promise<Buffer>;

export interface RecordTimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

interface BatchSummary {
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly attributes: number;
  readonly recordCount: number;
}

/** Visits (timestamp, offset) of every record; stops early when visit returns true. */
async function forEachRecord(
  batch: Buffer,
  summary: BatchSummary,
  decompress: RecordsDecompressor | undefined,
  visit: (timestamp: number, offset: number) => boolean,
): Promise<boolean> {
  const compression = compressionOf(summary.attributes);
  let records = batch.subarray(RECORDS_OFFSET);
  if (compression !== 0) {
    if (decompress === undefined) return false;
    records = await decompress(compression, records);
  }
  const logAppendTime = timestampTypeOf(summary.attributes) === TimestampType.LogAppendTime;
  const reader = new Reader(records);
  for (let index = 0; index < summary.recordCount; index += 1) {
    const length = reader.varint();
    if (length < 0 || length > reader.remaining) throw new DecodeError(`record length ${length} runs past the batch`);
    const recordEnd = reader.offset + length;
    reader.int8();
    const timestampDelta = reader.varlong();
    const offsetDelta = reader.varint();
    const timestamp = logAppendTime ? summary.maxTimestamp : summary.baseTimestamp + timestampDelta;
    if (visit(timestamp, summary.baseOffset + offsetDelta)) return true;
    reader.offset = recordEnd;
  }
  return true;
}

/**
 * The first record with timestamp >= target and offset >= minOffset, or null when the batch has
 * none. Without a decompressor for a compressed batch: the batch's first eligible offset with the
 * batch max timestamp (callers only ask batches whose max timestamp reaches the target).
 */
export async function findRecordAtOrAfterTimestamp(
  batch: Buffer,
  summary: BatchSummary,
  targetTimestamp: number,
  minOffset: number,
  decompress?: RecordsDecompressor,
): Promise<RecordTimestampOffset | null> {
  let found: RecordTimestampOffset | null = null;
  const scanned = await forEachRecord(batch, summary, decompress, (timestamp, offset) => {
    if (timestamp >= targetTimestamp && offset >= minOffset) {
      found = { timestamp, offset };
      return true;
    }
    return false;
  });
  if (!scanned) return { timestamp: summary.maxTimestamp, offset: Math.max(summary.baseOffset, minOffset) };
  return found;
}

/** The offset of the (first) record holding the batch's max timestamp. */
export async function offsetOfMaxTimestamp(batch: Buffer, summary: BatchSummary, decompress?: RecordsDecompressor): Promise<number> {
  if (timestampTypeOf(summary.attributes) === TimestampType.LogAppendTime) return summary.baseOffset;
  let found = -1;
  const scanned = await forEachRecord(batch, summary, decompress, (timestamp, offset) => {
    if (timestamp === summary.maxTimestamp) {
      found = offset;
      return true;
    }
    return false;
  });
  return scanned && found >= 0 ? found : summary.baseOffset;
}
