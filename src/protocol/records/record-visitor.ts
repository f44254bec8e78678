// Walking the records of one v2 batch without building them: visitRecords makes every check
// decodeRecordBatch makes (size, magic, CRC, codec, record count, every length inside every
// record, records filling the batch exactly) but, instead of a Record with Buffer views per
// record, hands the visitor one reused RecordView holding positions. Keys, values and headers
// become objects only when the visitor asks for them. This is what a consumer that counts,
// sums or forwards records (the perf tools) needs at millions of records a second; tools and
// tests that want objects keep decodeRecordBatch.
//
// Records are visited as they are checked, as Kafka's own record iterators do: when a record
// turns out malformed, the records before it in the same batch have already been visited, and
// then the batch fails. The batch-level checks (CRC included) all come before the first visit,
// so in practice only a batch built wrong by its producer fails part way.
//
// The error for a malformed batch is decodeRecordBatch's own, word for word: on the first
// anomaly the fast walk stops and the checked decoder reads the same bytes to say what is wrong.
// A test runs both over mutated and arbitrary bytes and requires the same records or the same
// error.

import { AssertionError } from "../../lib/assert.js";
import { Reader } from "../primitives/reader.js";
import type { RecordBatchHeader } from "./batch-header.js";
import { TimestampType, timestampTypeOf } from "./batch-header.js";
import type { DecodeRecordBatchOptions } from "./record-batch.js";
import { checkedRecordsSection, readRecords } from "./record-batch.js";
import type { RecordHeader } from "./record.js";
import { MIN_RECORD_BYTES } from "./record.js";

const NULL_LENGTH = -1;
/** The smallest record header: key length 0 and value length -1 (or 0). */
const MIN_HEADER_BYTES = 2;
/** A record-format varint takes at most 5 bytes and holds an unsigned 32-bit value. */
const VARINT_BYTES_MAX = 5;
const UINT32_MAX = 0xffff_ffff;
/** Varlongs up to this many bytes (49 bits) are exact in a number; longer ones take Reader's bigint path. */
const VARLONG_FAST_BYTES_MAX = 7;
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);
const EMPTY = Buffer.alloc(0);

/**
 * One record of the batch being walked, as positions into `bytes`. The same object is reused
 * for every record of a batch: read what you need inside the visitor, and copy out anything you
 * keep (key(), value() and headers() return views of `bytes`).
 */
export class RecordView {
  /** The bytes the positions point into: the batch itself, or its decompressed records. */
  bytes: Buffer = EMPTY;
  header: RecordBatchHeader;
  /** Position of the record in its batch, from 0. */
  index = 0;
  offsetDelta = 0;
  timestampDelta = 0;
  /** Where the key starts in `bytes`; keyLength -1 means a null key. */
  keyPosition = 0;
  keyLength = NULL_LENGTH;
  valuePosition = 0;
  valueLength = NULL_LENGTH;
  headerCount = 0;
  /** Where the first header starts in `bytes` (already checked; headers() reads them). */
  headersPosition = 0;

  constructor(header: RecordBatchHeader) {
    this.header = header;
  }

  /** Absolute offset: the batch's baseOffset + offsetDelta. */
  get offset(): number {
    return this.header.baseOffset + this.offsetDelta;
  }

  /** Absolute timestamp as Kafka reports it (LogAppendTime: the batch's maxTimestamp for every record). */
  get timestamp(): number {
    const header = this.header;
    if (timestampTypeOf(header.attributes) === TimestampType.LogAppendTime) return header.maxTimestamp;
    return header.baseTimestamp + this.timestampDelta;
  }

  /** Key bytes as a view of `bytes`, or null. Allocates the view. */
  key(): Buffer | null {
    return this.keyLength === NULL_LENGTH ? null : this.bytes.subarray(this.keyPosition, this.keyPosition + this.keyLength);
  }

  /** Value bytes as a view of `bytes`, or null. Allocates the view. */
  value(): Buffer | null {
    return this.valueLength === NULL_LENGTH ? null : this.bytes.subarray(this.valuePosition, this.valuePosition + this.valueLength);
  }

  /** The record's headers, built on demand (keys decoded as UTF-8, values as views). */
  headers(): readonly RecordHeader[] {
    if (this.headerCount === 0) return NO_HEADERS;
    // The walk checked these bytes already, so a Reader over them cannot fail.
    const reader = new Reader(this.bytes, this.headersPosition);
    const headers: RecordHeader[] = [];
    for (let index = 0; index < this.headerCount; index++) {
      const keyLength = reader.varint();
      const keyAt = reader.offset;
      reader.skip(keyLength);
      const key = this.bytes.toString("utf8", keyAt, keyAt + keyLength);
      const valueLength = reader.varint();
      headers.push({ key, value: valueLength === NULL_LENGTH ? null : reader.slice(valueLength) });
    }
    return headers;
  }
}

export type RecordVisitor = (record: RecordView) => void;

/** Thrown inside the walk at the first anomaly; the checked decoder then produces the real error. */
const MALFORMED = new Error("malformed record (internal signal, never escapes visitRecords)");

/** Position just after the last varint read: a module variable so reading one allocates nothing. */
let nextPosition = 0;

/** A zigzag varint of at most 5 bytes ending before `end`, as Reader.varint reads it. */
function varintAt(bytes: Buffer, position: number, end: number): number {
  let raw = 0;
  let multiplier = 1;
  for (let count = 0; count < VARINT_BYTES_MAX; count++) {
    if (position >= end) throw MALFORMED;
    const byte = bytes[position++];
    raw += (byte & 0x7f) * multiplier;
    if (byte < 0x80) {
      if (raw > UINT32_MAX) throw MALFORMED;
      nextPosition = position;
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    multiplier *= 0x80;
  }
  throw MALFORMED;
}

/** A zigzag varlong, as Reader.varlong reads it (safe integers only). */
function varlongAt(bytes: Buffer, position: number, end: number): number {
  let raw = 0;
  let multiplier = 1;
  for (let count = 0; count < VARLONG_FAST_BYTES_MAX; count++) {
    if (position >= end) throw MALFORMED;
    const byte = bytes[position++];
    raw += (byte & 0x7f) * multiplier;
    if (byte < 0x80) {
      nextPosition = position;
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    multiplier *= 0x80;
  }
  // Past 49 bits (timestamps far from their base, in practice never): Reader's exact path.
  const reader = new Reader(bytes, position - VARLONG_FAST_BYTES_MAX, end);
  let value: number;
  try {
    value = reader.varlong();
  } catch {
    throw MALFORMED;
  }
  nextPosition = reader.offset;
  return value;
}

/** Position after a nullable byte field whose length was just read; -1 (null) takes no bytes. */
function skipNullable(length: number, position: number, end: number): number {
  if (length === NULL_LENGTH) return position;
  if (length < 0 || length > end - position) throw MALFORMED;
  return position + length;
}

/** Walks recordCount records filling bytes exactly, calling visitor for each; throws MALFORMED. */
function walk(bytes: Buffer, recordCount: number, view: RecordView, visitor: RecordVisitor): void {
  const end = bytes.length;
  if (recordCount * MIN_RECORD_BYTES > end) throw MALFORMED;
  let position = 0;
  for (let index = 0; index < recordCount; index++) {
    const bodyBytes = varintAt(bytes, position, end);
    position = nextPosition;
    if (bodyBytes < MIN_RECORD_BYTES - 1 || bodyBytes > end - position) throw MALFORMED;
    const bodyEnd = position + bodyBytes;
    // The attributes byte (unused by every format version so far); bodyBytes >= 6 guarantees it.
    position += 1;
    const timestampDelta = varlongAt(bytes, position, bodyEnd);
    const offsetDelta = varintAt(bytes, nextPosition, bodyEnd);
    const keyLength = varintAt(bytes, nextPosition, bodyEnd);
    const keyPosition = nextPosition;
    position = skipNullable(keyLength, keyPosition, bodyEnd);
    const valueLength = varintAt(bytes, position, bodyEnd);
    const valuePosition = nextPosition;
    position = skipNullable(valueLength, valuePosition, bodyEnd);
    const headerCount = varintAt(bytes, position, bodyEnd);
    position = nextPosition;
    if (headerCount < 0 || headerCount * MIN_HEADER_BYTES > bodyEnd - position) throw MALFORMED;
    const headersPosition = position;
    for (let header = 0; header < headerCount; header++) {
      const headerKeyLength = varintAt(bytes, position, bodyEnd);
      position = nextPosition;
      if (headerKeyLength < 0 || headerKeyLength > bodyEnd - position) throw MALFORMED;
      const headerValueLength = varintAt(bytes, position + headerKeyLength, bodyEnd);
      position = skipNullable(headerValueLength, nextPosition, bodyEnd);
    }
    if (position !== bodyEnd) throw MALFORMED;
    view.index = index;
    view.offsetDelta = offsetDelta;
    view.timestampDelta = timestampDelta;
    view.keyPosition = keyPosition;
    view.keyLength = keyLength;
    view.valuePosition = valuePosition;
    view.valueLength = valueLength;
    view.headerCount = headerCount;
    view.headersPosition = headersPosition;
    visitor(view);
  }
  if (position !== end) throw MALFORMED;
}

/**
 * Checks the one batch that `batch` holds exactly, as decodeRecordBatch does, and calls visitor
 * once per record in order with a reused RecordView. Returns the batch header. Throws
 * decodeRecordBatch's DecodeError (or subclass) for anything invalid, possibly after visiting
 * the records before the bad one; errors thrown by the visitor pass through unchanged.
 */
export function visitRecords(batch: Buffer, options: DecodeRecordBatchOptions, visitor: RecordVisitor): RecordBatchHeader {
  const { header, records } = checkedRecordsSection(batch, options);
  const view = new RecordView(header);
  view.bytes = records;
  try {
    walk(records, header.recordCount, view, visitor);
  } catch (error) {
    if (error !== MALFORMED) throw error;
    // Let the checked decoder find and describe the problem; it must find one.
    readRecords(records, header.recordCount);
    throw new AssertionError(`visitRecords refused a batch that decodeRecordBatch accepts (${header.recordCount} records)`);
  }
  return header;
}
