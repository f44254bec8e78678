// Byte-for-byte fixtures hand-built from Kafka's documented record batch format (see the
// annotated .hex files): our encoder must produce exactly these bytes and our decoder must read
// exactly these fields. Their CRCs were computed with an independent bitwise CRC-32C.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TimestampType, isBatchCrcValid } from "../../../src/protocol/records/batch-header.js";
import {
  ControlRecordType,
  decodeControlRecordKey,
  decodeEndTransactionMarkerValue,
  encodeEndTransactionMarkerBatch,
} from "../../../src/protocol/records/control-record.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import { recordOffset, recordTimestamp } from "../../../src/protocol/records/record.js";
import { readHexFixture } from "./hex-fixture.js";

const LIMITS = { maxDecompressedBytes: 1 << 20 };

describe("record batch fixtures", () => {
  it("uncompressed-headers-null-key-value: encodes to the exact bytes", () => {
    const expected = readHexFixture("uncompressed-headers-null-key-value.hex");
    assert.ok(isBatchCrcValid(expected));
    const encoded = encodeRecordBatch({
      baseOffset: 100,
      partitionLeaderEpoch: 3,
      producerId: 1000,
      producerEpoch: 2,
      baseSequence: 7,
      timestampType: TimestampType.CreateTime,
      records: [
        { timestamp: 1_700_000_000_000, key: Buffer.from("k1"), value: Buffer.from("hello"), headers: [{ key: "h", value: Buffer.from("v") }] },
        { timestamp: 1_700_000_000_250, key: null, value: Buffer.from("x"), headers: [{ key: "trace", value: null }] },
        { timestamp: 1_699_999_999_995, key: Buffer.from("k3"), value: null },
      ],
    });
    assert.equal(encoded.toString("hex"), expected.toString("hex"));
  });

  it("uncompressed-headers-null-key-value: decodes to the documented fields", () => {
    const { header, records } = decodeRecordBatch(readHexFixture("uncompressed-headers-null-key-value.hex"), LIMITS);
    assert.deepEqual(header, {
      baseOffset: 100,
      batchLength: 92,
      partitionLeaderEpoch: 3,
      magic: 2,
      crc: 0x278eee14,
      attributes: 0,
      lastOffsetDelta: 2,
      baseTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_250,
      producerId: 1000,
      producerEpoch: 2,
      baseSequence: 7,
      recordCount: 3,
    });
    assert.deepEqual(records, [
      { offsetDelta: 0, timestampDelta: 0, key: Buffer.from("k1"), value: Buffer.from("hello"), headers: [{ key: "h", value: Buffer.from("v") }] },
      { offsetDelta: 1, timestampDelta: 250, key: null, value: Buffer.from("x"), headers: [{ key: "trace", value: null }] },
      { offsetDelta: 2, timestampDelta: -5, key: Buffer.from("k3"), value: null, headers: [] },
    ]);
    assert.deepEqual(
      records.map((record) => [recordOffset(header, record), recordTimestamp(header, record)]),
      [
        [100, 1_700_000_000_000],
        [101, 1_700_000_000_250],
        [102, 1_699_999_999_995],
      ],
    );
  });

  it("control-commit-marker: encodes to the exact bytes", () => {
    const expected = readHexFixture("control-commit-marker.hex");
    assert.ok(isBatchCrcValid(expected));
    const encoded = encodeEndTransactionMarkerBatch({
      type: ControlRecordType.Commit,
      coordinatorEpoch: 11,
      producerId: 4242,
      producerEpoch: 1,
      timestampMs: 1_700_000_001_000,
      baseOffset: 42,
      partitionLeaderEpoch: 5,
    });
    assert.equal(encoded.toString("hex"), expected.toString("hex"));
  });

  it("control-commit-marker: decodes to the documented fields", () => {
    const { header, records } = decodeRecordBatch(readHexFixture("control-commit-marker.hex"), LIMITS);
    assert.deepEqual(header, {
      baseOffset: 42,
      batchLength: 66,
      partitionLeaderEpoch: 5,
      magic: 2,
      crc: 0xa9a67b03,
      attributes: 0x30,
      lastOffsetDelta: 0,
      baseTimestamp: 1_700_000_001_000,
      maxTimestamp: 1_700_000_001_000,
      producerId: 4242,
      producerEpoch: 1,
      baseSequence: -1,
      recordCount: 1,
    });
    assert.equal(records.length, 1);
    assert.deepEqual(decodeControlRecordKey(records[0].key), { version: 0, type: ControlRecordType.Commit });
    assert.deepEqual(decodeEndTransactionMarkerValue(records[0].value), { version: 0, coordinatorEpoch: 11 });
    assert.deepEqual(records[0].headers, []);
  });
});
