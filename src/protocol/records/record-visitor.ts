// Walking the records of one v2 batch without building them: visitRecords makes every check
// decodeRecordBatch makes (size, magic, CRC, codec, record count, every length inside every
// record, records filling the batch exactly) but, instead of a Record with Buffer views per
// record, hands the visitor one reused RecordView holding positions. Keys, values and headers
// become objects only when the visitor asks for them. This is what a consumer that counts,
// sums or forwards records (the perf tools) needs at millions of records a second; tools and
// tests that want objects keep decodeRecordBatch.
//
// The walk itself is record-walk.ts, which the broker's produce validation uses too; this adds
// decodeRecordBatch's batch-level checks, the record accessors, and its error messages.
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
import { MalformedRecordsError, RecordFields, walkRecords } from "./record-walk.js";

const NULL_LENGTH = -1;
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * One record of the batch being walked, as positions into `bytes`. The same object is reused
 * for every record of a batch: read what you need inside the visitor, and copy out anything you
 * keep (key(), value() and headers() return views of `bytes`).
 */
export class RecordView extends RecordFields {
  header: RecordBatchHeader;

  constructor(header: RecordBatchHeader) {
    super();
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

/** A timestamp delta the walker only approximates, which decodeRecordBatch refuses. */
class UnsafeTimestampDelta extends Error {}

/**
 * Checks the one batch that `batch` holds exactly, as decodeRecordBatch does, and calls visitor
 * once per record in order with a reused RecordView. Returns the batch header. Throws
 * decodeRecordBatch's DecodeError (or subclass) for anything invalid, possibly after visiting
 * the records before the bad one; errors thrown by the visitor pass through unchanged.
 */
export function visitRecords(batch: Buffer, options: DecodeRecordBatchOptions, visitor: RecordVisitor): RecordBatchHeader {
  const { header, records } = checkedRecordsSection(batch, options);
  const view = new RecordView(header);
  try {
    // A count the bytes cannot hold is refused before any record is visited, as the decoder does.
    if (header.recordCount * MIN_RECORD_BYTES > records.length) throw new MalformedRecordsError("", -1);
    walkRecords(records, 0, header.recordCount, view, () => {
      if (!Number.isSafeInteger(view.timestampDelta)) throw new UnsafeTimestampDelta();
      visitor(view);
    });
  } catch (error) {
    if (!(error instanceof MalformedRecordsError) && !(error instanceof UnsafeTimestampDelta)) throw error;
    // Let the checked decoder find and describe the problem; it must find one.
    readRecords(records, header.recordCount);
    throw new AssertionError(`visitRecords refused a batch that decodeRecordBatch accepts (${header.recordCount} records)`);
  }
  return header;
}
