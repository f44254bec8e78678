// The typed failures of record batch decoding. All extend DecodeError, so a caller that only
// needs "these bytes are bad" catches one class; the broker maps them to Kafka error codes
// (CORRUPT_MESSAGE, INVALID_RECORD, ...) where it knows the context.

import { DecodeError } from "../primitives/decode-error.js";

/** The batch or a record inside it is structurally invalid (sizes, counts, CRC, magic). */
export class CorruptRecordError extends DecodeError {
  override name = "CorruptRecordError";
}

/** Compressed bytes that their codec cannot read, or a codec that failed. */
export class CompressionError extends DecodeError {
  override name = "CompressionError";
}

/**
 * Decompressing would produce more than the caller allowed. Thrown before (or while, never
 * after) the output is allocated, so a small "decompression bomb" costs no more memory than
 * the limit.
 */
export class DecompressionLimitError extends CompressionError {
  override name = "DecompressionLimitError";

  constructor(
    readonly limitBytes: number,
    detail: string,
  ) {
    super(`decompressed size exceeds the limit of ${limitBytes} bytes: ${detail}`);
  }
}
