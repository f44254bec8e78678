// Cross-check against a real client's record batch code: kafkajs (a devDependency) encodes
// batches that our decoder must read, and decodes ours. kafkajs only ships gzip, so the other
// codecs are checked by compression.test.ts against their native formats.
//
// kafkajs's internals are CommonJS without types; the interfaces below describe only what these
// tests use of them.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CompressionType, compressionOf, isBatchCrcValid, isTransactional } from "../../../src/protocol/records/batch-header.js";
import { decodeRecordBatch, encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import { recordOffset, recordTimestamp } from "../../../src/protocol/records/record.js";
import type { RecordHeader } from "../../../src/protocol/records/record.js";

interface KafkajsLong {
  toString(): string;
}
interface KafkajsLongClass {
  fromValue(value: number | string): KafkajsLong;
}
interface KafkajsEncoder {
  readonly buffer: Buffer;
}
type KafkajsHeaders = { [key: string]: Buffer | Buffer[] };
interface KafkajsRecordInput {
  readonly offsetDelta: number;
  readonly timestampDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkajsHeaders;
}
interface KafkajsRecordBatchInput {
  readonly compression: number;
  readonly records: KafkajsEncoder[];
  readonly firstOffset: KafkajsLong;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly partitionLeaderEpoch: number;
  readonly lastOffsetDelta: number;
  readonly transactional: boolean;
  readonly producerId: KafkajsLong;
  readonly producerEpoch: number;
  readonly firstSequence: number;
}
interface KafkajsDecodedRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkajsHeaders;
  readonly isControlRecord: boolean;
}
interface KafkajsDecodedBatch {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly maxTimestamp: string;
  readonly partitionLeaderEpoch: number;
  readonly inTransaction: boolean;
  readonly isControlBatch: boolean;
  readonly lastOffsetDelta: number;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly records: KafkajsDecodedRecord[];
}

const require = createRequire(import.meta.url);
const kafkajsRecordBatch = require("kafkajs/src/protocol/recordBatch/v0/index.js") as {
  RecordBatch(input: KafkajsRecordBatchInput): Promise<KafkajsEncoder>;
};
const kafkajsRecord = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (input: KafkajsRecordInput) => KafkajsEncoder;
const kafkajsDecodeBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder.js") as (decoder: object) => Promise<KafkajsDecodedBatch>;
const KafkajsDecoder = require("kafkajs/src/protocol/decoder.js") as new (buffer: Buffer) => object;
const KafkajsLong = require("kafkajs/src/utils/long.js") as KafkajsLongClass;
const KAFKAJS_GZIP = 1;

/** kafkajs keeps headers as an object; a key seen twice holds an array, in order. */
function asKafkajsHeaders(headers: readonly RecordHeader[]): KafkajsHeaders {
  const result: KafkajsHeaders = {};
  for (const { key, value } of headers) {
    assert.ok(value !== null, "kafkajs cannot encode null header values");
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else result[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

interface Message {
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
}

const bufferArbitrary = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes));
/** kafkajs header keys are object keys: avoid __proto__ and friends, and (above) null values. */
const headerArbitrary: fc.Arbitrary<RecordHeader> = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), bufferArbitrary(16))
  .map(([key, value]) => ({ key: `h-${key}`, value }));
const messagesArbitrary: fc.Arbitrary<Message[]> = fc.array(
  fc
    .tuple(
      fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
      fc.option(bufferArbitrary(30), { nil: null }),
      fc.option(bufferArbitrary(300), { nil: null }),
      fc.array(headerArbitrary, { maxLength: 3 }),
    )
    .map(([timestamp, key, value, headers]) => ({ timestamp, key, value, headers })),
  { minLength: 1, maxLength: 20 },
);
const batchArbitrary = fc.record({
  messages: messagesArbitrary,
  gzip: fc.boolean(),
  baseOffset: fc.integer({ min: 0, max: 2 ** 48 }),
  partitionLeaderEpoch: fc.integer({ min: 0, max: 1000 }),
  transactional: fc.boolean(),
  producerId: fc.integer({ min: -1, max: 2 ** 40 }),
  producerEpoch: fc.integer({ min: 0, max: 100 }),
  baseSequence: fc.integer({ min: 0, max: 1_000_000 }),
});

describe("kafkajs interop", () => {
  it("decodes batches kafkajs encodes (uncompressed and gzip)", async () => {
    await fc.assert(
      fc.asyncProperty(batchArbitrary, async (input) => {
        const firstTimestamp = input.messages[0].timestamp;
        const encoded = await kafkajsRecordBatch.RecordBatch({
          compression: input.gzip ? KAFKAJS_GZIP : 0,
          records: input.messages.map((message, index) =>
            kafkajsRecord({
              offsetDelta: index,
              timestampDelta: message.timestamp - firstTimestamp,
              key: message.key,
              value: message.value,
              headers: asKafkajsHeaders(message.headers),
            }),
          ),
          firstOffset: KafkajsLong.fromValue(input.baseOffset),
          firstTimestamp,
          maxTimestamp: Math.max(...input.messages.map((message) => message.timestamp)),
          partitionLeaderEpoch: input.partitionLeaderEpoch,
          lastOffsetDelta: input.messages.length - 1,
          transactional: input.transactional,
          producerId: KafkajsLong.fromValue(input.producerId),
          producerEpoch: input.producerEpoch,
          firstSequence: input.baseSequence,
        });
        const batch = encoded.buffer;
        assert.ok(isBatchCrcValid(batch));
        const { header, records } = decodeRecordBatch(batch, { maxDecompressedBytes: 1 << 20 });
        assert.equal(compressionOf(header.attributes), input.gzip ? CompressionType.Gzip : CompressionType.None);
        assert.equal(isTransactional(header.attributes), input.transactional);
        assert.equal(header.baseOffset, input.baseOffset);
        assert.equal(header.partitionLeaderEpoch, input.partitionLeaderEpoch);
        assert.equal(header.producerId, input.producerId);
        assert.equal(header.producerEpoch, input.producerEpoch);
        assert.equal(header.baseSequence, input.baseSequence);
        assert.equal(header.lastOffsetDelta, input.messages.length - 1);
        assert.equal(records.length, input.messages.length);
        records.forEach((record, index) => {
          const message = input.messages[index];
          assert.equal(recordOffset(header, record), input.baseOffset + index);
          assert.equal(recordTimestamp(header, record), message.timestamp);
          assert.deepEqual(record.key, message.key);
          assert.deepEqual(record.value, message.value);
          assert.deepEqual(asKafkajsHeaders(record.headers), asKafkajsHeaders(message.headers));
        });
      }),
      { numRuns: 80 },
    );
  });

  it("produces batches kafkajs decodes (uncompressed and gzip)", async () => {
    await fc.assert(
      fc.asyncProperty(batchArbitrary, async (input) => {
        const batch = encodeRecordBatch({
          records: input.messages,
          compression: input.gzip ? CompressionType.Gzip : CompressionType.None,
          baseOffset: input.baseOffset,
          partitionLeaderEpoch: input.partitionLeaderEpoch,
          isTransactional: input.transactional,
          producerId: input.producerId,
          producerEpoch: input.producerEpoch,
          baseSequence: input.baseSequence,
        });
        const decoded = await kafkajsDecodeBatch(new KafkajsDecoder(batch));
        assert.equal(decoded.firstOffset, String(input.baseOffset));
        assert.equal(decoded.firstTimestamp, String(input.messages[0].timestamp));
        assert.equal(decoded.maxTimestamp, String(Math.max(...input.messages.map((message) => message.timestamp))));
        assert.equal(decoded.partitionLeaderEpoch, input.partitionLeaderEpoch);
        assert.equal(decoded.inTransaction, input.transactional);
        assert.equal(decoded.isControlBatch, false);
        assert.equal(decoded.lastOffsetDelta, input.messages.length - 1);
        assert.equal(decoded.producerId, String(input.producerId));
        assert.equal(decoded.producerEpoch, input.producerEpoch);
        assert.equal(decoded.firstSequence, input.baseSequence);
        assert.equal(decoded.records.length, input.messages.length);
        decoded.records.forEach((record, index) => {
          const message = input.messages[index];
          assert.equal(record.offset, String(input.baseOffset + index));
          assert.equal(record.timestamp, String(message.timestamp));
          assert.deepEqual(record.key, message.key);
          assert.deepEqual(record.value, message.value);
          assert.deepEqual({ ...record.headers }, asKafkajsHeaders(message.headers));
        });
      }),
      { numRuns: 80 },
    );
  });
});
