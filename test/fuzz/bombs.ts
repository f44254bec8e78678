// Decompression bombs: record payloads a few MiB long that inflate to gigabytes, for every codec a
// batch can declare. They are built streaming or by repeating one small compressed unit, so
// building them never holds the inflated data (the largest buffer is a 1 MiB block of zeros):
// - gzip: one gzip member of GZIP_MEMBER_INFLATED_BYTES zeros, compressed from a stream, then
//   repeated (a gzip stream may hold many members; every reader inflates them in turn);
// - zstd: a frame of RLE blocks (4 bytes each, 128 KiB each when inflated), written by hand;
// - lz4: a frame with independent blocks, one block of 4 MiB zeros repeated;
// - snappy: xerial framing whose raw blocks each declare 4 GiB - 1 (a lie about sizes), and one
//   of real blocks of zeros (snappy's best ratio is only ~21x: big, not a bomb).

import { createGzip } from "node:zlib";
import { CompressionType } from "../../src/protocol/records/batch-header.js";
import { lz4, snappy } from "../../src/protocol/records/native-codecs.js";

export interface Bomb {
  readonly compression: CompressionType;
  readonly description: string;
  /** The compressed records section, as a batch carries it. */
  readonly payload: Buffer;
  /** What it inflates to (or claims to). */
  readonly inflatedBytes: number;
}

const MIB = 1024 * 1024;
const ZERO_BLOCK = Buffer.alloc(MIB);
const GZIP_MEMBER_INFLATED_BYTES = 16 * MIB;
const ZSTD_MAGIC = 0xfd2f_b528;
/** Frame header descriptor: no content size, not single-segment, no checksum, no dictionary. */
const ZSTD_FRAME_HEADER_DESCRIPTOR = 0x00;
/** Window descriptor for a 128 KiB window (windowLog 17 = 10 + exponent 7). */
const ZSTD_WINDOW_DESCRIPTOR = 7 << 3;
const ZSTD_RLE_BLOCK_TYPE = 1;
const ZSTD_BLOCK_MAX_BYTES = 128 * 1024;
const LZ4_INFLATED_BLOCK_BYTES = 4 * MIB;
const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);

async function gzipMemberOfZeros(inflatedBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.on("end", resolve);
    gzip.on("error", reject);
  });
  for (let written = 0; written < inflatedBytes; written += ZERO_BLOCK.length) {
    if (!gzip.write(ZERO_BLOCK)) await new Promise((resolve) => gzip.once("drain", resolve));
  }
  gzip.end();
  await ended;
  return Buffer.concat(chunks);
}

function zstdRleFrame(blockCount: number): Buffer {
  const frame = Buffer.alloc(6 + blockCount * 4);
  frame.writeUInt32LE(ZSTD_MAGIC, 0);
  frame[4] = ZSTD_FRAME_HEADER_DESCRIPTOR;
  frame[5] = ZSTD_WINDOW_DESCRIPTOR;
  for (let index = 0; index < blockCount; index++) {
    const last = index === blockCount - 1 ? 1 : 0;
    const header = last | (ZSTD_RLE_BLOCK_TYPE << 1) | (ZSTD_BLOCK_MAX_BYTES << 3);
    const at = 6 + index * 4;
    frame.writeUIntLE(header, at, 3);
    frame[at + 3] = 0;
  }
  return frame;
}

/** lz4-napi's frame for 4 MiB of zeros: a 7-byte header, one compressed block, an end mark. */
function lz4RepeatedBlockFrame(maxPayloadBytes: number): { frame: Buffer; blockCount: number } {
  const sample = lz4().compressFrameSync(Buffer.alloc(LZ4_INFLATED_BLOCK_BYTES));
  const flg = sample[4];
  // Version 01, independent blocks, no block or content checksum, no content size, no dictionary.
  if (flg !== 0x60) throw new Error(`unexpected LZ4 frame flags 0x${flg.toString(16)} from lz4-napi`);
  const headerBytes = 7;
  const blockBytes = sample.readUInt32LE(headerBytes) & 0x7fff_ffff;
  const block = sample.subarray(headerBytes, headerBytes + 4 + blockBytes);
  const blockCount = Math.max(1, Math.floor((maxPayloadBytes - headerBytes - 4) / block.length));
  const parts = [sample.subarray(0, headerBytes)];
  for (let index = 0; index < blockCount; index++) parts.push(block);
  parts.push(Buffer.alloc(4));
  return { frame: Buffer.concat(parts), blockCount };
}

function xerialLyingFrame(blockCount: number): Buffer {
  // Each raw block: a varint saying 0xffffffff bytes, then a few bytes of nothing in particular.
  const block = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x00]);
  const parts: Buffer[] = [XERIAL_HEADER];
  for (let index = 0; index < blockCount; index++) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function xerialZerosFrame(maxPayloadBytes: number): { frame: Buffer; inflatedBytes: number } {
  const raw = snappy().compressSync(Buffer.alloc(64 * 1024));
  const parts: Buffer[] = [XERIAL_HEADER];
  let size = XERIAL_HEADER.length;
  let inflatedBytes = 0;
  while (size + 4 + raw.length <= maxPayloadBytes) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(raw.length);
    parts.push(length, raw);
    size += 4 + raw.length;
    inflatedBytes += 64 * 1024;
  }
  return { frame: Buffer.concat(parts), inflatedBytes };
}

let cached: Promise<readonly Bomb[]> | undefined;
let cachedFor = -1;

/** Bombs whose payloads fit in maxPayloadBytes (a batch's max.message.bytes minus its header). */
export function decompressionBombs(maxPayloadBytes: number): Promise<readonly Bomb[]> {
  if (cached === undefined || cachedFor !== maxPayloadBytes) {
    cachedFor = maxPayloadBytes;
    cached = buildBombs(maxPayloadBytes);
  }
  return cached;
}

async function buildBombs(maxPayloadBytes: number): Promise<readonly Bomb[]> {
  const member = await gzipMemberOfZeros(GZIP_MEMBER_INFLATED_BYTES);
  const members = Math.max(1, Math.floor(maxPayloadBytes / member.length));
  const gzip = Buffer.concat(Array.from({ length: members }, () => member));
  const zstdBlocks = Math.floor((maxPayloadBytes - 6) / 4);
  const lz4Bomb = lz4RepeatedBlockFrame(maxPayloadBytes);
  const xerialZeros = xerialZerosFrame(maxPayloadBytes);
  const lyingBlocks = 1024;
  return [
    { compression: CompressionType.Gzip, description: `gzip: ${members} members of 16 MiB of zeros`, payload: gzip, inflatedBytes: members * GZIP_MEMBER_INFLATED_BYTES },
    { compression: CompressionType.Zstd, description: `zstd: ${zstdBlocks} RLE blocks`, payload: zstdRleFrame(zstdBlocks), inflatedBytes: zstdBlocks * ZSTD_BLOCK_MAX_BYTES },
    { compression: CompressionType.Lz4, description: `lz4: ${lz4Bomb.blockCount} blocks of 4 MiB of zeros`, payload: lz4Bomb.frame, inflatedBytes: lz4Bomb.blockCount * LZ4_INFLATED_BLOCK_BYTES },
    { compression: CompressionType.Snappy, description: `snappy: ${lyingBlocks} blocks each declaring 4 GiB`, payload: xerialLyingFrame(lyingBlocks), inflatedBytes: lyingBlocks * 0xffff_ffff },
    { compression: CompressionType.Snappy, description: "snappy: real blocks of zeros", payload: xerialZeros.frame, inflatedBytes: xerialZeros.inflatedBytes },
  ];
}
