// Builds a record batch v2 one record at a time, straight into one reusable buffer: the fast
// path for producers that append records as they come (our client's producer, the perf tool).
// Nothing is allocated per record; the header and CRC are written once at build(). For a batch
// built from a ready list of records, encodeRecordBatch (record-batch.ts) is simpler.
//
// Timestamps: the first record's timestamp is the batch's baseTimestamp (later deltas may be
// negative), maxTimestamp the largest, as Kafka's MemoryRecordsBuilder does.

import { assert } from "../../lib/assert.js";
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CRC_OFFSET,
  CURRENT_MAGIC,
  CompressionType,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  TRANSACTIONAL_FLAG_MASK,
  computeBatchCrc,
} from "./batch-header.js";
import { compress } from "./compression.js";
import type { RecordHeader } from "./record.js";

const TWO_POW_32 = 0x1_0000_0000;
const INITIAL_CAPACITY_BYTES = 16 * 1024;

/** Bytes of an unsigned LEB128 varint. */
function unsignedVarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export interface RecordBatchBuilderOptions {
  readonly compression?: CompressionType;
  /** Idempotent producers: their id, epoch and the sequence of the first record. Default -1. */
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly isTransactional?: boolean;
  /** Initial buffer size; the buffer grows (and is kept for reuse) as needed. */
  readonly capacityBytes?: number;
}

export class RecordBatchBuilder {
  private buffer: Buffer;
  private position = RECORDS_OFFSET;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private options: RecordBatchBuilderOptions;

  constructor(options: RecordBatchBuilderOptions = {}) {
    this.options = options;
    this.buffer = Buffer.allocUnsafe(Math.max(options.capacityBytes ?? INITIAL_CAPACITY_BYTES, RECORDS_OFFSET + 64));
  }

  /** Records appended since the last reset. */
  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch built from the records so far, before any compression. */
  get sizeBytes(): number {
    return this.position;
  }

  /** The encoded size a record would add (to decide whether it still fits a batch). */
  static recordSizeBytes(key: Buffer | null, value: Buffer | null, headers?: readonly RecordHeader[]): number {
    // Upper bound for the deltas (5 + 10 bytes) keeps this independent of the batch's state.
    const body = 1 + 10 + 5 + RecordBatchBuilder.lengthPrefixed(key) + RecordBatchBuilder.lengthPrefixed(value) + RecordBatchBuilder.headersSize(headers);
    return unsignedVarintSize(zigzag(body)) + body;
  }

  private static lengthPrefixed(bytes: Buffer | null): number {
    return bytes === null ? 1 : unsignedVarintSize(zigzag(bytes.length)) + bytes.length;
  }

  private static headersSize(headers: readonly RecordHeader[] | undefined): number {
    if (headers === undefined || headers.length === 0) return 1;
    let size = unsignedVarintSize(zigzag(headers.length));
    for (const header of headers) {
      const keyBytes = Buffer.byteLength(header.key, "utf8");
      size += unsignedVarintSize(zigzag(keyBytes)) + keyBytes + RecordBatchBuilder.lengthPrefixed(header.value);
    }
    return size;
  }

  /** Starts a new batch, keeping the buffer; options may change (a new sequence, say). */
  reset(options?: RecordBatchBuilderOptions): void {
    if (options !== undefined) this.options = options;
    this.position = RECORDS_OFFSET;
    this.count = 0;
  }

  private ensure(byteCount: number): void {
    if (this.position + byteCount <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + byteCount));
    this.buffer.copy(next, 0, 0, this.position);
    this.buffer = next;
  }

  private writeUnsignedVarint(value: number): void {
    const buffer = this.buffer;
    let position = this.position;
    while (value >= 0x80) {
      buffer[position++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    buffer[position++] = value;
    this.position = position;
  }

  private writeBytes(bytes: Buffer | null): void {
    if (bytes === null) {
      this.buffer[this.position++] = 1; // zigzag(-1)
      return;
    }
    this.writeUnsignedVarint(bytes.length * 2);
    bytes.copy(this.buffer, this.position);
    this.position += bytes.length;
  }

  append(timestampMs: number, key: Buffer | null, value: Buffer | null, headers?: readonly RecordHeader[]): void {
    if (this.count === 0) {
      this.baseTimestamp = timestampMs;
      this.maxTimestamp = timestampMs;
    } else if (timestampMs > this.maxTimestamp) {
      this.maxTimestamp = timestampMs;
    }
    const timestampDelta = zigzag(timestampMs - this.baseTimestamp);
    const offsetDelta = this.count * 2;
    const bodyBytes =
      1 +
      unsignedVarintSize(timestampDelta) +
      unsignedVarintSize(offsetDelta) +
      RecordBatchBuilder.lengthPrefixed(key) +
      RecordBatchBuilder.lengthPrefixed(value) +
      RecordBatchBuilder.headersSize(headers);
    this.ensure(5 + bodyBytes);
    this.writeUnsignedVarint(bodyBytes * 2);
    this.buffer[this.position++] = 0; // attributes
    this.writeUnsignedVarint(timestampDelta);
    this.writeUnsignedVarint(offsetDelta);
    this.writeBytes(key);
    this.writeBytes(value);
    if (headers === undefined || headers.length === 0) {
      this.buffer[this.position++] = 0;
    } else {
      this.writeUnsignedVarint(headers.length * 2);
      for (const header of headers) {
        const keyBytes = Buffer.byteLength(header.key, "utf8");
        this.writeUnsignedVarint(keyBytes * 2);
        this.position += this.buffer.write(header.key, this.position, keyBytes, "utf8");
        this.writeBytes(header.value);
      }
    }
    this.count++;
  }

  /**
   * Finishes the batch: header, optional compression, CRC. The result is a view of the builder's
   * buffer when uncompressed: use it (send it) before the next reset().
   */
  build(): Buffer {
    assert(this.count > 0, "a batch needs at least one record");
    const compression = this.options.compression ?? CompressionType.None;
    let batch: Buffer;
    if (compression === CompressionType.None) {
      batch = this.buffer.subarray(0, this.position);
    } else {
      const compressed = compress(compression, this.buffer.subarray(RECORDS_OFFSET, this.position));
      batch = Buffer.allocUnsafe(RECORDS_OFFSET + compressed.length);
      compressed.copy(batch, RECORDS_OFFSET);
    }
    const writeInt64 = (at: number, value: number): void => {
      const high = Math.floor(value / TWO_POW_32);
      batch.writeInt32BE(high, at);
      batch.writeUInt32BE(value - high * TWO_POW_32, at + 4);
    };
    writeInt64(BASE_OFFSET_OFFSET, 0);
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
    batch.writeInt32BE(NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
    batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
    let attributes = compression & COMPRESSION_CODEC_MASK;
    if (this.options.isTransactional === true) attributes |= TRANSACTIONAL_FLAG_MASK;
    batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
    batch.writeInt32BE(this.count - 1, LAST_OFFSET_DELTA_OFFSET);
    writeInt64(BASE_TIMESTAMP_OFFSET, this.baseTimestamp);
    writeInt64(MAX_TIMESTAMP_OFFSET, this.maxTimestamp);
    writeInt64(PRODUCER_ID_OFFSET, this.options.producerId ?? NO_PRODUCER_ID);
    batch.writeInt16BE(this.options.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
    batch.writeInt32BE(this.options.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
    batch.writeInt32BE(this.count, RECORD_COUNT_OFFSET);
    batch.writeUInt32BE(computeBatchCrc(batch), CRC_OFFSET);
    return batch;
  }
}
