// The incremental RecordBatchBuilder writes exactly the bytes encodeRecordBatch writes for the
// same records, decodes back to them with every codec, and can be reused batch after batch.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CompressionType } from "../../../src/protocol/records/batch-header.js";
import { RecordBatchBuilder } from "../../../src/protocol/records/record-batch-builder.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import type { RecordInput } from "../../../src/protocol/records/record.js";
import { bufferArbitrary, headerArbitrary } from "./arbitraries.js";

const recordArbitrary: fc.Arbitrary<RecordInput> = fc.record({
  timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
  key: fc.option(bufferArbitrary(40), { nil: null }),
  value: fc.option(bufferArbitrary(300), { nil: null }),
  headers: fc.array(headerArbitrary, { maxLength: 3 }),
});

const optionsArbitrary = fc.record({
  producerId: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 40 })),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  isTransactional: fc.boolean(),
});

test("the builder writes the same bytes as encodeRecordBatch", () => {
  fc.assert(
    fc.property(fc.array(recordArbitrary, { minLength: 1, maxLength: 30 }), optionsArbitrary, (records, options) => {
      const builder = new RecordBatchBuilder({ ...options, capacityBytes: 64 });
      for (const record of records) builder.append(record.timestamp, record.key, record.value, record.headers);
      const built = builder.build();
      const expected = encodeRecordBatch({ records, ...options });
      assert.deepEqual(built, expected);
    }),
    { numRuns: 200 },
  );
});

test("compressed batches from the builder decode to the records appended", () => {
  for (const compression of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    fc.assert(
      fc.property(fc.array(recordArbitrary, { minLength: 1, maxLength: 20 }), (records) => {
        const builder = new RecordBatchBuilder({ compression });
        for (const record of records) builder.append(record.timestamp, record.key, record.value, record.headers);
        const decoded = decodeRecordBatch(builder.build(), { maxDecompressedBytes: 1 << 22 });
        assert.equal(decoded.records.length, records.length);
        decoded.records.forEach((record, index) => {
          assert.equal(record.offsetDelta, index);
          assert.equal(decoded.header.baseTimestamp + record.timestampDelta, records[index].timestamp);
          assert.deepEqual(record.key, records[index].key);
          assert.deepEqual(record.value, records[index].value);
        });
      }),
      { numRuns: 25 },
    );
  }
});

test("a builder reset after each batch starts clean", () => {
  const builder = new RecordBatchBuilder({ capacityBytes: 128 });
  for (let batchIndex = 0; batchIndex < 5; batchIndex++) {
    builder.reset({ baseSequence: batchIndex * 10, producerId: 7, producerEpoch: 1 });
    for (let index = 0; index < 10; index++) builder.append(1_700_000_000_000 + index, null, Buffer.from(`v${batchIndex}-${index}`));
    const decoded = decodeRecordBatch(Buffer.from(builder.build()), { maxDecompressedBytes: 1 << 20 });
    assert.equal(decoded.header.baseSequence, batchIndex * 10);
    assert.equal(decoded.records.length, 10);
    assert.equal(decoded.records[9].value?.toString(), `v${batchIndex}-9`);
  }
});

test("recordSizeBytes never underestimates what append adds", () => {
  fc.assert(
    fc.property(fc.array(recordArbitrary, { minLength: 1, maxLength: 20 }), (records) => {
      const builder = new RecordBatchBuilder();
      for (const record of records) {
        const before = builder.sizeBytes;
        builder.append(record.timestamp, record.key, record.value, record.headers);
        assert.ok(builder.sizeBytes - before <= RecordBatchBuilder.recordSizeBytes(record.key, record.value, record.headers));
      }
    }),
    { numRuns: 100 },
  );
});
