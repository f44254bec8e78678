// Walking the records of a v2 batch in place: every length varint read and checked against the
// bytes that hold it, no object built per record. One walker serves the broker's per-record
// validation of produced batches (src/broker/record-validation.ts) and the zero-allocation reader
// of fetched batches (visitRecords); each adds its own rules in the visit callback.
//
// Checked here, per record: the length varint (at most 5 bytes) fits the records left; the
// timestamp delta varlong (at most 10 bytes) and every other varint end inside the record; key,
// value and header value lengths are -1 (null) or fit the record, header keys are never null;
// the fields fill the record exactly. Per walk: exactly recordCount records and no bytes after
// them. A fault throws MalformedRecordsError naming the record and the field.
//
// Varints are read by two small functions that V8 inlines into the loop (one- and two-byte
// varints, nearly all of them, take no other path). Each returns the value and leaves the
// position after it in a module variable (no result object per read); a malformed varint returns
// NaN and says why in another. Error messages are built only on the failure paths.

import { MIN_RECORD_BYTES } from "./record.js";

/** The smallest record body: attributes, timestampDelta, offsetDelta, key length, value length, header count. */
const MIN_RECORD_BODY_BYTES = MIN_RECORD_BYTES - 1;
/** The smallest header: key length and value length, one byte each. */
const MIN_HEADER_BYTES = 2;
const VARINT_BYTES_MAX = 5;
const VARLONG_BYTES_MAX = 10;
const NULL_LENGTH = -1;

/**
 * The fields of the record being walked, as values and positions into `bytes`. One object is
 * reused for every record of a walk: read what you need inside the callback.
 */
export class RecordFields {
  /** The bytes the positions point into: the batch, or its decompressed records. */
  bytes: Buffer = Buffer.alloc(0);
  /** Position of the record in its batch, from 0. */
  index = 0;
  /** Exact up to 2^53; beyond, only approximate (see readLongerVarint). */
  timestampDelta = 0;
  offsetDelta = 0;
  /** Where the key starts in `bytes`; keyLength -1 means a null key. */
  keyPosition = 0;
  keyLength = NULL_LENGTH;
  valuePosition = 0;
  valueLength = NULL_LENGTH;
  headerCount = 0;
  /** Where the first header starts in `bytes` (its lengths already checked). */
  headersPosition = 0;
}

/** The records do not have the structure their batch declares. */
export class MalformedRecordsError extends Error {
  constructor(
    message: string,
    /** The offending record's index in its batch, or -1 for the batch as a whole. */
    readonly recordIndex: number,
  ) {
    super(message);
  }
}

/** Position just after the last varint read. */
let positionAfter = 0;
/** Why the last varint read returned NaN. */
let varintProblem = "";

/**
 * A zigzag varint of at most bytesMax bytes (VARINT_BYTES_MAX for an int32, VARLONG_BYTES_MAX for
 * an int64) at `position`, not reaching `end`; NaN if malformed. One and two bytes, the usual
 * lengths in records, are read here; longer ones by readLongerVarint.
 */
function readZigzag(buffer: Buffer, position: number, end: number, bytesMax: number): number {
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
  return readLongerVarint(buffer, position, end, bytesMax);
}

/**
 * The longer case of readZigzag. Exact up to 2^53; beyond that a varlong's magnitude is only
 * approximate, which is all a timestamp bound needs (such a timestamp is out of any range).
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

function malformed(index: number, message: string): MalformedRecordsError {
  return new MalformedRecordsError(index < 0 ? message : `record ${index}: ${message}`, index);
}

function badVarint(index: number, field: string): MalformedRecordsError {
  return malformed(index, `${field} ${varintProblem}`);
}

/**
 * Walks recordCount records from `start` to the end of `bytes` (a batch, or its decompressed
 * records), filling `fields` and calling visit after each record; throws MalformedRecordsError at
 * the first fault (the records before it have been visited). Errors thrown by visit pass through.
 */
export function walkRecords(bytes: Buffer, start: number, recordCount: number, fields: RecordFields, visit: (fields: RecordFields) => void): void {
  const recordsEnd = bytes.length;
  fields.bytes = bytes;
  let position = start;
  for (let index = 0; index < recordCount; index++) {
    if (position >= recordsEnd) throw malformed(-1, `the batch declares ${recordCount} records but holds only ${index}`);
    const bodyBytes = readZigzag(bytes, position, recordsEnd, VARINT_BYTES_MAX);
    if (bodyBytes !== bodyBytes) throw badVarint(index, "length varint");
    position = positionAfter;
    if (bodyBytes < MIN_RECORD_BODY_BYTES) throw malformed(index, `length ${bodyBytes} is below the minimum of ${MIN_RECORD_BODY_BYTES}`);
    if (bodyBytes > recordsEnd - position) throw malformed(index, `${bodyBytes} bytes overrun the batch (${recordsEnd - position} left)`);
    const recordEnd = position + bodyBytes;
    position += 1; // attributes: unused
    const timestampDelta = readZigzag(bytes, position, recordEnd, VARLONG_BYTES_MAX);
    if (timestampDelta !== timestampDelta) throw badVarint(index, "timestampDelta varlong");
    position = positionAfter;
    const offsetDelta = readZigzag(bytes, position, recordEnd, VARINT_BYTES_MAX);
    if (offsetDelta !== offsetDelta) throw badVarint(index, "offsetDelta varint");
    position = positionAfter;
    const keyLength = readZigzag(bytes, position, recordEnd, VARINT_BYTES_MAX);
    if (keyLength !== keyLength) throw badVarint(index, "key length varint");
    position = positionAfter;
    const keyPosition = position;
    if (keyLength !== NULL_LENGTH) {
      if (keyLength < 0 || keyLength > recordEnd - position) throw malformed(index, `key length ${keyLength} does not fit the ${recordEnd - position} bytes left`);
      position += keyLength;
    }
    const valueLength = readZigzag(bytes, position, recordEnd, VARINT_BYTES_MAX);
    if (valueLength !== valueLength) throw badVarint(index, "value length varint");
    position = positionAfter;
    const valuePosition = position;
    if (valueLength !== NULL_LENGTH) {
      if (valueLength < 0 || valueLength > recordEnd - position) throw malformed(index, `value length ${valueLength} does not fit the ${recordEnd - position} bytes left`);
      position += valueLength;
    }
    const headerCount = readZigzag(bytes, position, recordEnd, VARINT_BYTES_MAX);
    if (headerCount !== headerCount) throw badVarint(index, "header count varint");
    position = positionAfter;
    if (headerCount < 0 || headerCount * MIN_HEADER_BYTES > recordEnd - position) {
      throw malformed(index, `header count ${headerCount} does not fit the ${recordEnd - position} bytes left`);
    }
    const headersPosition = position;
    for (let header = 0; header < headerCount; header++) {
      const headerKeyLength = readZigzag(bytes, position, recordEnd, VARINT_BYTES_MAX);
      if (headerKeyLength !== headerKeyLength) throw badVarint(index, "header key length varint");
      position = positionAfter;
      if (headerKeyLength < 0 || headerKeyLength > recordEnd - position) throw malformed(index, `header key length ${headerKeyLength} does not fit the ${recordEnd - position} bytes left`);
      position += headerKeyLength;
      const headerValueLength = readZigzag(bytes, position, recordEnd, VARINT_BYTES_MAX);
      if (headerValueLength !== headerValueLength) throw badVarint(index, "header value length varint");
      position = positionAfter;
      if (headerValueLength !== NULL_LENGTH) {
        if (headerValueLength < 0 || headerValueLength > recordEnd - position) {
          throw malformed(index, `header value length ${headerValueLength} does not fit the ${recordEnd - position} bytes left`);
        }
        position += headerValueLength;
      }
    }
    if (position !== recordEnd) throw malformed(index, `${recordEnd - position} bytes left after its last header`);
    fields.index = index;
    fields.timestampDelta = timestampDelta;
    fields.offsetDelta = offsetDelta;
    fields.keyPosition = keyPosition;
    fields.keyLength = keyLength;
    fields.valuePosition = valuePosition;
    fields.valueLength = valueLength;
    fields.headerCount = headerCount;
    fields.headersPosition = headersPosition;
    visit(fields);
  }
  if (position !== recordsEnd) throw malformed(-1, `${recordsEnd - position} bytes remain after the ${recordCount} records the batch declares`);
}
