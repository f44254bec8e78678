import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isControlBatch, isTransactional } from "../../../src/protocol/records/batch-header.js";
import {
  ControlRecordType,
  decodeControlRecordKey,
  decodeEndTransactionMarkerValue,
  encodeControlRecordKey,
  encodeEndTransactionMarkerBatch,
  encodeEndTransactionMarkerValue,
} from "../../../src/protocol/records/control-record.js";
import { CorruptRecordError } from "../../../src/protocol/records/errors.js";
import { decodeRecordBatch } from "../../../src/protocol/records/record-batch.js";

describe("control records", () => {
  it("encodes ABORT and COMMIT keys as version 0 + type", () => {
    assert.equal(encodeControlRecordKey(ControlRecordType.Abort).toString("hex"), "00000000");
    assert.equal(encodeControlRecordKey(ControlRecordType.Commit).toString("hex"), "00000001");
    assert.deepEqual(decodeControlRecordKey(encodeControlRecordKey(ControlRecordType.Abort)), { version: 0, type: 0 });
  });

  it("round-trips end transaction marker values", () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), (coordinatorEpoch) => {
        const value = encodeEndTransactionMarkerValue(coordinatorEpoch);
        assert.equal(value.length, 6);
        assert.deepEqual(decodeEndTransactionMarkerValue(value), { version: 0, coordinatorEpoch });
      }),
    );
  });

  it("accepts newer versions and other control types, as Kafka does", () => {
    assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 1, 0, 2, 9, 9])), { version: 1, type: 2 });
    assert.deepEqual(decodeEndTransactionMarkerValue(Buffer.from([0, 1, 0, 0, 0, 7, 1])), { version: 1, coordinatorEpoch: 7 });
  });

  it("rejects short, null or negative-version keys and values", () => {
    for (const key of [null, Buffer.from([0, 0, 0]), Buffer.from([0xff, 0xff, 0, 0])]) {
      assert.throws(() => decodeControlRecordKey(key), CorruptRecordError);
    }
    for (const value of [null, Buffer.from([0, 0, 0, 0, 0]), Buffer.from([0x80, 0, 0, 0, 0, 0])]) {
      assert.throws(() => decodeEndTransactionMarkerValue(value), CorruptRecordError);
    }
  });

  it("builds marker batches the way the transaction coordinator writes them", () => {
    const batch = encodeEndTransactionMarkerBatch({
      type: ControlRecordType.Abort,
      coordinatorEpoch: 3,
      producerId: 77,
      producerEpoch: 4,
      timestampMs: 1_700_000_000_000,
    });
    const { header, records } = decodeRecordBatch(batch, { maxDecompressedBytes: 1024 });
    assert.ok(isControlBatch(header.attributes) && isTransactional(header.attributes));
    assert.equal(header.attributes & 0x07, 0);
    assert.equal(header.baseSequence, -1);
    assert.equal(header.producerId, 77);
    assert.equal(header.producerEpoch, 4);
    assert.equal(records.length, 1);
    assert.equal(decodeControlRecordKey(records[0].key).type, ControlRecordType.Abort);
    assert.equal(decodeEndTransactionMarkerValue(records[0].value).coordinatorEpoch, 3);
  });
});
