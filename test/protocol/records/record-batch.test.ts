import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AssertionError } from "../../../src/lib/assert.js";
import { DecodeError } from "../../../src/protocol/primitives/decode-error.js";
import {
  ATTRIBUTES_OFFSET,
  CompressionType,
  MAGIC_OFFSET,
  RECORD_COUNT_OFFSET,
  TimestampType,
  batchSizeAt,
  compressionOf,
  isBatchCrcValid,
  isControlBatch,
  isTransactional,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  timestampTypeOf,
  writeBatchCrc,
} from "../../../src/protocol/records/batch-header.js";
import { CorruptRecordError, DecompressionLimitError } from "../../../src/protocol/records/errors.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import type { RecordInput } from "../../../src/protocol/records/record.js";
import { recordOffset, recordTimestamp } from "../../../src/protocol/records/record.js";
import { asRecordInputs, encodeOptionsArbitrary, mutatedBatchArbitrary, rawRecordsBatchArbitrary, withDefaults } from "./arbitraries.js";
import { expectError } from "./expect-error.js";

const MiB = 1024 * 1024;
const LIMITS = { maxDecompressedBytes: 16 * MiB };

/** Decoding must either succeed or throw a DecodeError; anything else is a bug. */
function decodeOnlyThrowsDecodeError(batch: Buffer, verifyCrc = true): void {
  try {
    const decoded = decodeRecordBatch(batch, { maxDecompressedBytes: MiB, verifyCrc });
    assert.equal(decoded.records.length, decoded.header.recordCount);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
  }
}

function record(timestamp: number, value: string, extra: Partial<RecordInput> = {}): RecordInput {
  return { timestamp, key: null, value: Buffer.from(value), ...extra };
}

describe("encodeRecordBatch / decodeRecordBatch", () => {
  it("round-trips every codec and attribute combination", () => {
    fc.assert(
      fc.property(encodeOptionsArbitrary, (options) => {
        const batch = encodeRecordBatch(options);
        assert.ok(isBatchCrcValid(batch));
        assert.equal(batchSizeAt(batch), batch.length);
        const decoded = decodeRecordBatch(batch, LIMITS);
        const { header } = decoded;
        const records = options.records;
        const timestamps = records.map((input) => input.timestamp);

        assert.equal(header.baseOffset, options.baseOffset);
        assert.equal(header.batchLength, batch.length - 12);
        assert.equal(header.partitionLeaderEpoch, options.partitionLeaderEpoch);
        assert.equal(header.magic, 2);
        assert.equal(compressionOf(header.attributes), options.compression);
        assert.equal(timestampTypeOf(header.attributes), options.timestampType);
        assert.equal(isTransactional(header.attributes), options.isTransactional);
        assert.equal(isControlBatch(header.attributes), options.isControl);
        assert.equal((header.attributes & 0x40) !== 0, options.deleteHorizonMs !== undefined);
        assert.equal(header.producerId, options.producerId);
        assert.equal(header.producerEpoch, options.producerEpoch);
        assert.equal(header.baseSequence, options.baseSequence);
        assert.equal(header.recordCount, records.length);
        const lastRecordOffsetDelta = records.length === 0 ? undefined : (records[records.length - 1].offsetDelta ?? records.length - 1);
        assert.equal(header.lastOffsetDelta, options.lastOffsetDelta ?? lastRecordOffsetDelta);
        assert.equal(header.baseTimestamp, options.deleteHorizonMs ?? (records.length > 0 ? records[0].timestamp : -1));
        const expectedMaxTimestamp = options.logAppendTimeMs ?? (records.length > 0 ? Math.max(...timestamps) : -1);
        assert.equal(header.maxTimestamp, expectedMaxTimestamp);

        assert.deepEqual(asRecordInputs(decoded), withDefaults(records));
        decoded.records.forEach((decodedRecord, index) => {
          assert.equal(recordOffset(header, decodedRecord), header.baseOffset + (records[index].offsetDelta ?? index));
          const expectedTimestamp = options.timestampType === TimestampType.LogAppendTime ? header.maxTimestamp : records[index].timestamp;
          assert.equal(recordTimestamp(header, decodedRecord), expectedTimestamp);
        });
      }),
      { numRuns: 400 },
    );
  });

  it("keeps the CRC valid when the broker rewrites baseOffset and partitionLeaderEpoch", () => {
    const batch = encodeRecordBatch({ records: [record(1000, "a"), record(1001, "b")], compression: CompressionType.Zstd });
    setBaseOffset(batch, 123_456_789);
    setPartitionLeaderEpoch(batch, 17);
    const decoded = decodeRecordBatch(batch, LIMITS);
    assert.equal(decoded.header.baseOffset, 123_456_789);
    assert.equal(decoded.header.partitionLeaderEpoch, 17);
    assert.equal(recordOffset(decoded.header, decoded.records[1]), 123_456_790);
  });

  it("returns keys and values as views of an uncompressed batch", () => {
    const batch = encodeRecordBatch({ records: [{ timestamp: 1, key: Buffer.from("key"), value: Buffer.from("value") }] });
    const decoded = decodeRecordBatch(batch, LIMITS);
    assert.equal(decoded.records[0].value?.buffer, batch.buffer);
  });

  it("decodes a compressed batch with no records and no payload", () => {
    const header = encodeRecordBatch({ records: [], lastOffsetDelta: 4 });
    header.writeInt16BE(CompressionType.Gzip, ATTRIBUTES_OFFSET);
    writeBatchCrc(header);
    const decoded = decodeRecordBatch(header, LIMITS);
    assert.deepEqual(decoded.records, []);
    assert.equal(decoded.header.lastOffsetDelta, 4);
  });

  it("refuses a bad CRC unless told the caller checked it", () => {
    const batch = encodeRecordBatch({ records: [record(5, "payload")] });
    batch[batch.length - 2] ^= 0x01;
    const error = expectError(CorruptRecordError, () => decodeRecordBatch(batch, LIMITS));
    assert.match(error.message, /CRC/);
    assert.equal(decodeRecordBatch(batch, { ...LIMITS, verifyCrc: false }).records.length, 1);
  });

  it("refuses other magics, wrong sizes and unknown codecs", () => {
    const batch = encodeRecordBatch({ records: [record(5, "payload")] });
    const magicOne = Buffer.from(batch);
    magicOne[MAGIC_OFFSET] = 1;
    expectError(CorruptRecordError, () => decodeRecordBatch(magicOne, LIMITS));
    expectError(CorruptRecordError, () => decodeRecordBatch(Buffer.concat([batch, Buffer.alloc(1)]), LIMITS));
    expectError(DecodeError, () => decodeRecordBatch(batch.subarray(0, batch.length - 1), LIMITS));
    expectError(DecodeError, () => decodeRecordBatch(batch.subarray(0, 30), LIMITS));
    const codecSix = Buffer.from(batch);
    codecSix.writeInt16BE(6, ATTRIBUTES_OFFSET);
    writeBatchCrc(codecSix);
    expectError(CorruptRecordError, () => decodeRecordBatch(codecSix, LIMITS));
  });

  it("checks the record count against the records present", () => {
    const batch = encodeRecordBatch({ records: [record(5, "a"), record(6, "b"), record(7, "c")] });
    for (const [count, pattern] of [
      [4, /records/],
      [2, /bytes left/],
      [0, /bytes left/],
      [-1, /negative/],
      [0x7fff_ffff, /claims/],
    ] as const) {
      const changed = Buffer.from(batch);
      changed.writeInt32BE(count, RECORD_COUNT_OFFSET);
      writeBatchCrc(changed);
      const error = expectError(CorruptRecordError, () => decodeRecordBatch(changed, LIMITS));
      assert.match(error.message, pattern);
    }
  });

  it("checks every length inside a record", () => {
    // One record: length 7, attributes, timestampDelta 0, offsetDelta 0, key, value, header count.
    const withRecord = (body: number[], recordCount = 1): Buffer => {
      const batch = encodeRecordBatch({ records: [], lastOffsetDelta: 0 });
      const full = Buffer.concat([batch, Buffer.from(body)]);
      full.writeInt32BE(full.length - 12, 8);
      full.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
      writeBatchCrc(full);
      return full;
    };
    assert.equal(decodeRecordBatch(withRecord([0x0c, 0, 0, 0, 0x01, 0x01, 0x00]), LIMITS).records.length, 1);
    const cases: [number[], RegExp][] = [
      [[0x0c, 0, 0, 0, 0x03, 0x01, 0x00], /key has invalid length -2/],
      [[0x0c, 0, 0, 0, 0x08, 0x01, 0x00], /key of 4 bytes overruns/],
      [[0x0c, 0, 0, 0, 0x02, 0x01, 0x00], /record 0: needed 1 bytes/],
      [[0x0c, 0, 0, 0, 0x01, 0x7e, 0x00], /value of 63 bytes overruns/],
      [[0x0c, 0, 0, 0, 0x01, 0x01, 0x01], /invalid header count -1/],
      [[0x0c, 0, 0, 0, 0x01, 0x01, 0x7e], /claims 63 headers/],
      [[0x10, 0, 0, 0, 0x01, 0x01, 0x02, 0x01, 0x00], /header key has invalid length -1/],
      [[0x0e, 0, 0, 0, 0x01, 0x01, 0x02, 0x01], /claims 1 headers but only 1 bytes/],
      [[0x10, 0, 0, 0, 0x01, 0x01, 0x02, 0x04, 0x00], /header key of 2 bytes overruns/],
      [[0x0e, 0, 0, 0, 0x01, 0x01, 0x00, 0x00], /1 bytes left after its last header/],
      [[0x0a, 0, 0, 0, 0x01, 0x01, 0x00], /below the minimum/],
      [[0x0a, 0, 0, 0, 0x01, 0x01], /claims 1 records but holds only 6 bytes/],
      [[0x10, 0, 0, 0, 0x01, 0x01, 0x00], /overruns the batch/],
      [[0x0c, 0, 0, 0, 0x01, 0x01, 0x00, 0x00], /1 bytes left after the batch/],
      [[0x0c, 0, 0xff, 0xff, 0xff, 0xff, 0xff], /record 0/],
    ];
    for (const [body, pattern] of cases) {
      const error = expectError(CorruptRecordError, () => decodeRecordBatch(withRecord(body), LIMITS));
      assert.match(error.message, pattern, `body ${body.join(",")}`);
    }
  });

  it("bounds decompression with maxDecompressedBytes", () => {
    const records = Array.from({ length: 100 }, (_, index) => record(index, "x".repeat(10_000)));
    for (const compression of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const batch = encodeRecordBatch({ records, compression });
      assert.equal(decodeRecordBatch(batch, { maxDecompressedBytes: MiB }).records.length, 100);
      expectError(DecompressionLimitError, () => decodeRecordBatch(batch, { maxDecompressedBytes: 500_000 }));
      // A count that cannot fit in the limit is refused without decompressing.
      const error = expectError(DecompressionLimitError, () => decodeRecordBatch(batch, { maxDecompressedBytes: 600 }));
      assert.match(error.message, /100 records need at least 700 bytes/);
    }
  });

  it("only ever throws DecodeError for mutated batches", () => {
    fc.assert(
      fc.property(mutatedBatchArbitrary, ({ batch, truncated }) => {
        decodeOnlyThrowsDecodeError(batch);
        decodeOnlyThrowsDecodeError(batch, false);
        decodeOnlyThrowsDecodeError(truncated, false);
      }),
      { numRuns: 400 },
    );
  });

  it("only ever throws DecodeError for a valid header over arbitrary records bytes", () => {
    fc.assert(
      fc.property(rawRecordsBatchArbitrary, (batch) => decodeOnlyThrowsDecodeError(batch)),
      { numRuns: 2000 },
    );
  });

  it("only ever throws DecodeError for arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeOnlyThrowsDecodeError(Buffer.from(bytes));
        decodeOnlyThrowsDecodeError(Buffer.from(bytes), false);
      }),
      { numRuns: 1000 },
    );
  });

  it("sets LogAppendTime and the delete horizon as Kafka does", () => {
    const logAppend = decodeRecordBatch(
      encodeRecordBatch({ records: [record(10, "a"), record(30, "b")], timestampType: TimestampType.LogAppendTime, logAppendTimeMs: 99 }),
      LIMITS,
    );
    assert.equal(logAppend.header.baseTimestamp, 10);
    assert.equal(logAppend.header.maxTimestamp, 99);
    assert.deepEqual(
      logAppend.records.map((decoded) => recordTimestamp(logAppend.header, decoded)),
      [99, 99],
    );
    const compacted = decodeRecordBatch(
      encodeRecordBatch({ records: [record(10, "a", { offsetDelta: 3 })], deleteHorizonMs: 5000, lastOffsetDelta: 9 }),
      LIMITS,
    );
    assert.equal(compacted.header.attributes & 0x40, 0x40);
    assert.equal(compacted.header.baseTimestamp, 5000);
    assert.equal(compacted.header.maxTimestamp, 10);
    assert.equal(compacted.header.lastOffsetDelta, 9);
    assert.equal(recordTimestamp(compacted.header, compacted.records[0]), 10);
    assert.equal(recordOffset(compacted.header, compacted.records[0]), 3);
  });

  it("treats inconsistent options as programmer errors", () => {
    const misuse: (() => unknown)[] = [
      () => encodeRecordBatch({ records: [] }),
      () => encodeRecordBatch({ records: [record(1, "a", { offsetDelta: 1 }), record(2, "b", { offsetDelta: 1 })] }),
      () => encodeRecordBatch({ records: [record(1, "a")], lastOffsetDelta: -1 }),
      () => encodeRecordBatch({ records: [record(1, "a")], timestampType: TimestampType.LogAppendTime }),
      () => encodeRecordBatch({ records: [record(1, "a")], logAppendTimeMs: 5 }),
      () => encodeRecordBatch({ records: [record(1, "a")], producerEpoch: 0x8000 }),
      () => encodeRecordBatch({ records: [record(1, "a")], compression: 7 as CompressionType }),
      () => encodeRecordBatch({ records: [record(0, "a"), record(2 ** 53, "b")] }),
    ];
    for (const action of misuse) expectError(AssertionError, action);
  });

  it("writes the header fields where batch-header.ts reads them", () => {
    const batch = encodeRecordBatch({
      records: [record(1_700_000_000_000, "a")],
      baseOffset: 2 ** 40,
      producerId: 2 ** 45,
      producerEpoch: 7,
      baseSequence: 42,
    });
    const header = readBatchHeader(batch);
    assert.equal(header.baseOffset, 2 ** 40);
    assert.equal(header.producerId, 2 ** 45);
    assert.equal(header.producerEpoch, 7);
    assert.equal(header.baseSequence, 42);
    assert.equal(header.baseTimestamp, 1_700_000_000_000);
  });
});
