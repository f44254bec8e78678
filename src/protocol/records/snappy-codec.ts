// Snappy for record batches (attributes codec 2), in the two shapes Kafka clients produce:
//
// - raw: one Snappy block, which starts with its uncompressed length as an unsigned LEB128
//   varint. librdkafka writes this.
// - xerial: the framing of snappy-java's SnappyOutputStream, which the Java client writes:
//   a 16-byte header (0x82 "SNAPPY" 0x00, then int32 version 1 and int32 compatible version 1,
//   big-endian), then blocks of [int32 compressed length][raw Snappy block]. A stream may be
//   the concatenation of several such streams, each with its header (snappy-java reads that).
//
// We write xerial. Every Kafka client must already read it, because it is what the Java
// producer (the reference client, and most producers in the wild) sends: snappy-java's
// SnappyInputStream (Java consumers), librdkafka, kafka-python, kafkajs-snappy, Sarama and
// franz-go all detect the header and fall back to raw. Raw would also be read by Java (snappy-java
// falls back to raw when the header is missing) and librdkafka, but nothing gains from it, and
// a client that only knows the Java producer's format would break. Blocks are 32 KiB, the
// SnappyOutputStream default the Java client uses.
//
// Bounding: each raw block declares its uncompressed length up front, so the total is known
// (and checked against the limit) before anything is decompressed.

import { errorMessage } from "../../lib/errors.js";
import { CompressionError, DecompressionLimitError } from "./errors.js";
import { snappy } from "./native-codecs.js";

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size, used by the Java producer. */
export const XERIAL_BLOCK_BYTES = 32 * 1024;
const BLOCK_LENGTH_BYTES = 4;
/** The uncompressed length prefix of a raw block is a varint of at most 5 bytes (32 bits). */
const MAX_LENGTH_VARINT_BYTES = 5;
const MAX_RAW_BLOCK_BYTES = 0xffff_ffff;

export function compressSnappy(input: Buffer): Buffer {
  const codec = snappy();
  const blocks: Buffer[] = [];
  let totalBytes = XERIAL_HEADER_BYTES;
  for (let at = 0; at < input.length; at += XERIAL_BLOCK_BYTES) {
    const block = codec.compressSync(input.subarray(at, Math.min(at + XERIAL_BLOCK_BYTES, input.length)));
    blocks.push(block);
    totalBytes += BLOCK_LENGTH_BYTES + block.length;
  }
  const output = Buffer.allocUnsafe(totalBytes);
  XERIAL_MAGIC.copy(output, 0);
  output.writeInt32BE(XERIAL_VERSION, XERIAL_MAGIC.length);
  output.writeInt32BE(XERIAL_COMPATIBLE_VERSION, XERIAL_MAGIC.length + 4);
  let position = XERIAL_HEADER_BYTES;
  for (const block of blocks) {
    position = output.writeInt32BE(block.length, position);
    position += block.copy(output, position);
  }
  return output;
}

export function decompressSnappy(input: Buffer, maxOutputBytes: number): Buffer {
  if (hasXerialHeader(input, 0)) return decompressXerial(input, maxOutputBytes);
  const declaredBytes = rawUncompressedLength(input, 0, input.length);
  if (declaredBytes > maxOutputBytes) {
    throw new DecompressionLimitError(maxOutputBytes, `snappy block declares ${declaredBytes} bytes`);
  }
  return uncompressRawBlock(input, declaredBytes);
}

function hasXerialHeader(input: Buffer, at: number): boolean {
  return input.length - at >= XERIAL_HEADER_BYTES && input.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, at, at + XERIAL_MAGIC.length) === 0;
}

/** The uncompressed length a raw Snappy block declares (its leading unsigned varint). */
function rawUncompressedLength(input: Buffer, start: number, end: number): number {
  let value = 0;
  for (let index = 0; index < MAX_LENGTH_VARINT_BYTES; index++) {
    if (start + index >= end) throw new CompressionError("snappy block truncated in its length prefix");
    const byte = input[start + index];
    value += (byte & 0x7f) * 2 ** (7 * index);
    if ((byte & 0x80) === 0) {
      if (value > MAX_RAW_BLOCK_BYTES) throw new CompressionError("snappy block length prefix exceeds 32 bits");
      return value;
    }
  }
  throw new CompressionError("snappy block length prefix longer than 5 bytes");
}

function uncompressRawBlock(block: Buffer, declaredBytes: number): Buffer {
  let output: string | Buffer;
  try {
    output = snappy().uncompressSync(block, { asBuffer: true });
  } catch (error) {
    throw new CompressionError(`invalid snappy data: ${errorMessage(error)}`, { cause: error });
  }
  if (!Buffer.isBuffer(output) || output.length !== declaredBytes) {
    throw new CompressionError(`snappy block produced a different size than its declared ${declaredBytes} bytes`);
  }
  return output;
}

interface XerialBlock {
  readonly start: number;
  readonly end: number;
  readonly uncompressedBytes: number;
}

function decompressXerial(input: Buffer, maxOutputBytes: number): Buffer {
  // First pass: check the framing and add up the declared sizes, so a bomb is refused before
  // any block is decompressed and the output is allocated once.
  const blocks: XerialBlock[] = [];
  let totalBytes = 0;
  let position = XERIAL_HEADER_BYTES;
  while (position < input.length) {
    if (hasXerialHeader(input, position)) {
      position += XERIAL_HEADER_BYTES;
      continue;
    }
    if (input.length - position < BLOCK_LENGTH_BYTES) throw new CompressionError("xerial snappy block length truncated");
    const blockBytes = input.readInt32BE(position);
    position += BLOCK_LENGTH_BYTES;
    if (blockBytes <= 0 || blockBytes > input.length - position) {
      throw new CompressionError(`xerial snappy block of ${blockBytes} bytes does not fit in the ${input.length - position} remaining`);
    }
    const uncompressedBytes = rawUncompressedLength(input, position, position + blockBytes);
    totalBytes += uncompressedBytes;
    if (totalBytes > maxOutputBytes) {
      throw new DecompressionLimitError(maxOutputBytes, `xerial snappy blocks declare at least ${totalBytes} bytes`);
    }
    blocks.push({ start: position, end: position + blockBytes, uncompressedBytes });
    position += blockBytes;
  }
  if (blocks.length === 1) return uncompressRawBlock(input.subarray(blocks[0].start, blocks[0].end), blocks[0].uncompressedBytes);
  const output = Buffer.allocUnsafe(totalBytes);
  let outputPosition = 0;
  for (const block of blocks) {
    const bytes = uncompressRawBlock(input.subarray(block.start, block.end), block.uncompressedBytes);
    outputPosition += bytes.copy(output, outputPosition);
  }
  return output;
}
