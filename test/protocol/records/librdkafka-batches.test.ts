// Batches exactly as librdkafka 2.0.2 writes them, one fixture per codec, captured from its mock
// broker by test/fixtures/records/capture-librdkafka.py. They pin the formats we must read from
// the most common non-Java client: raw snappy (not xerial), LZ4 frames from LZ4F, zstd frames
// without a content size. The records are the script's deterministic message(index).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CompressionType, RECORDS_OFFSET, compressionOf, isBatchCrcValid } from "../../../src/protocol/records/batch-header.js";
import { zstd } from "../../../src/protocol/records/native-codecs.js";
import { decodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import { recordBatches } from "../../../src/protocol/records/record-batches.js";
import type { Record, RecordHeader } from "../../../src/protocol/records/record.js";
import { recordOffset, recordTimestamp } from "../../../src/protocol/records/record.js";
import type { RecordBatchHeader } from "../../../src/protocol/records/batch-header.js";
import { readHexFixture } from "./hex-fixture.js";

const MESSAGE_COUNT = 20;
const BASE_TIMESTAMP_MS = 1_700_000_000_000;

/** capture-librdkafka.py's message(index). */
function expectedMessage(index: number): { key: Buffer | null; value: Buffer | null; headers: RecordHeader[]; timestamp: number } {
  return {
    key: index % 5 === 4 ? null : Buffer.from(`key-${index}`),
    value: index % 7 === 6 ? null : Buffer.from(`value-${index} `.repeat(index + 1)),
    headers: index % 3 === 0 ? [{ key: "h", value: Buffer.from(String(index)) }] : [],
    timestamp: BASE_TIMESTAMP_MS + index * 10,
  };
}

interface DecodedFixture {
  readonly batches: { readonly bytes: Buffer; readonly header: RecordBatchHeader }[];
  readonly records: { readonly header: RecordBatchHeader; readonly record: Record }[];
}

function decodeFixture(name: string): DecodedFixture {
  const buffer = readHexFixture(name);
  const batches: DecodedFixture["batches"] = [];
  const records: DecodedFixture["records"] = [];
  let end = 0;
  for (const slice of recordBatches(buffer)) {
    assert.ok(isBatchCrcValid(slice.batch));
    const decoded = decodeRecordBatch(slice.batch, { maxDecompressedBytes: 1 << 20 });
    batches.push({ bytes: slice.batch, header: decoded.header });
    for (const record of decoded.records) records.push({ header: decoded.header, record });
    end = slice.position + slice.batch.length;
  }
  assert.equal(end, buffer.length, "the fixture holds whole batches only");
  return { batches, records };
}

const CODECS: [string, CompressionType][] = [
  ["none", CompressionType.None],
  ["gzip", CompressionType.Gzip],
  ["snappy", CompressionType.Snappy],
  ["lz4", CompressionType.Lz4],
  ["zstd", CompressionType.Zstd],
];

describe("librdkafka batches", () => {
  for (const [codec, compression] of CODECS) {
    it(`decodes every record librdkafka wrote with compression.codec=${codec}`, () => {
      const { batches, records } = decodeFixture(`librdkafka-${codec}.hex`);
      for (const batch of batches) assert.equal(compressionOf(batch.header.attributes), compression);
      assert.equal(records.length, MESSAGE_COUNT);
      records.forEach(({ header, record }, index) => {
        const expected = expectedMessage(index);
        assert.equal(recordOffset(header, record), index);
        assert.equal(recordTimestamp(header, record), expected.timestamp);
        assert.deepEqual(record.key, expected.key);
        assert.deepEqual(record.value, expected.value);
        assert.deepEqual(record.headers, expected.headers);
      });
    });
  }

  it("pins librdkafka's codec framings", () => {
    const payloadOf = (codec: string): Buffer => decodeFixture(`librdkafka-${codec}.hex`).batches[0].bytes.subarray(RECORDS_OFFSET);
    // Snappy: a raw block (uncompressed length varint first), not snappy-java's xerial stream.
    assert.notEqual(payloadOf("snappy")[0], 0x82);
    // LZ4: a frame with independent blocks and no checksums.
    const lz4 = payloadOf("lz4");
    assert.equal(lz4.readUInt32LE(0), 0x184d2204);
    assert.equal(lz4[4], 0x60);
    // zstd: a frame without a content size, so decompression had to be streamed and bounded.
    assert.equal(zstd().getFrameContentSize(payloadOf("zstd")), null);
  });
});
