// Public API of record batch v2: the header (read and patch in place), CRC-32C, compression,
// records, whole-batch encode/decode, walking a batch's records without building them,
// splitting a buffer into batches, control records.
// Other modules import from here, not from the files behind it.

export * from "./batch-header.js";
export { crc32c } from "./crc32c.js";
export { CompressionError, CorruptRecordError, DecompressionLimitError } from "./errors.js";
export { compress, decompress } from "./compression.js";
export type { Record, RecordHeader, RecordInput } from "./record.js";
export { MIN_RECORD_BYTES, recordOffset, recordTimestamp } from "./record.js";
export type { DecodeRecordBatchOptions, DecodedRecordBatch, EncodeRecordBatchOptions } from "./record-batch.js";
export { decodeRecordBatch, encodeRecordBatch } from "./record-batch.js";
export type { RecordVisitor } from "./record-visitor.js";
export { RecordView, visitRecords } from "./record-visitor.js";
export type { RecordBatchSlice } from "./record-batches.js";
export { recordBatches } from "./record-batches.js";
export type { ControlRecordKey, EndTransactionMarkerBatchOptions, EndTransactionMarkerValue } from "./control-record.js";
export {
  CONTROL_RECORD_KEY_VERSION,
  ControlRecordType,
  END_TRANSACTION_MARKER_VERSION,
  decodeControlRecordKey,
  decodeEndTransactionMarkerValue,
  encodeControlRecordKey,
  encodeEndTransactionMarkerBatch,
  encodeEndTransactionMarkerValue,
} from "./control-record.js";
export { RecordBatchBuilder, type RecordBatchBuilderOptions } from "./record-batch-builder.js";
