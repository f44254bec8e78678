import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Reader } from "../../../src/protocol/primitives/reader.js";
import { Writer } from "../../../src/protocol/primitives/writer.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import { encodeHeaderKeys, readRecord, sizeOfRecordBody, sizeOfVarint, writeRecord } from "../../../src/protocol/records/record.js";
import { headerArbitrary } from "./arbitraries.js";

describe("record", () => {
  it("sizes varints and varlongs exactly as Writer writes them", () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), (value) => {
        assert.equal(sizeOfVarint(value), new Writer().varint(value).toBuffer().length);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        assert.equal(sizeOfVarint(value), new Writer().varlong(value).toBuffer().length);
      }),
      { numRuns: 2000 },
    );
    for (const value of [0, -1, 63, 64, -64, -65, 2 ** 52, -(2 ** 52), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      assert.equal(sizeOfVarint(value), new Writer().varlong(value).toBuffer().length, `value ${value}`);
    }
  });

  it("writes exactly the size it computes, and reads back what it wrote", () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.integer({ min: 0, max: 0x7fff_ffff }),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
        fc.array(headerArbitrary, { maxLength: 4 }),
        (timestampDelta, offsetDelta, keyBytes, valueBytes, headers) => {
          const key = keyBytes === null ? null : Buffer.from(keyBytes);
          const value = valueBytes === null ? null : Buffer.from(valueBytes);
          const headerKeys = encodeHeaderKeys(headers);
          const bodyBytes = sizeOfRecordBody(timestampDelta, offsetDelta, key, value, headers, headerKeys);
          const writer = new Writer();
          writeRecord(writer, bodyBytes, timestampDelta, offsetDelta, key, value, headers, headerKeys);
          const bytes = writer.toBuffer();
          assert.equal(bytes.length, sizeOfVarint(bodyBytes) + bodyBytes);
          const reader = new Reader(bytes);
          assert.deepEqual(readRecord(reader), { offsetDelta, timestampDelta, key, value, headers });
          assert.equal(reader.remaining, 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("encodes timestamp deltas past 2^52 (varlongs beyond the fast path)", () => {
    const records = [
      { timestamp: -(2 ** 51), key: null, value: Buffer.from("a") },
      { timestamp: 2 ** 52 + 1, key: null, value: Buffer.from("b") },
    ];
    const decoded = decodeRecordBatch(encodeRecordBatch({ records }), { maxDecompressedBytes: 1024 });
    assert.equal(decoded.records[1].timestampDelta, 2 ** 52 + 1 + 2 ** 51);
    assert.equal(decoded.header.maxTimestamp, 2 ** 52 + 1);
  });
});
