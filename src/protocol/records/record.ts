// One record inside a v2 batch (DefaultRecord in Kafka): the types callers see, its exact
// encoded size, and reading/writing it. Layout (varints are zigzag, like protobuf sint32/64):
//
//   length varint            bytes after this field
//   attributes int8          unused, 0
//   timestampDelta varlong   relative to the batch's baseTimestamp
//   offsetDelta varint       relative to the batch's baseOffset
//   keyLength varint, key    -1 = null
//   valueLength varint, value -1 = null
//   headerCount varint, then per header: keyLength varint, key (UTF-8), valueLength varint
//   (-1 = null), value
//
// Reading checks every length against the bytes of this record before using it, and that the
// fields fill the record exactly; keys and values are views of the input, not copies.

import type { Reader } from "../primitives/reader.js";
import type { Writer } from "../primitives/writer.js";
import type { RecordBatchHeader } from "./batch-header.js";
import { TimestampType, timestampTypeOf } from "./batch-header.js";
import { CorruptRecordError } from "./errors.js";

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A record as stored: offset and timestamp relative to its batch (see recordOffset/recordTimestamp). */
export interface Record {
  readonly offsetDelta: number;
  readonly timestampDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** A record to encode: the timestamp is absolute; the batch derives base and deltas. */
export interface RecordInput {
  /** Milliseconds since the epoch (CreateTime). */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** Defaults to the record's index in the batch; set it for batches with gaps (compaction). */
  readonly offsetDelta?: number;
}

/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, header count, one byte each. */
export const MIN_RECORD_BYTES = 7;
/** The smallest record header: key length 0 and value length -1 (or 0). */
const MIN_HEADER_BYTES = 2;
const NULL_LENGTH = -1;

/** Absolute offset of a record: baseOffset + offsetDelta. */
export function recordOffset(header: RecordBatchHeader, record: Record): number {
  return header.baseOffset + record.offsetDelta;
}

/**
 * Absolute timestamp of a record as Kafka reports it: with LogAppendTime every record carries
 * the batch's maxTimestamp (the append time); otherwise baseTimestamp + timestampDelta.
 */
export function recordTimestamp(header: RecordBatchHeader, record: Record): number {
  if (timestampTypeOf(header.attributes) === TimestampType.LogAppendTime) return header.maxTimestamp;
  return header.baseTimestamp + record.timestampDelta;
}

function sizeOfUnsigned(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  let byteCount = 5;
  for (let rest = Math.floor(value / 0x8_0000_0000); rest > 0; rest = Math.floor(rest / 0x80)) byteCount++;
  return byteCount;
}

/** Encoded size of a zigzag varint or varlong. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsigned(value >= 0 ? value * 2 : -value * 2 - 1);
}

function sizeOfNullableBytes(bytes: Buffer | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

/** Header keys encoded once, for sizing and writing; null when the record has no headers. */
export function encodeHeaderKeys(headers: readonly RecordHeader[]): Buffer[] | null {
  if (headers.length === 0) return null;
  return headers.map((header) => Buffer.from(header.key, "utf8"));
}

/** Size of a record's body (everything after its length varint). */
export function sizeOfRecordBody(
  timestampDelta: number,
  offsetDelta: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly RecordHeader[],
  headerKeys: readonly Buffer[] | null,
): number {
  let byteCount = 1 + sizeOfVarint(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfNullableBytes(key) + sizeOfNullableBytes(value);
  byteCount += sizeOfVarint(headers.length);
  if (headerKeys !== null) {
    for (let index = 0; index < headers.length; index++) {
      const headerKey = headerKeys[index];
      byteCount += sizeOfVarint(headerKey.length) + headerKey.length + sizeOfNullableBytes(headers[index].value);
    }
  }
  return byteCount;
}

function writeNullableBytes(writer: Writer, bytes: Buffer | null): void {
  if (bytes === null) {
    writer.varint(NULL_LENGTH);
  } else {
    writer.varint(bytes.length);
    writer.raw(bytes);
  }
}

/** Writes one record; bodyBytes must be sizeOfRecordBody of the same fields. */
export function writeRecord(
  writer: Writer,
  bodyBytes: number,
  timestampDelta: number,
  offsetDelta: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly RecordHeader[],
  headerKeys: readonly Buffer[] | null,
): void {
  writer.varint(bodyBytes);
  writer.int8(0);
  writer.varlong(timestampDelta);
  writer.varint(offsetDelta);
  writeNullableBytes(writer, key);
  writeNullableBytes(writer, value);
  writer.varint(headers.length);
  if (headerKeys !== null) {
    for (let index = 0; index < headers.length; index++) {
      const headerKey = headerKeys[index];
      writer.varint(headerKey.length);
      writer.raw(headerKey);
      writeNullableBytes(writer, headers[index].value);
    }
  }
}

function readNullableBytes(body: Reader, field: string): Buffer | null {
  const length = body.varint();
  if (length === NULL_LENGTH) return null;
  if (length < 0) throw new CorruptRecordError(`record ${field} has invalid length ${length}`);
  if (length > body.remaining) throw new CorruptRecordError(`record ${field} of ${length} bytes overruns its record (${body.remaining} left)`);
  return body.slice(length);
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/** Reads one record (length prefix included) from reader, which must be bounded to the records section. */
export function readRecord(reader: Reader): Record {
  const bodyBytes = reader.varint();
  if (bodyBytes < MIN_RECORD_BYTES - 1) throw new CorruptRecordError(`record length ${bodyBytes} is below the minimum of ${MIN_RECORD_BYTES - 1}`);
  if (bodyBytes > reader.remaining) throw new CorruptRecordError(`record of ${bodyBytes} bytes overruns the batch (${reader.remaining} left)`);
  const body = reader.sub(bodyBytes);
  body.int8(); // attributes: unused by every record format version so far
  const timestampDelta = body.varlong();
  const offsetDelta = body.varint();
  const key = readNullableBytes(body, "key");
  const value = readNullableBytes(body, "value");
  const headerCount = body.varint();
  if (headerCount < 0) throw new CorruptRecordError(`record has invalid header count ${headerCount}`);
  if (headerCount * MIN_HEADER_BYTES > body.remaining) {
    throw new CorruptRecordError(`record claims ${headerCount} headers but only ${body.remaining} bytes remain`);
  }
  let headers = NO_HEADERS;
  if (headerCount > 0) {
    const read: RecordHeader[] = [];
    for (let index = 0; index < headerCount; index++) {
      const keyLength = body.varint();
      if (keyLength < 0) throw new CorruptRecordError(`record header key has invalid length ${keyLength}`);
      if (keyLength > body.remaining) throw new CorruptRecordError(`record header key of ${keyLength} bytes overruns its record`);
      const keyAt = body.offset;
      body.skip(keyLength);
      read.push({ key: body.buffer.toString("utf8", keyAt, keyAt + keyLength), value: readNullableBytes(body, "header value") });
    }
    headers = read;
  }
  if (body.remaining !== 0) throw new CorruptRecordError(`record has ${body.remaining} bytes left after its last header`);
  return { offsetDelta, timestampDelta, key, value, headers };
}
