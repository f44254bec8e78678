// Per-record validation of produced batches: the storage RecordValidator hook (log-validator.ts)
// filled in the way Kafka's LogValidator checks each record of a client's batch, including the
// records inside compressed batches. Storage has already checked the batch header (size, magic,
// CRC, recordCount = lastOffsetDelta + 1, no control batch from a client); this looks inside.
//
// Per record: the length varint (at most 5 bytes) fits the records left; the timestamp delta
// varlong (at most 10 bytes) and every other varint end inside the record; offset deltas are
// 0, 1, ..., n-1 in order; key, value and header lengths are -1 (null, not for header keys) or
// fit the record; the fields fill the record exactly; with CreateTime, each record's timestamp is
// within message.timestamp.before/after.max.ms of now; a compacted topic's records have keys.
// Per batch: exactly recordCount records, and no bytes after them.
//
// Cost: uncompressed batches are walked in place, one varint at a time, with no allocation per
// record. A compressed batch is decompressed once into one
// buffer, bounded by decompressedRecordsLimit(config): a batch that inflates past it (a
// decompression bomb) is refused with INVALID_RECORD while decompressing, having allocated at most
// about the limit; undecodable compressed bytes are CORRUPT_MESSAGE.
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
import { decompress } from "../protocol/records/compression.js";
import { DecompressionLimitError } from "../protocol/records/errors.js";
import { MIN_RECORD_BYTES } from "../protocol/records/record.js";
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

/** The smallest record body: attributes, timestampDelta, offsetDelta, key length, value length, header count. */
const MIN_RECORD_BODY_BYTES = MIN_RECORD_BYTES - 1;
/** The smallest header: key length and value length, one byte each. */
const MIN_HEADER_BYTES = 2;
const VARINT_BYTES_MAX = 5;
const VARLONG_BYTES_MAX = 10;
const NULL_LENGTH = -1;
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

// The walk below reads varints with two small functions that V8 inlines into the loop (one- and
// two-byte varints, which are nearly all of them, take no other path): the value is returned and the position after it left in `positionAfter` (module state, so no result object
// is allocated per read); a malformed varint returns NaN and says why in `varintProblem`. Error
// messages are only built on the (cold) failure paths.

/** Position just after the last varint read. */
let positionAfter = 0;
/** Why the last varint read returned NaN. */
let varintProblem = "";

/** A zigzag varint of at most 5 bytes (an int32) at `position`, not reaching `end`; NaN if malformed. */
function readVarint(buffer: Buffer, position: number, end: number): number {
  if (position < end) {
    const first = buffer[position];
    if (first < 0x80) {
      positionAfter = position + 1;
      return (first >>> 1) ^ -(first & 1);
    }
    if (position + 1 < end) {
      const second = buffer[position + 1];
      if (second < 0x80) {
        const raw = (first & 0x7f) | (second << 7);
        positionAfter = position + 2;
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
  }
  return readLongerVarint(buffer, position, end, VARINT_BYTES_MAX);
}

/** A zigzag varlong of at most 10 bytes; see readLongerVarint for values beyond 2^53. */
function readVarlong(buffer: Buffer, position: number, end: number): number {
  if (position < end) {
    const first = buffer[position];
    if (first < 0x80) {
      positionAfter = position + 1;
      return (first >>> 1) ^ -(first & 1);
    }
    if (position + 1 < end) {
      const second = buffer[position + 1];
      if (second < 0x80) {
        const raw = (first & 0x7f) | (second << 7);
        positionAfter = position + 2;
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
  }
  return readLongerVarint(buffer, position, end, VARLONG_BYTES_MAX);
}

/**
 * The multi-byte case of both. Exact up to 2^53; beyond that a varlong's magnitude is only
 * approximate, which is all the timestamp bounds need (such a timestamp is out of any range).
 */
function readLongerVarint(buffer: Buffer, position: number, end: number, bytesMax: number): number {
  let raw = 0;
  let multiplier = 1;
  let negative = false;
  for (let byteCount = 1; byteCount <= bytesMax; byteCount++) {
    if (position >= end) {
      varintProblem = "runs past the end of the record";
      return Number.NaN;
    }
    const byte = buffer[position++];
    if (byteCount === 1) negative = (byte & 1) === 1;
    raw += (byte & 0x7f) * multiplier;
    multiplier *= 0x80;
    if ((byte & 0x80) === 0) {
      positionAfter = position;
      if (bytesMax === VARINT_BYTES_MAX) {
        if (raw > 0xffff_ffff) {
          varintProblem = "exceeds 32 bits";
          return Number.NaN;
        }
        return (raw >>> 1) ^ -(raw & 1);
      }
      if (byteCount === VARLONG_BYTES_MAX && byte > 1) {
        varintProblem = "exceeds 64 bits";
        return Number.NaN;
      }
      if (raw <= Number.MAX_SAFE_INTEGER) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return negative ? -raw / 2 : raw / 2;
    }
  }
  varintProblem = `is longer than ${bytesMax} bytes`;
  return Number.NaN;
}

function invalid(index: number, message: string): RecordFault {
  return new RecordFault("invalid-record", index < 0 ? message : `record ${index}: ${message}`, index);
}

function badVarint(index: number, field: string): RecordFault {
  return invalid(index, `${field} ${varintProblem}`);
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

/**
 * Walks rules.recordCount records from `start` to the end of `buffer` (the batch, or its
 * decompressed records), in place; throws RecordFault.
 */
function walkRecords(buffer: Buffer, start: number, rules: BatchRules): void {
  const { recordCount, requireKeys, checkTimestamps, baseTimestamp, lowestTimestamp, highestTimestamp } = rules;
  const recordsEnd = buffer.length;
  let position = start;
  for (let index = 0; index < recordCount; index++) {
    if (position >= recordsEnd) throw invalid(-1, `the batch declares ${recordCount} records but holds only ${index}`);
    const bodyBytes = readVarint(buffer, position, recordsEnd);
    if (bodyBytes !== bodyBytes) throw badVarint(index, "length varint");
    position = positionAfter;
    if (bodyBytes < MIN_RECORD_BODY_BYTES) throw invalid(index, `length ${bodyBytes} is below the minimum of ${MIN_RECORD_BODY_BYTES}`);
    if (bodyBytes > recordsEnd - position) throw invalid(index, `${bodyBytes} bytes overrun the batch (${recordsEnd - position} left)`);
    const recordEnd = position + bodyBytes;
    position += 1; // attributes: unused
    const timestampDelta = readVarlong(buffer, position, recordEnd);
    if (timestampDelta !== timestampDelta) throw badVarint(index, "timestampDelta varlong");
    position = positionAfter;
    const offsetDelta = readVarint(buffer, position, recordEnd);
    if (offsetDelta !== offsetDelta) throw badVarint(index, "offsetDelta varint");
    position = positionAfter;
    if (offsetDelta !== index) throw invalid(index, `offset delta ${offsetDelta}; expected ${index} (deltas must be 0..${recordCount - 1} in order)`);
    const keyLength = readVarint(buffer, position, recordEnd);
    if (keyLength !== keyLength) throw badVarint(index, "key length varint");
    position = positionAfter;
    if (keyLength === NULL_LENGTH) {
      if (requireKeys) throw new RecordFault("invalid-record", "Compacted topic cannot accept message without key", index);
    } else {
      if (keyLength < 0 || keyLength > recordEnd - position) throw invalid(index, `key length ${keyLength} does not fit the ${recordEnd - position} bytes left`);
      position += keyLength;
    }
    const valueLength = readVarint(buffer, position, recordEnd);
    if (valueLength !== valueLength) throw badVarint(index, "value length varint");
    position = positionAfter;
    if (valueLength !== NULL_LENGTH) {
      if (valueLength < 0 || valueLength > recordEnd - position) throw invalid(index, `value length ${valueLength} does not fit the ${recordEnd - position} bytes left`);
      position += valueLength;
    }
    const headerCount = readVarint(buffer, position, recordEnd);
    if (headerCount !== headerCount) throw badVarint(index, "header count varint");
    position = positionAfter;
    if (headerCount < 0 || headerCount * MIN_HEADER_BYTES > recordEnd - position) {
      throw invalid(index, `header count ${headerCount} does not fit the ${recordEnd - position} bytes left`);
    }
    for (let header = 0; header < headerCount; header++) {
      const headerKeyLength = readVarint(buffer, position, recordEnd);
      if (headerKeyLength !== headerKeyLength) throw badVarint(index, "header key length varint");
      position = positionAfter;
      if (headerKeyLength < 0 || headerKeyLength > recordEnd - position) throw invalid(index, `header key length ${headerKeyLength} does not fit the ${recordEnd - position} bytes left`);
      position += headerKeyLength;
      const headerValueLength = readVarint(buffer, position, recordEnd);
      if (headerValueLength !== headerValueLength) throw badVarint(index, "header value length varint");
      position = positionAfter;
      if (headerValueLength !== NULL_LENGTH) {
        if (headerValueLength < 0 || headerValueLength > recordEnd - position) {
          throw invalid(index, `header value length ${headerValueLength} does not fit the ${recordEnd - position} bytes left`);
        }
        position += headerValueLength;
      }
    }
    if (position !== recordEnd) throw invalid(index, `${recordEnd - position} bytes left after its last header`);
    const timestamp = baseTimestamp + timestampDelta;
    if (checkTimestamps && timestamp !== NO_TIMESTAMP && (timestamp < lowestTimestamp || timestamp > highestTimestamp)) {
      throw new RecordFault(
        "invalid-timestamp",
        `record ${index} timestamp ${timestamp} is outside [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms]`,
        index,
      );
    }
  }
  if (position !== recordsEnd) throw invalid(-1, `${recordsEnd - position} bytes remain after the ${recordCount} records the batch declares`);
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
      records = decompress(compression, batch.subarray(RECORDS_OFFSET), limitBytes);
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
    walkRecords(records, start, rules);
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
