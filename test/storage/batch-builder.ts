// Test helper: builds valid record batches (magic 2) byte by byte — the 61-byte header, v2 records
// (varint lengths, timestamp and offset deltas, key, value, no headers) — and fills in the CRC-32C,
// independently of the protocol module's record-batch encoder.

import { Writer } from "../../src/protocol/primitives/writer.js";
import { crc32c } from "../../src/protocol/records/crc32c.js";

export interface TestBatchOptions {
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
  /** Record timestamps; their count is the record count unless recordCount is given. */
  readonly timestamps?: readonly number[];
  readonly recordCount?: number;
  /** Bytes of value per record (filled from `fill`). */
  readonly valueBytes?: number;
  /** Byte used to fill values; defaults to a pattern from the base offset. */
  readonly fill?: number;
  readonly attributes?: number;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  /** Override the header's record count / last offset delta (to build invalid batches). */
  readonly headerRecordCount?: number;
  readonly lastOffsetDelta?: number;
  readonly magic?: number;
}

const TWO_POW_32 = 0x1_0000_0000;

function writeInt64(buffer: Buffer, at: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * TWO_POW_32, at + 4);
}

export function buildBatch(options: TestBatchOptions = {}): Buffer {
  const baseOffset = options.baseOffset ?? 0;
  const recordCount = options.recordCount ?? options.timestamps?.length ?? 1;
  const timestamps = options.timestamps ?? Array.from({ length: recordCount }, () => 1_700_000_000_000);
  const baseTimestamp = timestamps[0];
  const maxTimestamp = Math.max(...timestamps);
  const valueBytes = options.valueBytes ?? 8;
  const records = new Writer();
  for (let index = 0; index < recordCount; index += 1) {
    const body = new Writer();
    body.int8(0);
    body.varlong((timestamps[index] ?? baseTimestamp) - baseTimestamp);
    body.varint(index);
    body.varint(-1); // null key
    const value = Buffer.alloc(valueBytes, options.fill ?? (baseOffset + index) & 0xff);
    body.varint(value.length);
    body.raw(value);
    body.varint(0); // no headers
    const bodyBytes = body.toBuffer();
    records.varint(bodyBytes.length);
    records.raw(bodyBytes);
  }
  const recordBytes = records.toBuffer();
  const batch = Buffer.alloc(61 + recordBytes.length);
  writeInt64(batch, 0, baseOffset);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? -1, 12);
  batch.writeInt8(options.magic ?? 2, 16);
  batch.writeInt16BE(options.attributes ?? 0, 21);
  batch.writeInt32BE(options.lastOffsetDelta ?? recordCount - 1, 23);
  writeInt64(batch, 27, baseTimestamp);
  writeInt64(batch, 35, maxTimestamp);
  writeInt64(batch, 43, options.producerId ?? -1);
  batch.writeInt16BE(options.producerEpoch ?? -1, 51);
  batch.writeInt32BE(options.baseSequence ?? -1, 53);
  batch.writeInt32BE(options.headerRecordCount ?? recordCount, 57);
  recordBytes.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** Recomputes the CRC after a test changed CRC-covered bytes. */
export function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** Base offset of a stored batch. */
export function baseOffsetOf(batch: Buffer): number {
  return batch.readInt32BE(0) * TWO_POW_32 + batch.readUInt32BE(4);
}

export function lastOffsetOf(batch: Buffer): number {
  return baseOffsetOf(batch) + batch.readInt32BE(23);
}

export function leaderEpochOf(batch: Buffer): number {
  return batch.readInt32BE(12);
}

/** A batch as the log stores it after assigning baseOffset and the leader epoch (CRC unchanged). */
export function asStored(batch: Buffer, baseOffset: number, leaderEpoch: number): Buffer {
  const copy = Buffer.from(batch);
  writeInt64(copy, 0, baseOffset);
  copy.writeInt32BE(leaderEpoch, 12);
  return copy;
}
