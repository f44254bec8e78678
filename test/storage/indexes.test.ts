import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CorruptIndexError, OffsetIndex } from "../../src/storage/offset-index.js";
import { TimeIndex } from "../../src/storage/time-index.js";

describe("OffsetIndex", () => {
  test("lookup returns the largest entry at or below the target (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 60 }), fc.integer({ min: -5, max: 10_100 }), (relatives, target) => {
        const sorted = [...relatives].sort((a, b) => a - b);
        const index = new OffsetIndex(1000, 8 * 100);
        sorted.forEach((relative, entry) => index.append(1000 + relative, entry * 10 + 1));
        const expected = sorted.filter((relative) => 1000 + relative <= 1000 + target);
        const found = index.lookup(1000 + target);
        if (expected.length === 0) assert.deepEqual(found, { offset: 1000, position: 0 });
        else assert.deepEqual(found, { offset: 1000 + expected[expected.length - 1], position: (expected.length - 1) * 10 + 1 });
      }),
    );
  });

  test("full, truncate, relative offset range", () => {
    const index = new OffsetIndex(100, 24);
    assert.equal(index.maxEntries, 3);
    index.append(101, 10);
    index.append(105, 20);
    index.append(109, 30);
    assert.equal(index.isFull, true);
    assert.throws(() => index.append(110, 40));
    index.truncateToOffset(105);
    assert.equal(index.entries, 1);
    assert.equal(index.lastOffset, 101);
    assert.equal(index.canAppendOffset(100 + 0x7fff_ffff), true);
    assert.equal(index.canAppendOffset(100 + 0x8000_0000), false);
    assert.equal(index.canAppendOffset(99), false);
    assert.throws(() => index.append(101, 50), "offsets must increase");
  });

  test("loading checks every entry", () => {
    const good = Buffer.from("00000001000000100000000500000020", "hex");
    const loaded = OffsetIndex.load(0, good, 1024, 100);
    assert.equal(loaded.entries, 2);
    assert.deepEqual(loaded.lookup(7), { offset: 5, position: 32 });
    assert.throws(() => OffsetIndex.load(0, good.subarray(0, 12), 1024, 100), CorruptIndexError);
    assert.throws(() => OffsetIndex.load(0, Buffer.concat([good, Buffer.alloc(8)]), 1024, 100), CorruptIndexError, "trailing zeros of a preallocated file");
    assert.throws(() => OffsetIndex.load(0, good, 1024, 20), CorruptIndexError, "position past the log");
    assert.throws(() => OffsetIndex.load(0, good, 1024, 100, 3), CorruptIndexError, "offset past the next segment");
  });
});

describe("TimeIndex", () => {
  test("appends only growing timestamps; lookup and truncation", () => {
    const index = new TimeIndex(50, 12 * 10);
    assert.deepEqual(index.lastEntry, { timestamp: -1, offset: 50 });
    index.maybeAppend(1000, 52);
    index.maybeAppend(1000, 53);
    index.maybeAppend(900, 54);
    index.maybeAppend(2000, 55);
    assert.equal(index.entries, 2);
    assert.deepEqual(index.lookup(1500), { timestamp: 1000, offset: 52 });
    assert.deepEqual(index.lookup(999), { timestamp: -1, offset: 50 });
    assert.deepEqual(index.lookup(5000), { timestamp: 2000, offset: 55 });
    index.truncateToOffset(55);
    assert.equal(index.entries, 1);
  });

  test("keeps one slot for the final entry written on roll", () => {
    const index = new TimeIndex(0, 36);
    index.maybeAppend(1, 1);
    index.maybeAppend(2, 2);
    assert.equal(index.isFull, true);
    assert.throws(() => index.maybeAppend(3, 3));
    index.maybeAppend(3, 3, true);
    assert.equal(index.entries, 3);
  });

  test("loading refuses decreasing or impossible entries", () => {
    const entry = (timestamp: number, relative: number): Buffer => {
      const bytes = Buffer.alloc(12);
      bytes.writeBigInt64BE(BigInt(timestamp), 0);
      bytes.writeInt32BE(relative, 8);
      return bytes;
    };
    assert.equal(TimeIndex.load(0, Buffer.concat([entry(10, 1), entry(20, 1)]), 120).entries, 2);
    assert.throws(() => TimeIndex.load(0, Buffer.concat([entry(20, 1), entry(10, 2)]), 120), CorruptIndexError);
    assert.throws(() => TimeIndex.load(0, Buffer.concat([entry(10, 2), entry(20, 1)]), 120), CorruptIndexError);
    assert.throws(() => TimeIndex.load(0, Buffer.concat([entry(10, 1), Buffer.alloc(12)]), 120), CorruptIndexError);
    assert.throws(() => TimeIndex.load(0, entry(-5, 1), 120), CorruptIndexError);
  });
});
