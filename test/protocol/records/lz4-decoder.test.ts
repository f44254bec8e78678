// Our LZ4 decoder (lz4-codec.ts frames, lz4-block-decoder.wat blocks) against lz4-napi's encoder
// and decoder, and against blocks built by hand for the paths an encoder rarely takes: every
// short match offset with long lengths, length extensions, matches into earlier blocks of a
// linked frame, and every way a block can lie.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CompressionType } from "../../../src/protocol/records/batch-header.js";
import { decompress, decompressTransient } from "../../../src/protocol/records/compression.js";
import { CompressionError } from "../../../src/protocol/records/errors.js";
import { Lz4BlockDecoder, RETAINED_BYTES_MAX } from "../../../src/protocol/records/lz4-block-decoder.js";
import { lz4 } from "../../../src/protocol/records/native-codecs.js";
import { expectError } from "./expect-error.js";

const MiB = 1024 * 1024;

/** Sequences of a hand-built block: literals, then optionally a match (offset, length >= 4). */
interface Sequence {
  readonly literals: Buffer;
  readonly match?: { readonly offset: number; readonly length: number };
}

function lengthExtension(remainder: number): number[] {
  const bytes: number[] = [];
  let left = remainder;
  while (left >= 255) {
    bytes.push(255);
    left -= 255;
  }
  bytes.push(left);
  return bytes;
}

/** Encodes sequences as one LZ4 block (the last sequence must have no match). */
function block(sequences: readonly Sequence[]): Buffer {
  const bytes: number[] = [];
  for (const { literals, match } of sequences) {
    const literalNibble = Math.min(literals.length, 15);
    const matchNibble = match === undefined ? 0 : Math.min(match.length - 4, 15);
    bytes.push((literalNibble << 4) | matchNibble);
    if (literalNibble === 15) bytes.push(...lengthExtension(literals.length - 15));
    bytes.push(...literals);
    if (match !== undefined) {
      bytes.push(match.offset & 0xff, match.offset >> 8);
      if (matchNibble === 15) bytes.push(...lengthExtension(match.length - 4 - 15));
    }
  }
  return Buffer.from(bytes);
}

/** What the sequences decode to, the slow and obvious way. */
function expand(sequences: readonly Sequence[], prefix: number[] = []): Buffer {
  const out = [...prefix];
  for (const { literals, match } of sequences) {
    out.push(...literals);
    if (match !== undefined) for (let i = 0; i < match.length; i++) out.push(out[out.length - match.offset]);
  }
  return Buffer.from(out.slice(prefix.length));
}

/** An LZ4 frame (version 01, 64 KiB blocks, no checksums) of the given compressed blocks. */
function frame(blocks: readonly Buffer[], options: { independent?: boolean } = {}): Buffer {
  const flg = 0x40 | (options.independent === false ? 0 : 0x20);
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, flg, 0x40, 0x00])];
  for (const data of blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(data.length);
    parts.push(size, data);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

const sequenceArbitrary = fc.record({
  literals: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  offset: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 2000 })),
  length: fc.integer({ min: 4, max: 700 }),
});

/**
 * Hand-built blocks: sequences with a match each (the first has at least one literal before it,
 * every offset reaches only into output already produced), then the last, literals only.
 */
const validBlockArbitrary = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(sequenceArbitrary, { maxLength: 30 }), fc.uint8Array({ maxLength: 40 }))
  .map(([lead, middle, last]) => {
    const sequences: Sequence[] = [];
    let produced = 0;
    middle.forEach(({ literals, offset, length }, index) => {
      const run = index === 0 ? Buffer.concat([lead, literals]) : literals;
      produced += run.length;
      sequences.push({ literals: run, match: { offset: Math.min(offset, produced), length } });
      produced += length;
    });
    sequences.push({ literals: Buffer.from(middle.length === 0 ? lead : last) });
    return sequences;
  });

describe("LZ4 decoder", () => {
  it("decodes what lz4-napi encodes, as lz4-napi decodes it", () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300_000 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 300_000 })).map(([pattern, size]) => Buffer.alloc(size, Buffer.from(pattern))),
      fc.array(fc.constantFrom("alpha", "beta", '{"id":', "12", ",", "}", "\n", "user-"), { maxLength: 20_000 }).map((words) => Buffer.from(words.join(""))),
    );
    fc.assert(
      fc.property(payload, (input) => {
        const framed = lz4().compressFrameSync(input);
        assert.deepEqual(decompress(CompressionType.Lz4, framed, input.length), input);
        assert.deepEqual(decompressTransient(CompressionType.Lz4, framed, input.length), lz4().decompressFrameSync(framed));
      }),
      { numRuns: 150 },
    );
  });

  it("decodes hand-built blocks: short and long offsets, overlapping matches, length extensions", () => {
    fc.assert(
      fc.property(validBlockArbitrary, (sequences) => {
        const expected = expand(sequences);
        const framed = frame([block(sequences)]);
        assert.deepEqual(decompress(CompressionType.Lz4, framed, 64 * 1024), expected);
      }),
      { numRuns: 300 },
    );
  });

  it("repeats a pattern of every short period over long runs", () => {
    for (let offset = 1; offset <= 16; offset++) {
      for (const length of [4, 8, 15, 16, 17, 19, 31, 32, 33, 100, 1000, 4000]) {
        const seed = Buffer.from(Array.from({ length: offset }, (_, i) => 65 + i));
        const sequences: Sequence[] = [{ literals: seed, match: { offset, length } }, { literals: Buffer.from("end") }];
        const output = decompress(CompressionType.Lz4, frame([block(sequences)]), 64 * 1024);
        assert.deepEqual(output, expand(sequences), `offset ${offset}, length ${length}`);
      }
    }
  });

  it("lets a linked frame's matches reach into earlier blocks, and refuses that in an independent frame", () => {
    const first: Sequence[] = [{ literals: Buffer.from("the first block's words") }];
    const second: Sequence[] = [{ literals: Buffer.from("x"), match: { offset: 10, length: 8 } }, { literals: Buffer.from("!") }];
    const expected = Buffer.concat([expand(first), expand(second, [...expand(first)])]);
    assert.deepEqual(decompress(CompressionType.Lz4, frame([block(first), block(second)], { independent: false }), MiB), expected);
    expectError(CompressionError, () => decompress(CompressionType.Lz4, frame([block(first), block(second)], { independent: true }), MiB));
  });

  it("refuses blocks that lie: zero or too-far offsets, truncated lengths, overruns", () => {
    const lies = [
      block([{ literals: Buffer.from("abc"), match: { offset: 0, length: 4 } }, { literals: Buffer.from("z") }]),
      block([{ literals: Buffer.from("abc"), match: { offset: 4, length: 4 } }, { literals: Buffer.from("z") }]),
      Buffer.from([0xf0]), // literal length 15 + an extension that never comes
      Buffer.from([0x50, 1, 2]), // 5 literals announced, 2 present
      Buffer.from([0x10, 1, 0x01]), // a match offset cut in half
      Buffer.from([0x1f, 1, 1, 0]), // a match length extension that never comes
    ];
    for (const lie of lies) expectError(CompressionError, () => decompress(CompressionType.Lz4, frame([lie]), MiB));
  });

  it("refuses a block that expands past the frame's block maximum", () => {
    // 70,000 bytes from one block of a frame whose blocks hold at most 64 KiB.
    const sequences: Sequence[] = [{ literals: Buffer.from("a"), match: { offset: 1, length: 70_000 } }, { literals: Buffer.from("b") }];
    assert.equal(expand(sequences).length, 70_002);
    expectError(CompressionError, () => decompress(CompressionType.Lz4, frame([block(sequences)]), MiB));
  });

  it("hands out views of one memory: the transient result is overwritten by the next decompression", () => {
    const a = lz4().compressFrameSync(Buffer.alloc(1000, "a"));
    const b = lz4().compressFrameSync(Buffer.alloc(1000, "b"));
    const first = decompressTransient(CompressionType.Lz4, a, MiB);
    const owned = decompress(CompressionType.Lz4, a, MiB);
    decompressTransient(CompressionType.Lz4, b, MiB);
    assert.equal(owned.toString(), "a".repeat(1000));
    assert.notEqual(first.toString(), "a".repeat(1000), "the transient view is the decoder's memory");
  });

  it("keeps no garbage per batch: a thousand 1 MiB decompressions leave ArrayBuffer memory flat", () => {
    const framed = lz4().compressFrameSync(Buffer.alloc(MiB, "0123456789abcdef"));
    decompressTransient(CompressionType.Lz4, framed, 2 * MiB);
    const before = process.memoryUsage().arrayBuffers;
    for (let round = 0; round < 1000; round++) decompressTransient(CompressionType.Lz4, framed, 2 * MiB);
    const growth = process.memoryUsage().arrayBuffers - before;
    assert.ok(growth < 4 * MiB, `ArrayBuffer memory grew by ${growth} bytes`);
  });

  it("gives back a large memory at the next load that fits the retained size", () => {
    const decoder = new Lz4BlockDecoder();
    decoder.load(Buffer.alloc(10), 2 * RETAINED_BYTES_MAX);
    assert.ok(decoder.memoryBytes > 2 * RETAINED_BYTES_MAX);
    decoder.load(Buffer.alloc(10), 1000);
    assert.ok(decoder.memoryBytes <= RETAINED_BYTES_MAX, `memory stayed at ${decoder.memoryBytes} bytes`);
    decoder.load(Buffer.alloc(10), RETAINED_BYTES_MAX / 2);
    const grown = decoder.memoryBytes;
    decoder.load(Buffer.alloc(10), 1000);
    assert.equal(decoder.memoryBytes, grown, "memory within the retained size is kept for reuse");
  });
});
