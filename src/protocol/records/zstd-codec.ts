// Zstandard for record batches (attributes codec 4, KIP-110). Java (zstd-jni's streaming
// ZstdOutputStream) writes frames without a content size, so the output size is unknown until
// the end. zstd-napi's high-level decompress() either trusts a declared content size (a
// 20-byte frame can ask for gigabytes) or streams without limit; we drive the native streaming
// API ourselves and stop as soon as the output would pass the limit.
//
// The decoder's window (up to 2^windowLog bytes) is allocated from the frame header before any
// output is produced, so the window log is capped too: at what the limit needs, but never
// below 2^23 (8 MiB, what levels up to 19 use), so ordinary frames from any producer decode.
// The one decompression context keeps its window buffer between calls: at most that much
// memory stays allocated after the first zstd batch.

import { errorMessage } from "../../lib/errors.js";
import { CompressionError, DecompressionLimitError } from "./errors.js";
import type { ZstdBinding } from "./native-codecs.js";
import { zstd } from "./native-codecs.js";

/** Kafka's default zstd level (compression.zstd.level), also zstd's own default. */
export const ZSTD_DEFAULT_LEVEL = 3;
const MIN_WINDOW_LOG_MAX = 23;
/** zstd's default ZSTD_WINDOWLOG_LIMIT_DEFAULT: frames needing more require an explicit opt-in anyway. */
const WINDOW_LOG_MAX_CEILING = 27;
/** Output is produced in chunks of at most this size when the content size is unknown. */
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
const MIN_CHUNK_BYTES = 64 * 1024;
/** Guess for the compression ratio when sizing the first output chunk. */
const CHUNK_GUESS_RATIO = 4;
/** Compressed output buffers up to this size are reused between calls; larger ones are one-off. */
const MAX_SCRATCH_BYTES = 4 * 1024 * 1024;
const MIN_SCRATCH_BYTES = 64 * 1024;

type CCtx = InstanceType<ZstdBinding["CCtx"]>;
type DCtx = InstanceType<ZstdBinding["DCtx"]>;

// One context each, reused: creating a context costs far more than resetting one. The codecs
// are synchronous, so no two calls share a context at the same time.
let compressionContext: CCtx | undefined;
let decompressionContext: DCtx | undefined;
let scratch: Buffer | undefined;

export function compressZstd(input: Buffer): Buffer {
  const binding = zstd();
  compressionContext ??= new binding.CCtx();
  const boundBytes = binding.compressBound(input.length);
  let destination: Buffer;
  if (boundBytes <= MAX_SCRATCH_BYTES) {
    if (scratch === undefined || scratch.length < boundBytes) scratch = Buffer.allocUnsafe(Math.max(boundBytes, MIN_SCRATCH_BYTES));
    destination = scratch;
  } else {
    destination = Buffer.allocUnsafe(boundBytes);
  }
  // compress() writes the content size into the frame header, which lets readers size their output.
  const written = compressionContext.compress(destination, input, ZSTD_DEFAULT_LEVEL);
  // Copy out: the result must not keep a compressBound-sized (or shared) buffer alive.
  return Buffer.from(destination.subarray(0, written));
}

function windowLogMaxFor(maxOutputBytes: number): number {
  const needed = Math.ceil(Math.log2(Math.max(maxOutputBytes, 1)));
  return Math.min(Math.max(needed, MIN_WINDOW_LOG_MAX), WINDOW_LOG_MAX_CEILING);
}

function declaredContentBytes(binding: ZstdBinding, input: Buffer): number | null {
  try {
    return binding.getFrameContentSize(input);
  } catch {
    return null; // not a valid header: decompressStream reports the error precisely
  }
}

export function decompressZstd(input: Buffer, maxOutputBytes: number): Buffer {
  const binding = zstd();
  decompressionContext ??= new binding.DCtx();
  const context = decompressionContext;
  // A previous call may have stopped mid-frame; start clean with our parameters.
  context.reset(binding.ResetDirective.sessionAndParameters);
  context.setParameter(binding.DParameter.windowLogMax, windowLogMaxFor(maxOutputBytes));

  const declared = declaredContentBytes(binding, input);
  if (declared !== null && declared > maxOutputBytes) {
    throw new DecompressionLimitError(maxOutputBytes, `zstd frame declares ${declared} bytes`);
  }
  // With a declared size the first chunk is exact (+1 to detect a lie); otherwise guess.
  let chunkBytes = declared !== null ? declared + 1 : Math.min(Math.max(input.length * CHUNK_GUESS_RATIO, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES);

  const chunks: Buffer[] = [];
  let totalBytes = 0;
  let remaining = input;
  let frameComplete = false;
  try {
    for (;;) {
      // One byte more than the limit allows, so reaching it proves the limit is exceeded.
      const capacity = Math.min(chunkBytes, maxOutputBytes - totalBytes + 1);
      const chunk = Buffer.allocUnsafe(capacity);
      let filled = 0;
      while (filled < capacity) {
        const [hint, produced, consumed] = context.decompressStream(chunk.subarray(filled), remaining);
        filled += produced;
        remaining = remaining.subarray(consumed);
        frameComplete = hint === 0;
        if (produced === 0 && consumed === 0) break; // no progress: input exhausted (or truncated)
        if (frameComplete && remaining.length === 0) break;
      }
      totalBytes += filled;
      if (totalBytes > maxOutputBytes) {
        throw new DecompressionLimitError(maxOutputBytes, "zstd output passed the limit while decompressing");
      }
      if (filled > 0) chunks.push(filled === capacity ? chunk : chunk.subarray(0, filled));
      if (filled < capacity || (frameComplete && remaining.length === 0)) break;
      chunkBytes = Math.min(chunkBytes * 2, MAX_CHUNK_BYTES);
    }
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    throw new CompressionError(`invalid zstd data: ${errorMessage(error)}`, { cause: error });
  }
  if (!frameComplete || remaining.length > 0) throw new CompressionError("zstd data truncated mid-frame");
  if (chunks.length === 1) return chunks[0];
  return Buffer.concat(chunks, totalBytes);
}
