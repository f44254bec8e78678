// Per-record validation of produced batches: the storage RecordValidator hook (log-validator.ts)
// filled in the way Kafka's LogValidator checks each record of a client's batch, including the
// records inside compressed batches. Storage has already checked the batch header (size, magic,
// CRC, recordCount = lastOffsetDelta + 1, no control batch from a client); this looks inside.
//
// Per record: the structure, by the shared walker (record-walk.ts: every varint and length fits
// its record, the fields fill it exactly, exactly recordCount records and nothing after them);
// then offset deltas are 0, 1, ..., n-1 in order; with CreateTime, each record's timestamp is
// within message.timestamp.before/after.max.ms of now; a compacted topic's records have keys.
//
// Cost: uncompressed batches are walked in place, one varint at a time, with no allocation per
// record. A compressed batch is decompressed once, bounded by decompressedRecordsLimit(config): a
// batch that inflates past it (a decompression bomb) is refused with INVALID_RECORD while
// decompressing, having allocated at most about the limit; undecodable compressed bytes are
// CORRUPT_MESSAGE. The records are only walked, never kept, so LZ4 (the common codec) decodes into
// memory the next batch reuses (decompressTransient).
//
// Error codes follow Kafka: structural record errors, offset deltas and missing keys are
// INVALID_RECORD (InvalidRecordException), bad timestamps INVALID_TIMESTAMP. The error's
// batchIndex is the index of the offending record inside its batch (Kafka's RecordError
// batch_index), or -1 for the batch as a whole.
// Only client appends are checked: coordinator batches are the broker's own, and replicated
// batches were checked by the leader that accepted them.

import type { Clock } from "../lib/clock.js";
import { DecodeError } from "../protocol/primitives/decode-error.js";
import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  CompressionType,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  compressionOf,
  timestampTypeOf,
  TimestampType,
} from "../protocol/records/batch-header.js";
import { decompressTransient } from "../protocol/records/compression.js";
import { DecompressionLimitError } from "../protocol/records/errors.js";
import { MIN_RECORD_BYTES } from "../protocol/records/record.js";
import { MalformedRecordsError, RecordFields, walkRecords } from "../protocol/records/record-walk.js";
import { LogValidationError, type LogConfig, type LogValidationErrorKind, type RecordValidator } from "../storage/index.js";
import type { AppendOrigin } from "../storage/index.js";

/**
 * Decompressed records allowed per byte of max.message.bytes. Producers close a batch on its
 * estimated compressed size, so its records can be several times larger than the batch; 32x
 * covers text and JSON at any codec's usual level while keeping a bomb's cost a constant factor
 * of what was sent.
 */
export const DECOMPRESSION_RATIO_MAX = 32;
/** Never below this: small max.message.bytes settings must still take ordinary compressed batches. */
export const DECOMPRESSED_RECORDS_FLOOR_BYTES = 32 * 1024 * 1024;
/**
 * Never above this, whatever max.message.bytes says: decompression runs on the broker's only
 * thread and its output is held until the batch is walked.
 */
export const DECOMPRESSED_RECORDS_HARD_MAX_BYTES = 128 * 1024 * 1024;

/** The most bytes a batch's records may decompress to under this config. */
export function decompressedRecordsLimit(config: LogConfig): number {
  const scaled = Math.max(DECOMPRESSED_RECORDS_FLOOR_BYTES, config.maxMessageBytes * DECOMPRESSION_RATIO_MAX);
  return Math.min(DECOMPRESSED_RECORDS_HARD_MAX_BYTES, scaled);
}

const TWO_POW_32 = 0x1_0000_0000;
const NO_TIMESTAMP = -1;

export interface RecordValidationOptions {
  /** Now, for the per-record timestamp bounds. */
  readonly clock: Clock;
}

/** Why a record was refused, as (kind, message, record index). */
class RecordFault extends Error {
  constructor(
    readonly kind: LogValidationErrorKind,
    message: string,
    readonly recordIndex: number,
  ) {
    super(message);
  }
}

interface BatchRules {
  readonly recordCount: number;
  readonly requireKeys: boolean;
  /** Check each record's CreateTime against [lowestTimestamp, highestTimestamp]. */
  readonly checkTimestamps: boolean;
  readonly baseTimestamp: number;
  /** now - message.timestamp.before.max.ms */
  readonly lowestTimestamp: number;
  /** now + message.timestamp.after.max.ms */
  readonly highestTimestamp: number;
}

/** Reused by every walk: validation is synchronous, so one walk at a time. */
const fields = new RecordFields();

/**
 * Walks rules.recordCount records from `start` to the end of `buffer` (the batch, or its
 * decompressed records), in place: the structure by the shared walker, then this broker's rules
 * per record (offset deltas 0..n-1, keys on compacted topics, timestamp bounds); throws RecordFault.
 */
function checkRecords(buffer: Buffer, start: number, rules: BatchRules): void {
  const { recordCount, requireKeys, checkTimestamps, baseTimestamp, lowestTimestamp, highestTimestamp } = rules;
  try {
    walkRecords(buffer, start, recordCount, fields, (record) => {
      const index = record.index;
      if (record.offsetDelta !== index) {
        throw new RecordFault("invalid-record", `record ${index}: offset delta ${record.offsetDelta}; expected ${index} (deltas must be 0..${recordCount - 1} in order)`, index);
      }
      if (requireKeys && record.keyLength < 0) throw new RecordFault("invalid-record", "Compacted topic cannot accept message without key", index);
      const timestamp = baseTimestamp + record.timestampDelta;
      if (checkTimestamps && timestamp !== NO_TIMESTAMP && (timestamp < lowestTimestamp || timestamp > highestTimestamp)) {
        throw new RecordFault(
          "invalid-timestamp",
          `record ${index} timestamp ${timestamp} is outside [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms]`,
          index,
        );
      }
    });
  } catch (error) {
    if (error instanceof MalformedRecordsError) throw new RecordFault("invalid-record", error.message, error.recordIndex);
    throw error;
  }
}

function readBaseTimestamp(batch: Buffer): number {
  return batch.readInt32BE(BASE_TIMESTAMP_OFFSET) * TWO_POW_32 + batch.readUInt32BE(BASE_TIMESTAMP_OFFSET + 4);
}

/** Checks every record of one whole batch (header already validated by storage); throws LogValidationError. */
function validateBatch(batch: Buffer, config: LogConfig, nowMs: number): void {
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  const recordCount = batch.readInt32BE(RECORD_COUNT_OFFSET);
  const compression = compressionOf(attributes);
  const rules: BatchRules = {
    recordCount,
    requireKeys: config.cleanupPolicy !== "delete",
    checkTimestamps: config.messageTimestampType === "CreateTime" && timestampTypeOf(attributes) === TimestampType.CreateTime,
    baseTimestamp: readBaseTimestamp(batch),
    lowestTimestamp: nowMs - config.messageTimestampBeforeMaxMs,
    highestTimestamp: nowMs + config.messageTimestampAfterMaxMs,
  };
  if (recordCount < 0) throw new LogValidationError("invalid-record", `the batch declares ${recordCount} records`, -1);
  let records = batch;
  let start = RECORDS_OFFSET;
  if (compression !== CompressionType.None) {
    const limitBytes = decompressedRecordsLimit(config);
    if (recordCount * MIN_RECORD_BYTES > limitBytes) {
      throw new LogValidationError("invalid-record", `the batch declares ${recordCount} records, more than ${limitBytes} decompressed bytes can hold`, -1);
    }
    try {
      records = decompressTransient(compression, batch.subarray(RECORDS_OFFSET), limitBytes);
    } catch (error) {
      if (error instanceof DecompressionLimitError) {
        throw new LogValidationError("invalid-record", `the batch's records decompress to more than ${limitBytes} bytes: ${error.message}`, -1);
      }
      if (error instanceof DecodeError) throw new LogValidationError("corrupt-message", `the batch's compressed records cannot be read: ${error.message}`, -1);
      throw error;
    }
    start = 0;
  }
  try {
    checkRecords(records, start, rules);
  } catch (error) {
    if (error instanceof RecordFault) throw new LogValidationError(error.kind, error.message, error.recordIndex);
    throw error;
  }
}

/** The RecordValidator to install in LogManager (recordValidator option). */
export function createRecordValidator(options: RecordValidationOptions): RecordValidator {
  return (batch: Buffer, origin: AppendOrigin, config: LogConfig): void => {
    if (origin !== "client") return;
    validateBatch(batch, config, options.clock.nowMs());
  };
}
