// fast-check generators for record batches, shared by the record batch tests.

import fc from "fast-check";
import { ATTRIBUTES_OFFSET, CompressionType, RECORD_COUNT_OFFSET, RECORDS_OFFSET, TimestampType, writeBatchCrc } from "../../../src/protocol/records/batch-header.js";
import { encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import type { DecodedRecordBatch, EncodeRecordBatchOptions } from "../../../src/protocol/records/record-batch.js";
import type { RecordHeader, RecordInput } from "../../../src/protocol/records/record.js";

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

export function bufferArbitrary(maxLength: number): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes));
}

/**
 * Any Unicode scalar value (1-4 UTF-8 bytes; lone surrogates cannot round-trip through UTF-8).
 * Built by hand: fast-check's own unit "binary" takes most of a second to construct.
 */
const codePointArbitrary: fc.Arbitrary<string> = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10_ffff }))
  .map((codePoint) => String.fromCodePoint(codePoint));

export const headerArbitrary: fc.Arbitrary<RecordHeader> = fc
  .tuple(fc.string({ unit: codePointArbitrary, maxLength: 12 }), fc.option(bufferArbitrary(24), { nil: null }))
  .map(([key, value]) => ({ key, value }));

interface RecordShape {
  readonly timestampDelta: number;
  readonly offsetGap: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[] | undefined;
}

const recordShapeArbitrary: fc.Arbitrary<RecordShape> = fc.record({
  timestampDelta: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
  offsetGap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 })),
  key: fc.option(bufferArbitrary(40), { nil: null }),
  value: fc.option(fc.oneof(bufferArbitrary(200), fc.integer({ min: 0, max: 5000 }).map((size) => Buffer.alloc(size, "v"))), { nil: null }),
  headers: fc.option(fc.array(headerArbitrary, { maxLength: 3 }), { nil: undefined }),
});

/** Options for encodeRecordBatch covering every attribute combination and codec. */
export const encodeOptionsArbitrary: fc.Arbitrary<EncodeRecordBatchOptions> = fc
  .record({
    shapes: fc.array(recordShapeArbitrary, { maxLength: 25 }),
    explicitOffsets: fc.boolean(),
    firstTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    baseOffset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 50 })),
    partitionLeaderEpoch: fc.integer({ min: -1, max: INT32_MAX }),
    compression: fc.constantFrom(CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd),
    logAppendTimeMs: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }),
    isTransactional: fc.boolean(),
    isControl: fc.boolean(),
    producerId: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 50 })),
    producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
    baseSequence: fc.integer({ min: INT32_MIN, max: INT32_MAX }),
    extraOffsetRange: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    deleteHorizonMs: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }),
  })
  .map((generated) => {
    let offsetDelta = -1;
    const records: RecordInput[] = generated.shapes.map((shape) => {
      offsetDelta += generated.explicitOffsets ? shape.offsetGap + 1 : 1;
      return {
        timestamp: generated.firstTimestamp + shape.timestampDelta,
        key: shape.key,
        value: shape.value,
        ...(shape.headers === undefined ? {} : { headers: shape.headers }),
        ...(generated.explicitOffsets ? { offsetDelta } : {}),
      };
    });
    const lastOffsetDelta =
      generated.extraOffsetRange !== undefined || records.length === 0 ? Math.max(offsetDelta, 0) + (generated.extraOffsetRange ?? 0) : undefined;
    return {
      records,
      baseOffset: generated.baseOffset,
      partitionLeaderEpoch: generated.partitionLeaderEpoch,
      compression: generated.compression,
      timestampType: generated.logAppendTimeMs === undefined ? TimestampType.CreateTime : TimestampType.LogAppendTime,
      logAppendTimeMs: generated.logAppendTimeMs,
      isTransactional: generated.isTransactional,
      isControl: generated.isControl,
      producerId: generated.producerId,
      producerEpoch: generated.producerEpoch,
      baseSequence: generated.baseSequence,
      lastOffsetDelta,
      deleteHorizonMs: generated.deleteHorizonMs,
    };
  });

/** The decoded records in encodeRecordBatch's input form, with its defaults filled in. */
export function asRecordInputs(decoded: DecodedRecordBatch): RecordInput[] {
  return decoded.records.map((record) => ({
    timestamp: decoded.header.baseTimestamp + record.timestampDelta,
    key: record.key,
    value: record.value,
    headers: record.headers,
    offsetDelta: record.offsetDelta,
  }));
}

export function withDefaults(records: readonly RecordInput[]): RecordInput[] {
  return records.map((record, index) => ({
    timestamp: record.timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers ?? [],
    offsetDelta: record.offsetDelta ?? index,
  }));
}

/** A batch that went wrong in transit: a valid one with a few bytes changed, and a cut of it. */
export interface DamagedBatch {
  readonly batch: Buffer;
  /** The batch cut short at an arbitrary length (possibly whole). */
  readonly truncated: Buffer;
}

/** A few bytes of an encoded batch changed (mostly in the records section, where the parsing is; sometimes the header), its CRC fixed or not. */
export const mutatedBatchArbitrary: fc.Arbitrary<DamagedBatch> = fc
  .tuple(encodeOptionsArbitrary, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.boolean(), fc.nat())
  .map(([options, mutations, fixCrc, cut]) => {
    const batch = Buffer.from(encodeRecordBatch(options));
    for (const [position, byte] of mutations) {
      const at = position % 4 === 0 ? position % batch.length : RECORDS_OFFSET + (position % Math.max(batch.length - RECORDS_OFFSET, 1));
      if (at < batch.length) batch[at] = byte;
    }
    if (fixCrc) writeBatchCrc(batch);
    return { batch, truncated: batch.subarray(0, cut % (batch.length + 1)) };
  });

/** A valid batch header (right length and CRC) over arbitrary records bytes, any record count near the bytes, any codec id. */
export const rawRecordsBatchArbitrary: fc.Arbitrary<Buffer> = fc
  .tuple(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: -2, max: 50 }), fc.integer({ min: 0, max: 7 }))
  .map(([body, recordCount, codec]) => {
    const batch = Buffer.concat([encodeRecordBatch({ records: [], lastOffsetDelta: 0 }), body]);
    batch.writeInt32BE(batch.length - 12, 8);
    batch.writeInt16BE(codec, ATTRIBUTES_OFFSET);
    batch.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
    writeBatchCrc(batch);
    return batch;
  });
