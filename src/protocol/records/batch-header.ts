// The fixed 61-byte header of a record batch (magic 2), read and patched in place without
// decoding records. Layout (big-endian; DefaultRecordBatch in Kafka):
//
//   0  baseOffset int64          27 baseTimestamp int64
//   8  batchLength int32         35 maxTimestamp int64
//  12  partitionLeaderEpoch int32 43 producerId int64
//  16  magic int8               51 producerEpoch int16
//  17  crc uint32               53 baseSequence int32
//  21  attributes int16         57 recordCount int32
//  23  lastOffsetDelta int32    61 records...
//
// batchLength counts the bytes after itself, so a batch occupies batchLength + 12 bytes.
// The CRC-32C covers bytes [21, end): baseOffset and partitionLeaderEpoch can be rewritten by the
// broker without touching it.

import { DecodeError } from "../primitives/decode-error.js";
import { crc32c } from "./crc32c.js";

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Bytes of header before the records: the smallest possible batch. */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

export enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

export interface RecordBatchHeader {
  readonly baseOffset: number;
  readonly batchLength: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

const TWO_POW_32 = 0x1_0000_0000;

function readInt64(buffer: Buffer, at: number): number {
  const high = buffer.readInt32BE(at);
  const low = buffer.readUInt32BE(at + 4);
  if (high >= 0x20_0000 || high < -0x20_0000) throw new DecodeError(`int64 at ${at} does not fit a safe integer`);
  return high * TWO_POW_32 + low;
}

function writeInt64(buffer: Buffer, at: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * TWO_POW_32, at + 4);
}

/** Total size in bytes of the batch starting at `position`, from its batchLength field. */
export function batchSizeAt(buffer: Buffer, position = 0): number {
  if (buffer.length - position < LOG_OVERHEAD) throw new DecodeError("record batch header truncated");
  return buffer.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
}

/** Reads the header of the batch at `position`; checks that the whole header is there, not the CRC. */
export function readBatchHeader(buffer: Buffer, position = 0): RecordBatchHeader {
  if (buffer.length - position < RECORD_BATCH_OVERHEAD) {
    throw new DecodeError(`record batch header needs ${RECORD_BATCH_OVERHEAD} bytes, ${buffer.length - position} remain`);
  }
  const at = position;
  return {
    baseOffset: readInt64(buffer, at + BASE_OFFSET_OFFSET),
    batchLength: buffer.readInt32BE(at + BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: buffer.readInt32BE(at + PARTITION_LEADER_EPOCH_OFFSET),
    magic: buffer.readInt8(at + MAGIC_OFFSET),
    crc: buffer.readUInt32BE(at + CRC_OFFSET),
    attributes: buffer.readInt16BE(at + ATTRIBUTES_OFFSET),
    lastOffsetDelta: buffer.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: readInt64(buffer, at + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buffer, at + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buffer, at + PRODUCER_ID_OFFSET),
    producerEpoch: buffer.readInt16BE(at + PRODUCER_EPOCH_OFFSET),
    baseSequence: buffer.readInt32BE(at + BASE_SEQUENCE_OFFSET),
    recordCount: buffer.readInt32BE(at + RECORD_COUNT_OFFSET),
  };
}

/** CRC-32C over [attributes, end) of one whole batch occupying `batch`. */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(ATTRIBUTES_OFFSET));
}

/** True when the stored CRC matches the bytes of one whole batch occupying `batch`. */
export function isBatchCrcValid(batch: Buffer): boolean {
  if (batch.length < RECORD_BATCH_OVERHEAD) return false;
  return batch.readUInt32BE(CRC_OFFSET) === computeBatchCrc(batch);
}

/** Recomputes and stores the CRC (after rewriting a CRC-covered field such as maxTimestamp). */
export function writeBatchCrc(batch: Buffer): void {
  batch.writeUInt32BE(computeBatchCrc(batch), CRC_OFFSET);
}

export function setBaseOffset(batch: Buffer, baseOffset: number): void {
  writeInt64(batch, BASE_OFFSET_OFFSET, baseOffset);
}

export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  batch.writeInt32BE(epoch, PARTITION_LEADER_EPOCH_OFFSET);
}

/** Sets maxTimestamp and the LogAppendTime flag, then the CRC (both fields are CRC-covered). */
export function setLogAppendTime(batch: Buffer, timestampMs: number): void {
  writeInt64(batch, MAX_TIMESTAMP_OFFSET, timestampMs);
  batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_OFFSET) | TIMESTAMP_TYPE_MASK, ATTRIBUTES_OFFSET);
  writeBatchCrc(batch);
}

export function compressionOf(attributes: number): CompressionType {
  return attributes & COMPRESSION_CODEC_MASK;
}

export function timestampTypeOf(attributes: number): TimestampType {
  return (attributes & TIMESTAMP_TYPE_MASK) === 0 ? TimestampType.CreateTime : TimestampType.LogAppendTime;
}

export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_FLAG_MASK) !== 0;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & CONTROL_FLAG_MASK) !== 0;
}

/** Offset of the last record in the batch: baseOffset + lastOffsetDelta. */
export function lastOffsetOf(header: RecordBatchHeader): number {
  return header.baseOffset + header.lastOffsetDelta;
}
