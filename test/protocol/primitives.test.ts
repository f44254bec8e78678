// Reader and Writer: exact bytes at the edges (varint lengths and limits, zigzag, int64 exactness,
// classic and compact strings and bytes, uuids), the errors for bad input, and attach() giving
// the same bytes as raw(). Property tests compare against a bigint reference where numbers end.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { AssertionError } from "../../src/lib/assert.js";
import { DecodeError } from "../../src/protocol/primitives/decode-error.js";
import { Reader, STRING_BYTES_MAX } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";

const RUNS = 300;

function written(write: (writer: Writer) => void): string {
  const writer = new Writer();
  write(writer);
  const bytes = writer.toBuffer();
  assert.equal(bytes.length, writer.length);
  return bytes.toString("hex");
}

function reader(hex: string): Reader {
  return new Reader(Buffer.from(hex, "hex"));
}

/** Reads with `read`, and checks that every byte was consumed. */
function readAll<T>(hex: string, read: (reader: Reader) => T): T {
  const source = reader(hex);
  const value = read(source);
  assert.equal(source.remaining, 0, `all of ${hex} consumed`);
  return value;
}

function decodeError(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof DecodeError && pattern.test(error.message);
}

/** Reference zigzag varlong encoder in bigint arithmetic. */
function zigzagVarlongHex(value: bigint): string {
  let raw = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const bytes: number[] = [];
  while (raw >= 0x80n) {
    bytes.push(Number(raw & 0x7fn) | 0x80);
    raw >>= 7n;
  }
  bytes.push(Number(raw));
  return Buffer.from(bytes).toString("hex");
}

describe("unsigned varint", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [16_383, "ff7f"],
    [16_384, "808001"],
    [2 ** 31 - 1, "ffffffff07"],
    [2 ** 31, "8080808008"],
    [2 ** 32 - 1, "ffffffff0f"],
  ];
  for (const [value, hex] of cases) {
    test(`${value} is ${hex}`, () => {
      assert.equal(written((w) => w.unsignedVarint(value)), hex);
      assert.equal(readAll(hex, (r) => r.unsignedVarint()), value);
    });
  }

  test("more than 5 bytes is a DecodeError", () => {
    assert.throws(() => reader("ffffffffff01").unsignedVarint(), decodeError(/longer than 5 bytes/));
    assert.throws(() => reader("808080808000").unsignedVarint(), decodeError(/longer than 5 bytes/));
  });

  test("a 5-byte varint beyond 32 bits is a DecodeError", () => {
    assert.throws(() => reader("ffffffff1f").unsignedVarint(), decodeError(/exceeds 32 bits/));
  });

  test("a truncated varint is a DecodeError", () => {
    assert.throws(() => reader("ff").unsignedVarint(), decodeError(/needed 1 bytes/));
    assert.throws(() => reader("").unsignedVarint(), DecodeError);
  });

  test("values outside 0..2^32-1 are refused when writing", () => {
    for (const value of [-1, 2 ** 32, 1.5, Number.NaN]) {
      assert.throws(() => new Writer().unsignedVarint(value), AssertionError);
    }
  });

  test("property: every uint32 reads back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const hex = written((w) => w.unsignedVarint(value));
        assert.ok(hex.length / 2 <= 5);
        assert.equal(readAll(hex, (r) => r.unsignedVarint()), value);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("zigzag varint (record format)", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [-1, "01"],
    [1, "02"],
    [-64, "7f"],
    [64, "8001"],
    [2 ** 31 - 1, "feffffff0f"],
    [-(2 ** 31), "ffffffff0f"],
  ];
  for (const [value, hex] of cases) {
    test(`${value} is ${hex}`, () => {
      assert.equal(written((w) => w.varint(value)), hex);
      assert.equal(readAll(hex, (r) => r.varint()), value);
    });
  }

  test("int32 range only when writing; 5 bytes at most when reading", () => {
    assert.throws(() => new Writer().varint(2 ** 31), AssertionError);
    assert.throws(() => new Writer().varint(-(2 ** 31) - 1), AssertionError);
    assert.throws(() => reader("ffffffffff01").varint(), decodeError(/longer than 5 bytes/));
  });
});

describe("zigzag varlong (record format)", () => {
  const edges = [
    0,
    -1,
    1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 48,
    2 ** 49 - 1,
    2 ** 49,
    -(2 ** 49),
    2 ** 52 - 1,
    2 ** 52,
    -(2 ** 52),
    -(2 ** 52) - 1,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ];
  for (const value of edges) {
    test(`${value} matches the bigint reference and reads back`, () => {
      const hex = written((w) => w.varlong(value));
      assert.equal(hex, zigzagVarlongHex(BigInt(value)));
      assert.equal(readAll(hex, (r) => r.varlong()), value);
    });
  }

  test("property: every safe integer matches the bigint reference", () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer()), (value) => {
        const hex = written((w) => w.varlong(value));
        assert.equal(hex, zigzagVarlongHex(BigInt(value)));
        assert.equal(readAll(hex, (r) => r.varlong()), value);
      }),
      { numRuns: RUNS },
    );
  });

  test("values beyond the safe integers are DecodeErrors, never rounded", () => {
    for (const value of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
      assert.throws(() => readAll(zigzagVarlongHex(value), (r) => r.varlong()), decodeError(/safe integer/));
    }
    assert.throws(() => new Writer().varlong(2 ** 53), AssertionError);
  });

  test("10 bytes at most, and 64 bits at most", () => {
    assert.throws(() => reader("ffffffffffffffffff7f00").varlong(), decodeError(/exceeds 64 bits|safe integer/));
    assert.throws(() => reader("ffffffffffffffffffff01").varlong(), decodeError(/longer than 10 bytes/));
  });
});

describe("int64", () => {
  const exact: [number, string][] = [
    [0, "0000000000000000"],
    [-1, "ffffffffffffffff"],
    [Number.MAX_SAFE_INTEGER, "001fffffffffffff"],
    [Number.MIN_SAFE_INTEGER, "ffe0000000000001"],
    [2 ** 32, "0000000100000000"],
    [-(2 ** 32), "ffffffff00000000"],
  ];
  for (const [value, hex] of exact) {
    test(`${value} is ${hex}`, () => {
      assert.equal(written((w) => w.int64(value)), hex);
      assert.equal(readAll(hex, (r) => r.int64()), value);
    });
  }

  test("beyond ±(2^53 - 1) is a DecodeError (checked exactly, never rounded)", () => {
    for (const hex of ["0020000000000000", "ffe0000000000000", "7fffffffffffffff", "8000000000000000", "0020000000000001"]) {
      assert.throws(() => reader(hex).int64(), decodeError(/does not fit a safe integer/), hex);
    }
    assert.throws(() => new Writer().int64(2 ** 53), AssertionError);
    assert.throws(() => new Writer().int64(0.5), AssertionError);
  });

  test("property: safe integers match writeBigInt64BE", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        const expected = Buffer.alloc(8);
        expected.writeBigInt64BE(BigInt(value));
        const hex = written((w) => w.int64(value));
        assert.equal(hex, expected.toString("hex"));
        assert.equal(readAll(hex, (r) => r.int64()), value);
      }),
      { numRuns: RUNS },
    );
  });

  test("int64Big holds the full range", () => {
    for (const value of [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n]) {
      const hex = written((w) => w.int64Big(value));
      assert.equal(readAll(hex, (r) => r.int64Big()), value);
    }
  });
});

describe("fixed-width integers, bool and float64", () => {
  test("bytes and bounds", () => {
    assert.equal(written((w) => w.int8(-1).uint8(255).int16(-2).uint16(65_535).int32(-3).uint32(2 ** 32 - 1)), "ffff" + "fffe" + "ffff" + "fffffffd" + "ffffffff");
    const r = reader("ffff" + "fffe" + "ffff" + "fffffffd" + "ffffffff");
    assert.deepEqual([r.int8(), r.uint8(), r.int16(), r.uint16(), r.int32(), r.uint32()], [-1, 255, -2, 65_535, -3, 2 ** 32 - 1]);
    assert.throws(() => new Writer().int16(0x8000), RangeError);
  });

  test("bool reads any non-zero byte as true and writes 1", () => {
    assert.equal(written((w) => w.bool(true).bool(false)), "0100");
    assert.equal(reader("02").bool(), true);
  });

  test("float64 keeps every double, including -0 and NaN", () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        assert.ok(Object.is(readAll(written((w) => w.float64(value)), (r) => r.float64()), value));
      }),
      { numRuns: RUNS },
    );
  });

  test("reading past the end is a DecodeError", () => {
    assert.throws(() => reader("000000").int32(), decodeError(/needed 4 bytes/));
    assert.throws(() => reader("00000000000000").int64(), DecodeError);
  });
});

describe("strings", () => {
  const euro = "€"; // 3 bytes in UTF-8
  const longest = euro.repeat(10_922) + "a"; // 32 767 bytes
  const tooLong = euro.repeat(10_923); // 32 769 bytes in 10 923 characters

  test("classic: int16 byte length, -1 for null", () => {
    assert.equal(written((w) => w.string("")), "0000");
    assert.equal(written((w) => w.string("hé")), "0003" + "68c3a9");
    assert.equal(written((w) => w.nullableString(null)), "ffff");
    assert.equal(readAll("0003" + "68c3a9", (r) => r.string()), "hé");
    assert.equal(readAll("ffff", (r) => r.nullableString()), null);
  });

  test("compact: unsigned varint of byte length + 1, 0 for null", () => {
    assert.equal(written((w) => w.compactString("")), "01");
    assert.equal(written((w) => w.compactString("hé")), "04" + "68c3a9");
    assert.equal(written((w) => w.compactNullableString(null)), "00");
    assert.equal(readAll("04" + "68c3a9", (r) => r.compactString()), "hé");
    assert.equal(readAll("00", (r) => r.compactNullableString()), null);
  });

  test("the 32767 limit counts UTF-8 bytes, in both encodings", () => {
    assert.equal(Buffer.byteLength(longest), STRING_BYTES_MAX);
    assert.equal(readAll(written((w) => w.string(longest)), (r) => r.string()), longest);
    assert.equal(readAll(written((w) => w.compactString(longest)), (r) => r.compactString()), longest);
    assert.throws(() => new Writer().string(tooLong), AssertionError);
    assert.throws(() => new Writer().compactString(tooLong), AssertionError);
    // A compact length over the limit is refused even when the bytes are there.
    const oversized = Buffer.concat([Buffer.from(written((w) => w.unsignedVarint(STRING_BYTES_MAX + 2)), "hex"), Buffer.alloc(STRING_BYTES_MAX + 1, 0x61)]);
    assert.throws(() => new Reader(oversized).compactString(), decodeError(/exceeds 32767/));
  });

  test("null where a string is required, negative lengths and short input are DecodeErrors", () => {
    assert.throws(() => reader("ffff").string(), decodeError(/null string/));
    assert.throws(() => reader("00").compactString(), decodeError(/null string/));
    assert.throws(() => reader("fffe").nullableString(), decodeError(/negative/));
    assert.throws(() => reader("0005" + "6869").string(), decodeError(/needed 5 bytes/));
    assert.throws(() => reader("06" + "6869").compactString(), decodeError(/needed 5 bytes/));
  });

  test("property: well-formed strings read back in both encodings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), fc.boolean(), (value, compact) => {
        const hex = written((w) => (compact ? w.compactString(value) : w.string(value)));
        assert.equal(readAll(hex, (r) => (compact ? r.compactString() : r.string())), value);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("bytes and records", () => {
  test("classic: int32 length, -1 for null; compact: varint length + 1, 0 for null", () => {
    assert.equal(written((w) => w.bytes(Buffer.from([1, 2]))), "00000002" + "0102");
    assert.equal(written((w) => w.nullableBytes(null)), "ffffffff");
    assert.equal(written((w) => w.compactBytes(Buffer.alloc(0))), "01");
    assert.equal(written((w) => w.compactNullableBytes(null)), "00");
    assert.deepEqual(readAll("00000002" + "0102", (r) => r.bytes()), Buffer.from([1, 2]));
    assert.equal(readAll("ffffffff", (r) => r.nullableBytes()), null);
    assert.deepEqual(readAll("03" + "0102", (r) => r.compactBytes()), Buffer.from([1, 2]));
    assert.equal(readAll("00", (r) => r.compactNullableBytes()), null);
  });

  test("bad lengths are DecodeErrors", () => {
    assert.throws(() => reader("ffffffff").bytes(), decodeError(/null bytes/));
    assert.throws(() => reader("fffffffe").nullableBytes(), decodeError(/negative/));
    assert.throws(() => reader("7fffffff00").bytes(), decodeError(/needed 2147483647 bytes/));
    assert.throws(() => reader("ffffffff0f00").compactBytes(), decodeError(/needed 4294967294 bytes/));
  });

  test("records: several stored batches are written as one bytes value", () => {
    const parts = [Buffer.alloc(700, 1), Buffer.alloc(3, 2), Buffer.alloc(600, 3)];
    const joined = Buffer.concat(parts);
    for (const compact of [false, true]) {
      assert.equal(written((w) => w.records(parts, compact)), written((w) => w.records(joined, compact)));
    }
    assert.equal(written((w) => w.records(null, false)), "ffffffff");
    assert.equal(written((w) => w.records(null, true)), "00");
  });
});

describe("uuid", () => {
  test("16 raw bytes, read as 22 characters of base64url", () => {
    const bytes = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const text = bytes.toString("base64url");
    assert.equal(text.length, 22);
    assert.equal(written((w) => w.uuid(text)), bytes.toString("hex"));
    assert.equal(readAll(bytes.toString("hex"), (r) => r.uuid()), text);
    assert.equal(readAll("00".repeat(16), (r) => r.uuid()), "AAAAAAAAAAAAAAAAAAAAAA");
  });

  test("malformed or non-canonical text is refused when writing", () => {
    for (const text of ["", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAB", "AAAAAAAAAAAAAAAAAAAA!A"]) {
      assert.throws(() => new Writer().uuid(text), AssertionError, text);
    }
  });

  test("property: any 16 bytes read back", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
        const hex = Buffer.from(raw).toString("hex");
        const text = readAll(hex, (r) => r.uuid());
        assert.equal(written((w) => w.uuid(text)), hex);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("arrays and sub-readers", () => {
  test("counts are checked against the bytes that remain", () => {
    assert.equal(readAll("ffffffff", (r) => r.arrayLength()), -1);
    assert.equal(readAll("00", (r) => r.compactArrayLength()), -1);
    assert.equal(reader("00000002" + "0000").arrayLength(), 2);
    assert.throws(() => reader("00000003" + "0000").arrayLength(), decodeError(/3 elements cannot fit in 2 bytes/));
    assert.throws(() => reader("fffffffe").arrayLength(), decodeError(/negative/));
    assert.throws(() => reader("04" + "0000").compactArrayLength(), decodeError(/3 elements cannot fit in 2 bytes/));
    assert.equal(written((w) => w.arrayLength(null).compactArrayLength(null).arrayLength(2).compactArrayLength(2)), "ffffffff" + "00" + "00000002" + "03");
  });

  test("a sub-reader sees only its bytes; the parent skips them", () => {
    const parent = reader("0102030405");
    parent.uint8();
    const sub = parent.sub(2);
    assert.equal(parent.offset, 3);
    assert.deepEqual([sub.uint8(), sub.uint8()], [2, 3]);
    assert.throws(() => sub.uint8(), DecodeError);
    assert.throws(() => parent.sub(3), DecodeError);
    assert.throws(() => parent.sub(-1), decodeError(/negative/));
    assert.throws(() => parent.skip(-1), decodeError(/negative/));
  });
});

describe("Writer buffering", () => {
  test("attach() gives the same bytes as raw(), below and above the attach threshold", () => {
    for (const size of [0, 1, 511, 512, 513, 4096]) {
      const payload = Buffer.alloc(size, size % 251);
      const attached = new Writer(16).int32(7).attach(payload).int8(1).attach(payload).int16(2);
      const copied = new Writer(16).int32(7).raw(payload).int8(1).raw(payload).int16(2);
      assert.equal(attached.length, copied.length);
      assert.deepEqual(attached.toBuffer(), copied.toBuffer());
    }
  });

  test("a large attached payload is a chunk of its own, by reference", () => {
    const payload = Buffer.alloc(2048, 9);
    const writer = new Writer().int32(1).attach(payload).int32(2);
    const chunks = writer.finish();
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], payload);
    assert.equal(chunks.reduce((sum, chunk) => sum + chunk.length, 0), writer.length);
  });

  test("an empty writer gives an empty buffer", () => {
    assert.equal(new Writer().toBuffer().length, 0);
  });

  test("property: any sequence of writes is counted, grown and laid out like a plain copy", () => {
    const operation = fc.oneof(
      fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }).map((value) => ({ kind: "int32" as const, value })),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((value) => ({ kind: "varint" as const, value })),
      fc.uint8Array({ maxLength: 1500 }).map((bytes) => ({ kind: "attach" as const, bytes: Buffer.from(bytes) })),
      fc.string({ unit: "grapheme", maxLength: 30 }).map((value) => ({ kind: "string" as const, value })),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (operations, capacity) => {
        const writer = new Writer(capacity);
        const reference: Buffer[] = [];
        for (const op of operations) {
          const piece = new Writer(1024);
          if (op.kind === "int32") {
            writer.int32(op.value);
            piece.int32(op.value);
          } else if (op.kind === "varint") {
            writer.unsignedVarint(op.value);
            piece.unsignedVarint(op.value);
          } else if (op.kind === "attach") {
            writer.attach(op.bytes);
            piece.raw(op.bytes);
          } else {
            writer.compactString(op.value);
            piece.compactString(op.value);
          }
          reference.push(piece.toBuffer());
        }
        const expected = Buffer.concat(reference);
        assert.equal(writer.length, expected.length);
        assert.deepEqual(writer.toBuffer(), expected);
      }),
      { numRuns: RUNS },
    );
  });
});
