// Record batch v2 as a whole: building one from records (producers, coordinators writing their
// internal topics, the cleaner) and decoding one into records (validation, compaction, tools).
// The broker's append and fetch paths never need this: they treat a batch as opaque bytes
// (batch-header.ts). Header layout and field offsets: batch-header.ts.
//
// Encoding sizes every record first (each record is prefixed by its length, and the batch by
// its total), so the bytes go into one Writer sized exactly once, with no per-record buffers and
// one CRC pass at the end.
//
// Decoding checks, before using anything: the size, magic, CRC, compression id, that the record
// count fits in the bytes, every length inside each record, and that the records fill the batch
// exactly. Decompression is bounded by maxDecompressedBytes. Bad bytes only ever raise
// DecodeError (CorruptRecordError, CompressionError, DecompressionLimitError).

import { AssertionError, assert } from "../../lib/assert.js";
import { DecodeError } from "../primitives/decode-error.js";
import { Reader } from "../primitives/reader.js";
import { Writer } from "../primitives/writer.js";
import type { RecordBatchHeader } from "./batch-header.js";
import {
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CompressionType,
  CRC_OFFSET,
  CURRENT_MAGIC,
  DELETE_HORIZON_FLAG_MASK,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  RECORDS_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TimestampType,
  TRANSACTIONAL_FLAG_MASK,
  compressionOf,
  computeBatchCrc,
  readBatchHeader,
} from "./batch-header.js";
import { compress, decompress } from "./compression.js";
import { CorruptRecordError, DecompressionLimitError } from "./errors.js";
import type { Record, RecordHeader, RecordInput } from "./record.js";
import { MIN_RECORD_BYTES, encodeHeaderKeys, readRecord, sizeOfRecordBody, sizeOfVarint, writeRecord } from "./record.js";

const INT16_MAX = 0x7fff;
const INT32_MAX = 0x7fff_ffff;
const INT32_MIN = -0x8000_0000;
/** Codec ids 5-7 are unassigned. */
const MAX_COMPRESSION_ID = CompressionType.Zstd;
const NO_HEADERS: readonly RecordHeader[] = [];
/**
 * Writer reserves room for the longest varlong (10 bytes) before writing one, whatever its
 * actual length; this much spare capacity keeps an exactly-sized writer from growing (and
 * copying the whole batch) at its last varint.
 */
const WRITER_SLACK_BYTES = 10;
const EMPTY_PAYLOAD = Buffer.alloc(0);

export interface EncodeRecordBatchOptions {
  readonly records: readonly RecordInput[];
  /** Default 0: the broker assigns offsets on append. */
  readonly baseOffset?: number;
  /** Default -1 (NO_PARTITION_LEADER_EPOCH): the broker sets it on append. */
  readonly partitionLeaderEpoch?: number;
  /** Default None. */
  readonly compression?: CompressionType;
  /** Default CreateTime. */
  readonly timestampType?: TimestampType;
  /** Required with LogAppendTime: stored as maxTimestamp, which every record then reports. */
  readonly logAppendTimeMs?: number;
  readonly isTransactional?: boolean;
  readonly isControl?: boolean;
  /** Defaults -1 (not idempotent). */
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  /**
   * Default: the last record's offsetDelta. Set it to keep an offset range wider than the
   * records (a compacted batch keeps its original range); required when records is empty.
   */
  readonly lastOffsetDelta?: number;
  /**
   * Sets the delete-horizon flag (compaction, KIP-534): baseTimestamp then holds this time
   * instead of the first record's timestamp, and record deltas are relative to it.
   */
  readonly deleteHorizonMs?: number;
}

export interface DecodeRecordBatchOptions {
  /** Upper bound on the decompressed records section of a compressed batch. */
  readonly maxDecompressedBytes: number;
  /** Default true. Skip only when the caller has just checked isBatchCrcValid on these bytes. */
  readonly verifyCrc?: boolean;
}

export interface DecodedRecordBatch {
  readonly header: RecordBatchHeader;
  /** Keys, values and header values are views of the batch (or of its decompressed records): copy to keep them past the buffer's life. */
  readonly records: Record[];
}

function attributesOf(options: EncodeRecordBatchOptions, compression: CompressionType, timestampType: TimestampType): number {
  let attributes: number = compression;
  if (timestampType === TimestampType.LogAppendTime) attributes |= TIMESTAMP_TYPE_MASK;
  if (options.isTransactional === true) attributes |= TRANSACTIONAL_FLAG_MASK;
  if (options.isControl === true) attributes |= CONTROL_FLAG_MASK;
  if (options.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_FLAG_MASK;
  return attributes;
}

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

/** Builds one complete v2 batch: header, records (compressed if asked), CRC. */
export function encodeRecordBatch(options: EncodeRecordBatchOptions): Buffer {
  const records = options.records;
  const compression = options.compression ?? CompressionType.None;
  const timestampType = options.timestampType ?? TimestampType.CreateTime;
  const baseOffset = options.baseOffset ?? 0;
  const partitionLeaderEpoch = options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH;
  const producerId = options.producerId ?? NO_PRODUCER_ID;
  const producerEpoch = options.producerEpoch ?? NO_PRODUCER_EPOCH;
  const baseSequence = options.baseSequence ?? NO_SEQUENCE;
  assert(compression >= CompressionType.None && compression <= MAX_COMPRESSION_ID, `unknown compression type ${compression}`);
  assert(Number.isSafeInteger(baseOffset) && baseOffset >= 0, `bad baseOffset ${baseOffset}`);
  assert(isInt32(partitionLeaderEpoch), `bad partitionLeaderEpoch ${partitionLeaderEpoch}`);
  assert(Number.isSafeInteger(producerId), `bad producerId ${producerId}`);
  assert(Number.isInteger(producerEpoch) && producerEpoch >= -1 && producerEpoch <= INT16_MAX, `bad producerEpoch ${producerEpoch}`);
  assert(isInt32(baseSequence), `bad baseSequence ${baseSequence}`);
  assert(records.length > 0 || options.lastOffsetDelta !== undefined, "an empty batch needs an explicit lastOffsetDelta");
  assert(
    (timestampType === TimestampType.LogAppendTime) === (options.logAppendTimeMs !== undefined),
    "logAppendTimeMs is required with LogAppendTime and only then",
  );

  // Java's MemoryRecordsBuilder takes the first record's timestamp as the base (deltas may be
  // negative); a delete horizon replaces it.
  const baseTimestamp = options.deleteHorizonMs ?? (records.length > 0 ? records[0].timestamp : NO_TIMESTAMP);
  assert(Number.isSafeInteger(baseTimestamp), `bad base timestamp ${baseTimestamp}`);

  // Pass 1: exact sizes, deltas and maxTimestamp.
  const bodySizes = new Array<number>(records.length);
  const headerKeys = new Array<Buffer[] | null>(records.length);
  let recordsBytes = 0;
  let maxTimestamp = NO_TIMESTAMP;
  let previousOffsetDelta = -1;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const offsetDelta = record.offsetDelta ?? index;
    // Checked without assert(): its message would be built for every record of every batch.
    if (!(isInt32(offsetDelta) && offsetDelta > previousOffsetDelta)) {
      throw new AssertionError(`offsetDelta ${offsetDelta} of record ${index} is not increasing`);
    }
    previousOffsetDelta = offsetDelta;
    const timestampDelta = record.timestamp - baseTimestamp;
    if (!(Number.isSafeInteger(record.timestamp) && Number.isSafeInteger(timestampDelta))) {
      throw new AssertionError(`bad timestamp ${record.timestamp} of record ${index}`);
    }
    if (index === 0 || record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
    const headers = record.headers ?? NO_HEADERS;
    const keys = encodeHeaderKeys(headers);
    headerKeys[index] = keys;
    const bodyBytes = sizeOfRecordBody(timestampDelta, offsetDelta, record.key, record.value, headers, keys);
    bodySizes[index] = bodyBytes;
    recordsBytes += sizeOfVarint(bodyBytes) + bodyBytes;
  }
  const lastOffsetDelta = options.lastOffsetDelta ?? previousOffsetDelta;
  assert(isInt32(lastOffsetDelta) && lastOffsetDelta >= previousOffsetDelta, `lastOffsetDelta ${lastOffsetDelta} is below the last record's`);
  if (timestampType === TimestampType.LogAppendTime) maxTimestamp = options.logAppendTimeMs ?? NO_TIMESTAMP;
  assert(Number.isSafeInteger(maxTimestamp), `bad maxTimestamp ${maxTimestamp}`);

  const fields: HeaderFields = {
    baseOffset,
    partitionLeaderEpoch,
    attributes: attributesOf(options, compression, timestampType),
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    recordCount: records.length,
  };

  // Pass 2: records, straight after the header in one exactly-sized writer when uncompressed.
  const uncompressed = compression === CompressionType.None;
  const writer = new Writer((uncompressed ? RECORDS_OFFSET + recordsBytes : recordsBytes) + WRITER_SLACK_BYTES);
  if (uncompressed) writeHeader(writer, fields, RECORDS_OFFSET + recordsBytes);
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    writeRecord(
      writer,
      bodySizes[index],
      record.timestamp - baseTimestamp,
      record.offsetDelta ?? index,
      record.key,
      record.value,
      record.headers ?? NO_HEADERS,
      headerKeys[index],
    );
  }
  let batch: Buffer;
  if (uncompressed) {
    batch = writer.toBuffer();
  } else {
    // No records, no payload: nobody decompresses an empty batch (Java and kafkajs skip it by
    // its count), and not every reader accepts an empty compressed stream.
    const payload = records.length === 0 ? EMPTY_PAYLOAD : compress(compression, writer.toBuffer());
    const batchWriter = new Writer(RECORDS_OFFSET + payload.length);
    writeHeader(batchWriter, fields, RECORDS_OFFSET + payload.length);
    batch = batchWriter.raw(payload).toBuffer();
  }
  // The CRC last, once, over everything from attributes on.
  batch.writeUInt32BE(computeBatchCrc(batch), CRC_OFFSET);
  return batch;
}

interface HeaderFields {
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

/** Writes the 61-byte header with a zero CRC, filled in once the batch is complete. */
function writeHeader(writer: Writer, fields: HeaderFields, batchBytes: number): void {
  assert(batchBytes - LOG_OVERHEAD <= INT32_MAX, `batch of ${batchBytes} bytes is too large`);
  writer
    .int64(fields.baseOffset)
    .int32(batchBytes - LOG_OVERHEAD)
    .int32(fields.partitionLeaderEpoch)
    .int8(CURRENT_MAGIC)
    .uint32(0)
    .int16(fields.attributes)
    .int32(fields.lastOffsetDelta)
    .int64(fields.baseTimestamp)
    .int64(fields.maxTimestamp)
    .int64(fields.producerId)
    .int16(fields.producerEpoch)
    .int32(fields.baseSequence)
    .int32(fields.recordCount);
}

/**
 * Decodes the one batch that `batch` holds exactly (use recordBatches() to split a buffer of
 * several). Throws DecodeError (or a subclass) for anything invalid.
 */
export function decodeRecordBatch(batch: Buffer, options: DecodeRecordBatchOptions): DecodedRecordBatch {
  const section = checkedRecordsSection(batch, options);
  return { header: section.header, records: readRecords(section.records, section.header.recordCount) };
}

/** A checked batch header and its records section, decompressed when the batch is compressed. */
export interface RecordsSection {
  readonly header: RecordBatchHeader;
  /** The records, back to back: a view of the batch, or the decompressed bytes. */
  readonly records: Buffer;
}

/**
 * Everything decodeRecordBatch checks before reading records (size, magic, CRC, codec, count
 * sign, decompression bound), then the records section. Shared with visitRecords, so both
 * refuse the same batches with the same errors.
 */
export function checkedRecordsSection(batch: Buffer, options: DecodeRecordBatchOptions): RecordsSection {
  const header = readBatchHeader(batch);
  if (header.magic !== CURRENT_MAGIC) throw new CorruptRecordError(`unsupported record batch magic ${header.magic}`);
  if (header.batchLength + LOG_OVERHEAD !== batch.length) {
    throw new CorruptRecordError(`batchLength ${header.batchLength} does not match the ${batch.length} bytes given (expected ${batch.length - LOG_OVERHEAD})`);
  }
  if ((options.verifyCrc ?? true) && header.crc !== computeBatchCrc(batch)) {
    throw new CorruptRecordError(`record batch CRC mismatch (stored 0x${header.crc.toString(16)}, computed 0x${computeBatchCrc(batch).toString(16)})`);
  }
  const compressionId = header.attributes & COMPRESSION_CODEC_MASK;
  if (compressionId > MAX_COMPRESSION_ID) throw new CorruptRecordError(`unknown compression type ${compressionId}`);
  const recordCount = header.recordCount;
  if (recordCount < 0) throw new CorruptRecordError(`negative record count ${recordCount}`);

  let records: Buffer = batch.subarray(RECORD_BATCH_OVERHEAD);
  const compression = compressionOf(header.attributes);
  if (compression !== CompressionType.None && records.length > 0) {
    const maxBytes = options.maxDecompressedBytes;
    assert(Number.isSafeInteger(maxBytes) && maxBytes >= 0, `bad maxDecompressedBytes ${maxBytes}`);
    if (recordCount * MIN_RECORD_BYTES > maxBytes) {
      throw new DecompressionLimitError(maxBytes, `${recordCount} records need at least ${recordCount * MIN_RECORD_BYTES} bytes`);
    }
    records = decompress(compression, records, maxBytes);
  }
  return { header, records };
}

/** Reads recordCount records filling `bytes` exactly; throws CorruptRecordError otherwise. */
export function readRecords(bytes: Buffer, recordCount: number): Record[] {
  // Every record takes at least MIN_RECORD_BYTES, so a count the bytes cannot hold is refused
  // before reading (and the array below never outgrows the input).
  if (recordCount * MIN_RECORD_BYTES > bytes.length) {
    throw new CorruptRecordError(`batch claims ${recordCount} records but holds only ${bytes.length} bytes of records`);
  }
  const reader = new Reader(bytes);
  const records: Record[] = [];
  for (let index = 0; index < recordCount; index++) {
    try {
      records.push(readRecord(reader));
    } catch (error) {
      if (error instanceof CorruptRecordError || !(error instanceof DecodeError)) throw error;
      throw new CorruptRecordError(`record ${index}: ${error.message}`, { cause: error });
    }
  }
  if (reader.remaining !== 0) throw new CorruptRecordError(`${reader.remaining} bytes left after the batch's ${recordCount} records`);
  return records;
}
