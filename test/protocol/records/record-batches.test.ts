import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BATCH_LENGTH_OFFSET, MAGIC_OFFSET } from "../../../src/protocol/records/batch-header.js";
import { CorruptRecordError } from "../../../src/protocol/records/errors.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import { recordBatches } from "../../../src/protocol/records/record-batches.js";
import { encodeOptionsArbitrary } from "./arbitraries.js";

function oneBatch(value: string, baseOffset = 0): Buffer {
  return encodeRecordBatch({ records: [{ timestamp: 1, key: null, value: Buffer.from(value) }], baseOffset });
}

describe("recordBatches", () => {
  it("yields every batch of a buffer, as views, in order", () => {
    fc.assert(
      fc.property(fc.array(encodeOptionsArbitrary, { maxLength: 5 }), (optionsList) => {
        const batches = optionsList.map((options) => encodeRecordBatch(options));
        const buffer = Buffer.concat(batches);
        const slices = [...recordBatches(buffer)];
        assert.equal(slices.length, batches.length);
        let position = 0;
        slices.forEach((slice, index) => {
          assert.equal(slice.position, position);
          assert.deepEqual(slice.batch, batches[index]);
          assert.equal(slice.batch.buffer, buffer.buffer);
          assert.equal(slice.header.baseOffset, optionsList[index].baseOffset);
          assert.equal(decodeRecordBatch(slice.batch, { maxDecompressedBytes: 1 << 24 }).records.length, optionsList[index].records.length);
          position += slice.batch.length;
        });
      }),
      { numRuns: 60 },
    );
  });

  it("stops without error at a truncated trailing batch, wherever the cut is", () => {
    const batches = [oneBatch("first", 0), oneBatch("second", 1), oneBatch("third", 2)];
    const buffer = Buffer.concat(batches);
    for (let cut = 0; cut <= buffer.length; cut++) {
      const slices = [...recordBatches(buffer.subarray(0, cut))];
      let complete = 0;
      let end = 0;
      while (complete < batches.length && end + batches[complete].length <= cut) end += batches[complete++].length;
      assert.equal(slices.length, complete, `cut at ${cut}`);
      assert.deepEqual(
        slices.map((slice) => slice.header.baseOffset),
        [0, 1, 2].slice(0, complete),
      );
    }
  });

  it("refuses a batch length below the header size and magics other than 2", () => {
    const tooShort = Buffer.concat([oneBatch("a"), oneBatch("b")]);
    const second = oneBatch("a").length;
    tooShort.writeInt32BE(48, second + BATCH_LENGTH_OFFSET);
    const iterator = recordBatches(tooShort);
    assert.equal(iterator.next().done, false);
    assert.throws(() => iterator.next(), CorruptRecordError);

    const negative = oneBatch("a");
    negative.writeInt32BE(-1, BATCH_LENGTH_OFFSET);
    assert.throws(() => [...recordBatches(negative)], CorruptRecordError);

    const magicOne = oneBatch("a");
    magicOne[MAGIC_OFFSET] = 1;
    assert.throws(() => [...recordBatches(magicOne)], /unsupported magic 1/);
  });

  it("ignores fewer bytes than a batch's length and magic", () => {
    assert.deepEqual([...recordBatches(Buffer.alloc(16, 0xff))], []);
    assert.deepEqual([...recordBatches(Buffer.alloc(0))], []);
  });
});
