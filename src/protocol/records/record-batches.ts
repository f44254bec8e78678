// Splitting a buffer of back-to-back v2 batches (a Fetch response's records, a segment's bytes)
// into batches, reading only each header. A trailing batch that is cut short is where the
// iteration stops, without an error: a fetch answer may end mid-batch (its byte limit) and a
// segment may end in a torn write, and Kafka clients (ByteBufferLogInputStream) stop there too.
// A batch whose length field cannot be honest, or whose magic we do not read, is an error.
// Nothing is copied and no CRC is checked (decodeRecordBatch or isBatchCrcValid does that).

import type { RecordBatchHeader } from "./batch-header.js";
import { BATCH_LENGTH_OFFSET, CURRENT_MAGIC, LOG_OVERHEAD, MAGIC_OFFSET, RECORD_BATCH_OVERHEAD, readBatchHeader } from "./batch-header.js";
import { CorruptRecordError } from "./errors.js";

/** Bytes needed to see a batch's length and magic (Kafka's HEADER_SIZE_UP_TO_MAGIC). */
const HEADER_BYTES_UP_TO_MAGIC = MAGIC_OFFSET + 1;
/** The smallest batchLength a v2 batch can have: a header with no records. */
const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

export interface RecordBatchSlice {
  /** Where the batch starts in the buffer. */
  readonly position: number;
  /** The whole batch, a view of the buffer (batchLength + 12 bytes). */
  readonly batch: Buffer;
  readonly header: RecordBatchHeader;
}

/**
 * The complete batches in buffer, in order. Stops silently at a truncated trailing batch; the
 * end of the last slice (position + batch.length) is then where the valid bytes end. Throws
 * CorruptRecordError for an impossible length or a magic other than 2.
 */
export function* recordBatches(buffer: Buffer): Generator<RecordBatchSlice, void, undefined> {
  let position = 0;
  while (buffer.length - position >= HEADER_BYTES_UP_TO_MAGIC) {
    const batchLength = buffer.readInt32BE(position + BATCH_LENGTH_OFFSET);
    if (batchLength < MIN_BATCH_LENGTH) {
      throw new CorruptRecordError(`record batch at ${position} has batchLength ${batchLength}, below the minimum ${MIN_BATCH_LENGTH}`);
    }
    const batchBytes = batchLength + LOG_OVERHEAD;
    if (batchBytes > buffer.length - position) return;
    const magic = buffer.readInt8(position + MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) throw new CorruptRecordError(`record batch at ${position} has unsupported magic ${magic}`);
    const batch = buffer.subarray(position, position + batchBytes);
    yield { position, batch, header: readBatchHeader(batch) };
    position += batchBytes;
  }
}
