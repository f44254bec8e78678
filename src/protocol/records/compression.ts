// Compression codecs of record batch v2: one entry point per direction, dispatching on the
// batch's CompressionType. Decompression is always bounded by the caller's maxOutputBytes, so
// a small batch that expands to gigabytes (a "decompression bomb") fails with
// DecompressionLimitError instead of exhausting memory. Every failure on bad input is a
// CompressionError (a DecodeError). Both directions are synchronous, like the rest of the
// record codec; the native codecs (snappy, lz4, zstd) load on first use (native-codecs.ts).
//
// Formats written, and why (each file says more):
// - gzip: a gzip member at zlib's default level 6, as Java's GZIPOutputStream writes.
// - snappy: snappy-java's xerial framing, which every client reads (snappy-codec.ts).
// - lz4: one LZ4 frame with independent blocks (lz4-codec.ts).
// - zstd: one zstd frame at level 3, Kafka's default (zstd-codec.ts).

import { gunzipSync, gzipSync } from "node:zlib";
import { assert, assertNever } from "../../lib/assert.js";
import { errorCode, errorMessage } from "../../lib/errors.js";
import { CompressionType } from "./batch-header.js";
import { CompressionError, DecompressionLimitError } from "./errors.js";
import { compressLz4, decompressLz4, decompressLz4Transient } from "./lz4-codec.js";
import { compressSnappy, decompressSnappy } from "./snappy-codec.js";
import { compressZstd, decompressZstd } from "./zstd-codec.js";

export { CompressionError, DecompressionLimitError } from "./errors.js";

/** Compresses input with the codec of the given type (None returns input itself). */
export function compress(type: CompressionType, input: Buffer): Buffer {
  switch (type) {
    case CompressionType.None:
      return input;
    case CompressionType.Gzip:
      return gzipSync(input);
    case CompressionType.Snappy:
      return compressSnappy(input);
    case CompressionType.Lz4:
      return compressLz4(input);
    case CompressionType.Zstd:
      return compressZstd(input);
    default:
      return assertNever(type, "unknown compression type");
  }
}

/**
 * Decompresses input, producing at most maxOutputBytes bytes: more fails with
 * DecompressionLimitError without allocating more than about the limit. Invalid input fails
 * with CompressionError. The result may share memory with input (None) or with a native
 * buffer; it is never shared with a later call.
 */
export function decompress(type: CompressionType, input: Buffer, maxOutputBytes: number): Buffer {
  checkLimit(maxOutputBytes);
  switch (type) {
    case CompressionType.None:
      if (input.length > maxOutputBytes) throw new DecompressionLimitError(maxOutputBytes, `${input.length} uncompressed bytes`);
      return input;
    case CompressionType.Gzip:
      return decompressGzip(input, maxOutputBytes);
    case CompressionType.Snappy:
      return decompressSnappy(input, maxOutputBytes);
    case CompressionType.Lz4:
      return decompressLz4(input, maxOutputBytes);
    case CompressionType.Zstd:
      return decompressZstd(input, maxOutputBytes);
    default:
      throw new CompressionError(`unknown compression type ${String(type)}`);
  }
}

/**
 * Like decompress, but the result may be a view of memory that the next decompression reuses
 * (for LZ4): read it before decompressing anything else and never keep it or parts of it. For
 * hot paths that only look at the records, so a stream of compressed batches does not leave a
 * buffer of garbage per batch.
 */
export function decompressTransient(type: CompressionType, input: Buffer, maxOutputBytes: number): Buffer {
  if (type === CompressionType.Lz4) {
    checkLimit(maxOutputBytes);
    return decompressLz4Transient(input, maxOutputBytes);
  }
  return decompress(type, input, maxOutputBytes);
}

function checkLimit(maxOutputBytes: number): void {
  assert(Number.isSafeInteger(maxOutputBytes) && maxOutputBytes >= 0, `maxOutputBytes must be a non-negative integer, got ${maxOutputBytes}`);
}

function decompressGzip(input: Buffer, maxOutputBytes: number): Buffer {
  let output: Buffer;
  try {
    // zlib checks maxOutputLength after each internal chunk (16 KiB) and stops there, so a bomb
    // costs at most the limit plus one chunk. Node refuses a limit of 0, hence the max(1, ...).
    output = gunzipSync(input, { maxOutputLength: Math.max(maxOutputBytes, 1) });
  } catch (error) {
    if (errorCode(error) === "ERR_BUFFER_TOO_LARGE") {
      throw new DecompressionLimitError(maxOutputBytes, "gzip output passed the limit while decompressing");
    }
    throw new CompressionError(`invalid gzip data: ${errorMessage(error)}`, { cause: error });
  }
  if (output.length > maxOutputBytes) throw new DecompressionLimitError(maxOutputBytes, `gzip output of ${output.length} bytes`);
  return output;
}
