import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { DecodeError } from "../../../src/protocol/primitives/decode-error.js";
import { CompressionType } from "../../../src/protocol/records/batch-header.js";
import { compress, decompress } from "../../../src/protocol/records/compression.js";
import { CompressionError, DecompressionLimitError } from "../../../src/protocol/records/errors.js";
import { lz4, snappy, zstd } from "../../../src/protocol/records/native-codecs.js";
import { expectError } from "./expect-error.js";

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
const COMPRESSED_CODECS = CODECS.filter((type) => type !== CompressionType.None);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** A bomb may cost the limit plus a codec's internal chunk; this is far below any bomb's size. */
const BOMB_MEMORY_SLACK_BYTES = 32 * MiB;

/** Buffers from random to highly repetitive, so codecs see both literals and long matches. */
const payloadArbitrary = fc.oneof(
  fc.uint8Array({ maxLength: 70_000 }).map((bytes) => Buffer.from(bytes)),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 200_000 }))
    .map(([pattern, byteCount]) => Buffer.alloc(byteCount, Buffer.from(pattern))),
);

/** How much ArrayBuffer memory an action left allocated (garbage included: an upper bound on what it used). */
function arrayBufferGrowth(action: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  action();
  return process.memoryUsage().arrayBuffers - before;
}

/** A zstd frame written the way Java's ZstdOutputStream writes it: streamed, no content size. */
function zstdStreamed(input: Buffer, chunkCount = 1): Buffer {
  const binding = zstd();
  const context = new binding.CCtx();
  context.setParameter(binding.CParameter.compressionLevel, 1);
  const output = Buffer.allocUnsafe(binding.cStreamOutSize());
  const parts: Buffer[] = [];
  for (let chunk = 0; chunk < chunkCount; chunk++) {
    let source = input;
    while (source.length > 0) {
      const [, produced, consumed] = context.compressStream2(output, source, binding.EndDirective.continue);
      parts.push(Buffer.from(output.subarray(0, produced)));
      source = source.subarray(consumed);
    }
  }
  for (;;) {
    const [remaining, produced] = context.compressStream2(output, Buffer.alloc(0), binding.EndDirective.end);
    parts.push(Buffer.from(output.subarray(0, produced)));
    if (remaining === 0) break;
  }
  return Buffer.concat(parts);
}

describe("compress/decompress", () => {
  it("round-trips every codec, within an exact limit", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODECS), payloadArbitrary, (type, payload) => {
        const compressed = compress(type, payload);
        assert.deepEqual(decompress(type, compressed, payload.length), payload);
      }),
      { numRuns: 150 },
    );
  });

  it("refuses output one byte over the limit, for every codec", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODECS), payloadArbitrary, (type, payload) => {
        fc.pre(payload.length > 0);
        const compressed = compress(type, payload);
        const error = expectError(DecompressionLimitError, () => decompress(type, compressed, payload.length - 1));
        assert.equal(error.limitBytes, payload.length - 1);
      }),
      { numRuns: 150 },
    );
  });

  it("round-trips empty input", () => {
    for (const type of CODECS) assert.equal(decompress(type, compress(type, Buffer.alloc(0)), 0).length, 0);
  });

  it("only ever throws CompressionError for arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMPRESSED_CODECS), fc.uint8Array({ maxLength: 300 }), (type, bytes) => {
        try {
          const output = decompress(type, Buffer.from(bytes), 64 * 1024);
          assert.ok(output.length <= 64 * 1024);
        } catch (error) {
          assert.ok(error instanceof CompressionError, `unexpected ${String(error)}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("only ever throws CompressionError for corrupted or truncated compressed data", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMPRESSED_CODECS),
        payloadArbitrary,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (type, payload, mutations, cut) => {
          const compressed = Buffer.from(compress(type, payload));
          for (const [position, byte] of mutations) compressed[position % compressed.length] = byte;
          const input = compressed.subarray(0, compressed.length - (cut % 3 === 0 ? cut % compressed.length : 0));
          try {
            assert.ok(decompress(type, input, payload.length + 1024).length <= payload.length + 1024);
          } catch (error) {
            assert.ok(error instanceof CompressionError, `unexpected ${String(error)}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("treats None as the identity, still bounded", () => {
    const payload = Buffer.from("abc");
    assert.equal(compress(CompressionType.None, payload), payload);
    assert.equal(decompress(CompressionType.None, payload, 3), payload);
    expectError(DecompressionLimitError, () => decompress(CompressionType.None, payload, 2));
  });

  it("rejects an unknown compression type as bad input", () => {
    expectError(CompressionError, () => decompress(5 as CompressionType, Buffer.from([1, 2, 3]), 100));
  });

  it("makes every failure a DecodeError", () => {
    assert.ok(new CompressionError("x") instanceof DecodeError);
    assert.ok(new DecompressionLimitError(1, "x") instanceof CompressionError);
  });
});

describe("snappy", () => {
  it("writes snappy-java's xerial framing with 32 KiB blocks", () => {
    const payload = Buffer.alloc(100 * 1024, "kafka ");
    const compressed = compress(CompressionType.Snappy, payload);
    assert.deepEqual([...compressed.subarray(0, 8)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
    assert.equal(compressed.readInt32BE(8), 1); // version
    assert.equal(compressed.readInt32BE(12), 1); // compatible version
    let position = 16;
    const blockSizes: number[] = [];
    while (position < compressed.length) {
      const blockBytes = compressed.readInt32BE(position);
      const block = compressed.subarray(position + 4, position + 4 + blockBytes);
      blockSizes.push((snappy().uncompressSync(block, { asBuffer: true }) as Buffer).length);
      position += 4 + blockBytes;
    }
    assert.equal(position, compressed.length);
    assert.deepEqual(blockSizes, [32 * 1024, 32 * 1024, 32 * 1024, 4 * 1024]);
  });

  it("reads raw snappy as librdkafka writes it", () => {
    const payload = Buffer.from("raw snappy block, as librdkafka writes it ".repeat(50));
    const raw = snappy().compressSync(payload);
    assert.deepEqual(decompress(CompressionType.Snappy, raw, payload.length), payload);
    expectError(DecompressionLimitError, () => decompress(CompressionType.Snappy, raw, payload.length - 1));
  });

  it("reads concatenated xerial streams", () => {
    const first = Buffer.from("first stream ".repeat(10));
    const second = Buffer.alloc(40_000, "second ");
    const joined = Buffer.concat([compress(CompressionType.Snappy, first), compress(CompressionType.Snappy, second)]);
    assert.deepEqual(decompress(CompressionType.Snappy, joined, 1 * MiB), Buffer.concat([first, second]));
  });

  it("refuses a block declaring more than the limit before decompressing it", () => {
    // A raw block whose length prefix claims 4 GiB - 1 bytes, followed by almost nothing.
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]);
    const growth = arrayBufferGrowth(() => expectError(DecompressionLimitError, () => decompress(CompressionType.Snappy, bomb, MiB)));
    assert.ok(growth < BOMB_MEMORY_SLACK_BYTES);
    // The same inside xerial framing: many blocks whose declared sizes add up past the limit.
    const block = snappy().compressSync(Buffer.alloc(32 * 1024));
    const framed = [compress(CompressionType.Snappy, Buffer.alloc(0))];
    for (let index = 0; index < 100; index++) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(block.length);
      framed.push(length, block);
    }
    const error = expectError(DecompressionLimitError, () => decompress(CompressionType.Snappy, Buffer.concat(framed), MiB));
    assert.match(error.message, /declare/);
  });

  it("rejects malformed framing", () => {
    const header = compress(CompressionType.Snappy, Buffer.alloc(0));
    expectError(CompressionError, () => decompress(CompressionType.Snappy, Buffer.concat([header, Buffer.from([0, 0, 0])]), MiB));
    expectError(CompressionError, () => decompress(CompressionType.Snappy, Buffer.concat([header, Buffer.from([0, 0, 0, 9, 1])]), MiB));
    expectError(CompressionError, () => decompress(CompressionType.Snappy, Buffer.concat([header, Buffer.from([0, 0, 0, 0])]), MiB));
    expectError(CompressionError, () => decompress(CompressionType.Snappy, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), MiB));
  });
});

describe("lz4", () => {
  it("writes one frame Java's Lz4BlockInputStream reads: version 01, independent blocks, no checksums or content size", () => {
    const compressed = compress(CompressionType.Lz4, Buffer.alloc(10_000, "lz4 "));
    assert.equal(compressed.readUInt32LE(0), 0x184d2204);
    assert.equal(compressed[4], 0x60); // FLG
    assert.equal(compressed[5] & 0x8f, 0); // BD reserved bits
    assert.ok(((compressed[5] >> 4) & 7) >= 4);
  });

  it("reads frames with block and content checksums", () => {
    const payload = Buffer.alloc(300_000, "checksummed ");
    const framed = lz4().compressFrameSync(payload, { blockChecksums: true, contentChecksum: true });
    assert.deepEqual(decompress(CompressionType.Lz4, framed, payload.length), payload);
    expectError(DecompressionLimitError, () => decompress(CompressionType.Lz4, framed, payload.length - 1));
  });

  it("reads concatenated frames and skips skippable frames", () => {
    const first = Buffer.from("one");
    const second = Buffer.alloc(100_000, "two ");
    const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const joined = Buffer.concat([lz4().compressFrameSync(first), skippable, lz4().compressFrameSync(second)]);
    assert.deepEqual(decompress(CompressionType.Lz4, joined, MiB), Buffer.concat([first, second]));
  });

  it("rejects trailing garbage, truncation and bad descriptors", () => {
    const frame = compress(CompressionType.Lz4, Buffer.alloc(1000, "x"));
    expectError(CompressionError, () => decompress(CompressionType.Lz4, Buffer.concat([frame, Buffer.from([1, 2, 3, 4, 5])]), MiB));
    for (let cut = 1; cut < frame.length; cut++) {
      expectError(CompressionError, () => decompress(CompressionType.Lz4, frame.subarray(0, cut), MiB));
    }
    const badVersion = Buffer.from(frame);
    badVersion[4] = 0xa0;
    expectError(CompressionError, () => decompress(CompressionType.Lz4, badVersion, MiB));
    const reservedBlockSize = Buffer.from(frame);
    reservedBlockSize[5] = 0x30;
    expectError(CompressionError, () => decompress(CompressionType.Lz4, reservedBlockSize, MiB));
  });

  it("refuses a 1 GiB bomb without allocating it", () => {
    const frame = lz4().compressFrameSync(Buffer.alloc(16 * MiB));
    const bomb = Buffer.concat(Array.from({ length: GiB / (16 * MiB) }, () => frame));
    assert.ok(bomb.length < 5 * MiB);
    const growth = arrayBufferGrowth(() => expectError(DecompressionLimitError, () => decompress(CompressionType.Lz4, bomb, MiB)));
    assert.ok(growth < BOMB_MEMORY_SLACK_BYTES, `grew ${growth} bytes`);
  });
});

describe("zstd", () => {
  it("reads streamed frames without a content size (as Java writes them), bounded exactly", () => {
    fc.assert(
      fc.property(payloadArbitrary, (payload) => {
        const streamed = zstdStreamed(payload);
        if (payload.length > 0) assert.equal(zstd().getFrameContentSize(streamed), null);
        assert.deepEqual(decompress(CompressionType.Zstd, streamed, payload.length), payload);
        if (payload.length > 0) expectError(DecompressionLimitError, () => decompress(CompressionType.Zstd, streamed, payload.length - 1));
      }),
      { numRuns: 60 },
    );
  });

  it("reads concatenated frames", () => {
    const first = Buffer.alloc(300_000, "first ");
    const second = Buffer.from("second");
    const joined = Buffer.concat([zstdStreamed(first), compress(CompressionType.Zstd, second)]);
    assert.deepEqual(decompress(CompressionType.Zstd, joined, MiB), Buffer.concat([first, second]));
  });

  it("rejects truncated frames and garbage", () => {
    const frame = compress(CompressionType.Zstd, Buffer.alloc(5000, "zstd "));
    for (let cut = 0; cut < frame.length; cut++) {
      expectError(CompressionError, () => decompress(CompressionType.Zstd, frame.subarray(0, cut), MiB));
    }
    expectError(CompressionError, () => decompress(CompressionType.Zstd, Buffer.concat([frame, Buffer.from("trailing")]), MiB));
  });

  it("refuses a frame declaring more than the limit before decompressing", () => {
    const frame = compress(CompressionType.Zstd, Buffer.alloc(64 * MiB));
    assert.equal(zstd().getFrameContentSize(frame), 64 * MiB);
    const growth = arrayBufferGrowth(() => {
      const error = expectError(DecompressionLimitError, () => decompress(CompressionType.Zstd, frame, MiB));
      assert.match(error.message, /declares/);
    });
    assert.ok(growth < BOMB_MEMORY_SLACK_BYTES, `grew ${growth} bytes`);
  });

  it("refuses a 1 GiB streamed bomb while decompressing, within the limit", () => {
    const bomb = zstdStreamed(Buffer.alloc(16 * MiB), GiB / (16 * MiB));
    assert.ok(bomb.length < MiB);
    const growth = arrayBufferGrowth(() => expectError(DecompressionLimitError, () => decompress(CompressionType.Zstd, bomb, MiB)));
    assert.ok(growth < BOMB_MEMORY_SLACK_BYTES, `grew ${growth} bytes`);
  });
});

describe("gzip", () => {
  it("reads multi-member streams, as Java's GZIPInputStream does", () => {
    const joined = Buffer.concat([gzipSync(Buffer.from("a")), gzipSync(Buffer.from("b"))]);
    assert.deepEqual(decompress(CompressionType.Gzip, joined, 2), Buffer.from("ab"));
  });

  it("refuses a 1 GiB bomb within the limit", () => {
    // 64 members of 16 MiB of zeros: one valid gzip stream of 1 GiB in about 1 MiB.
    const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: GiB / (16 * MiB) }, () => member));
    assert.ok(bomb.length < 2 * MiB);
    const growth = arrayBufferGrowth(() => expectError(DecompressionLimitError, () => decompress(CompressionType.Gzip, bomb, MiB)));
    assert.ok(growth < BOMB_MEMORY_SLACK_BYTES, `grew ${growth} bytes`);
  });

  it("rejects corrupt data", () => {
    expectError(CompressionError, () => decompress(CompressionType.Gzip, Buffer.from("not gzip"), MiB));
    const valid = gzipSync(Buffer.alloc(1000, "gz"));
    expectError(CompressionError, () => decompress(CompressionType.Gzip, valid.subarray(0, valid.length - 4), MiB));
  });
});
