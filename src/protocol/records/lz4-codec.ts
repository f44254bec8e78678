// LZ4 for record batches (attributes codec 3): the LZ4 *frame* format (lz4_Frame_format.md,
// v1.6), which Kafka has used since magic 1 (KIP-57). The Java client writes one frame with
// independent 64 KiB blocks and no content size; librdkafka writes one frame with LZ4F.
//
// Compression is lz4-napi's. Decompression is ours: this file walks the frame format and the
// WebAssembly block decoder (lz4-block-decoder.ts) decodes each block into one reused memory,
// so decoding allocates nothing per batch (lz4-napi returned a new native buffer per call, freed
// only at some later GC). decompressLz4Transient hands out a view of that memory, for callers
// that are done with it before the next decompression (the broker's produce validation);
// decompressLz4 copies the result out.
//
// Frames from Kafka clients do not declare their content size, so before decoding we walk the
// frame structure (header, then each block's 4-byte size word) without decoding anything: an
// uncompressed block adds its exact size, a compressed block at most min(block maximum size,
// 255 x its compressed size) (one LZ4 input byte never yields more than 255 output bytes).
// That bound is exact for full blocks and only overestimates partial ones (usually just the
// last), so when it passes the limit we walk once more, through the sequences of each compressed
// block (token and length bytes only, no copying), which gives the exact size. Either way the
// decision is exact and nothing is allocated for a payload over the limit. The walk also lets us
// decode concatenated frames and reject trailing garbage. The header, block and content checksums
// are skipped, not verified: the batch's CRC-32C already covers every one of these bytes.

import { CompressionError, DecompressionLimitError } from "./errors.js";
import { BlockError, Lz4BlockDecoder } from "./lz4-block-decoder.js";
import { lz4 } from "./native-codecs.js";

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames use magics 0x184D2A50-0x184D2A5F followed by a 4-byte size. */
const SKIPPABLE_MAGIC_BASE = 0x184d2a50;
const SKIPPABLE_MAGIC_MASK = 0xffff_fff0;
const MAGIC_BYTES = 4;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICTIONARY_ID = 0x01;
const BD_RESERVED = 0x8f;
const CONTENT_SIZE_BYTES = 8;
const DICTIONARY_ID_BYTES = 4;
const HEADER_CHECKSUM_BYTES = 1;
const BLOCK_SIZE_BYTES = 4;
const CHECKSUM_BYTES = 4;
const UNCOMPRESSED_BLOCK_FLAG = 0x8000_0000;
const BLOCK_SIZE_MASK = 0x7fff_ffff;
/** Most output one input byte can stand for: a match length extension byte adds at most 255. */
const MAX_EXPANSION_RATIO = 255;
/** LZ4's minimum match, added to every match length field. */
const MIN_MATCH_BYTES = 4;
const TWO_POW_32 = 0x1_0000_0000;

/** Block maximum sizes by the BD byte's 3-bit id; ids 0-3 are reserved. */
function blockMaximumBytes(blockMaximumId: number): number {
  switch (blockMaximumId) {
    case 4:
      return 64 * 1024;
    case 5:
      return 256 * 1024;
    case 6:
      return 1024 * 1024;
    case 7:
      return 4 * 1024 * 1024;
    default:
      throw new CompressionError(`LZ4 frame has reserved block maximum size id ${blockMaximumId}`);
  }
}

export function compressLz4(input: Buffer): Buffer {
  // lz4-napi (lz4_flex) writes version 01, independent blocks, no checksums and no content
  // size, with a block size it picks from the input (64 KiB to 4 MiB): Java's
  // Lz4BlockInputStream accepts all four sizes, and librdkafka reads these frames
  // (librdkafka-reads-ours.test.ts).
  return lz4().compressFrameSync(input);
}

interface Lz4Frame {
  readonly start: number;
  readonly end: number;
  readonly maxContentBytes: number;
  /** Where the first block's size word is. */
  readonly blocksStart: number;
  readonly blockMaximum: number;
  readonly blockChecksumBytes: number;
  /** Matches stay inside their block (else they may reach into earlier blocks of the frame). */
  readonly independentBlocks: boolean;
}

/** Synchronous, so one decompression at a time uses it. */
const decoder = new Lz4BlockDecoder();

/** Decompresses input (one or more frames) to a new buffer of at most maxOutputBytes. */
export function decompressLz4(input: Buffer, maxOutputBytes: number): Buffer {
  return Buffer.from(decompressLz4Transient(input, maxOutputBytes));
}

/**
 * Like decompressLz4, but the result is a view of the decoder's memory: read it before the next
 * LZ4 decompression and do not keep it.
 */
export function decompressLz4Transient(input: Buffer, maxOutputBytes: number): Buffer {
  const frames = walkFrames(input, maxOutputBytes);
  let capacity = 0;
  for (const frame of frames) capacity += frame.maxContentBytes;
  decoder.load(input, capacity);
  let at = 0;
  for (const frame of frames) {
    const frameEnd = at + frame.maxContentBytes;
    at = decodeFrame(input, frame, at, frameEnd);
  }
  return decoder.output(at);
}

/** Decodes the blocks of one walked frame to output position `at`; returns the position after it. */
function decodeFrame(input: Buffer, frame: Lz4Frame, start: number, frameEnd: number): number {
  let at = start;
  let position = frame.blocksStart;
  for (;;) {
    const word = input.readUInt32LE(position);
    position += BLOCK_SIZE_BYTES;
    if (word === 0) return at;
    const blockEnd = position + (word & BLOCK_SIZE_MASK);
    const outputEnd = Math.min(frameEnd, at + frame.blockMaximum);
    const result =
      (word & UNCOMPRESSED_BLOCK_FLAG) !== 0
        ? decoder.copyBlock(position, blockEnd, at)
        : decoder.decodeBlock(position, blockEnd, at, outputEnd, frame.independentBlocks ? at : start);
    if (result < 0) throw blockError(result, frame);
    at = result;
    position = blockEnd + frame.blockChecksumBytes;
  }
}

function blockError(code: number, frame: Lz4Frame): CompressionError {
  switch (code) {
    case BlockError.Truncated:
      return new CompressionError("invalid LZ4 block: a length runs past the end of its block");
    case BlockError.BadOffset:
      return new CompressionError("invalid LZ4 block: a match refers to before the start of its window");
    default:
      return new CompressionError(`invalid LZ4 block: it expands past its maximum of ${frame.blockMaximum} bytes or its frame's bound of ${frame.maxContentBytes}`);
  }
}

/** Checks the frame structure of every frame in input and bounds each one's decompressed size. */
function walkFrames(input: Buffer, maxOutputBytes: number): Lz4Frame[] {
  const coarse = walkFramesWith(input, false);
  if (coarse.boundBytes <= maxOutputBytes) return coarse.frames;
  const exact = walkFramesWith(input, true);
  if (exact.boundBytes > maxOutputBytes) {
    throw new DecompressionLimitError(maxOutputBytes, `LZ4 data expands to ${exact.boundBytes} bytes`);
  }
  return exact.frames;
}

function walkFramesWith(input: Buffer, exact: boolean): { frames: Lz4Frame[]; boundBytes: number } {
  const frames: Lz4Frame[] = [];
  let boundBytes = 0;
  let position = 0;
  do {
    if (input.length - position < MAGIC_BYTES) throw new CompressionError("LZ4 frame truncated before its magic number");
    const magic = input.readUInt32LE(position);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC_BASE) {
      position = skipSkippableFrame(input, position);
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new CompressionError(`not an LZ4 frame (magic 0x${magic.toString(16)})`);
    const frame = walkFrame(input, position, exact);
    boundBytes += frame.maxContentBytes;
    frames.push(frame);
    position = frame.end;
  } while (position < input.length);
  return { frames, boundBytes };
}

/**
 * Exact decompressed size of one LZ4 block (lz4_Block_format.md): sequences of a token, literal
 * length extension bytes, literals, a 2-byte match offset and match length extension bytes; the
 * last sequence has literals only. Offsets are left for the decoder to check.
 */
function blockContentBytes(input: Buffer, start: number, end: number, blockMaximum: number): number {
  let position = start;
  let outputBytes = 0;
  const lengthExtension = (): number => {
    let total = 0;
    let byte: number;
    do {
      if (position >= end) throw new CompressionError("LZ4 block truncated in a length");
      byte = input[position++];
      total += byte;
    } while (byte === 0xff);
    return total;
  };
  for (;;) {
    if (position >= end) throw new CompressionError("LZ4 block ends without its last literals");
    const token = input[position++];
    let literalBytes = token >> 4;
    if (literalBytes === 0x0f) literalBytes += lengthExtension();
    position += literalBytes;
    if (position > end) throw new CompressionError("LZ4 block literals overrun the block");
    outputBytes += literalBytes;
    if (position === end) break;
    position += 2; // match offset
    let matchBytes = token & 0x0f;
    if (matchBytes === 0x0f) matchBytes += lengthExtension();
    outputBytes += matchBytes + MIN_MATCH_BYTES;
    if (outputBytes > blockMaximum) throw new CompressionError(`LZ4 block expands past its maximum of ${blockMaximum} bytes`);
  }
  return outputBytes;
}

function skipSkippableFrame(input: Buffer, start: number): number {
  const sizeAt = start + MAGIC_BYTES;
  if (input.length - sizeAt < 4) throw new CompressionError("LZ4 skippable frame truncated");
  const frameBytes = input.readUInt32LE(sizeAt);
  if (frameBytes > input.length - sizeAt - 4) throw new CompressionError("LZ4 skippable frame truncated");
  return sizeAt + 4 + frameBytes;
}

function walkFrame(input: Buffer, start: number, exact: boolean): Lz4Frame {
  let position = start + MAGIC_BYTES;
  const need = (byteCount: number, what: string): void => {
    if (input.length - position < byteCount) throw new CompressionError(`LZ4 frame truncated in ${what}`);
  };
  need(2, "its descriptor");
  const flg = input[position];
  const bd = input[position + 1];
  position += 2;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw new CompressionError(`unsupported LZ4 frame version in FLG 0x${flg.toString(16)}`);
  if ((flg & FLG_RESERVED) !== 0 || (bd & BD_RESERVED) !== 0) throw new CompressionError("LZ4 frame descriptor has reserved bits set");
  const blockMaximum = blockMaximumBytes((bd >> 4) & 0x07);
  let declaredContentBytes: number | undefined;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    need(CONTENT_SIZE_BYTES, "its content size");
    declaredContentBytes = input.readUInt32LE(position) + input.readUInt32LE(position + 4) * TWO_POW_32;
    position += CONTENT_SIZE_BYTES;
  }
  if ((flg & FLG_DICTIONARY_ID) !== 0) {
    need(DICTIONARY_ID_BYTES, "its dictionary id");
    position += DICTIONARY_ID_BYTES;
  }
  need(HEADER_CHECKSUM_BYTES, "its header checksum");
  position += HEADER_CHECKSUM_BYTES;

  const blockChecksumBytes = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? CHECKSUM_BYTES : 0;
  const blocksStart = position;
  let maxContentBytes = 0;
  for (;;) {
    need(BLOCK_SIZE_BYTES, "a block size");
    const word = input.readUInt32LE(position);
    position += BLOCK_SIZE_BYTES;
    if (word === 0) break; // EndMark
    const blockBytes = word & BLOCK_SIZE_MASK;
    if (blockBytes > blockMaximum) throw new CompressionError(`LZ4 block of ${blockBytes} bytes exceeds the frame's maximum ${blockMaximum}`);
    need(blockBytes + blockChecksumBytes, "a block");
    if ((word & UNCOMPRESSED_BLOCK_FLAG) !== 0) {
      maxContentBytes += blockBytes;
    } else if (exact) {
      maxContentBytes += blockContentBytes(input, position, position + blockBytes, blockMaximum);
    } else {
      maxContentBytes += Math.min(blockMaximum, blockBytes * MAX_EXPANSION_RATIO);
    }
    position += blockBytes + blockChecksumBytes;
  }
  if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
    need(CHECKSUM_BYTES, "its content checksum");
    position += CHECKSUM_BYTES;
  }
  // A declared content size is not trusted to tighten the bound (that would make the limit
  // depend on the decoder checking it); it can only prove the frame corrupt.
  if (declaredContentBytes !== undefined && declaredContentBytes > maxContentBytes) {
    throw new CompressionError(`LZ4 frame declares ${declaredContentBytes} bytes but its blocks hold at most ${maxContentBytes}`);
  }
  return {
    start,
    end: position,
    maxContentBytes,
    blocksStart,
    blockMaximum,
    blockChecksumBytes,
    independentBlocks: (flg & FLG_BLOCK_INDEPENDENCE) !== 0,
  };
}
