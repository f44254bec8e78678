import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CompressionType, RECORD_COUNT_OFFSET, TimestampType, writeBatchCrc } from "../../../src/protocol/records/batch-header.js";
import { CorruptRecordError, DecompressionLimitError } from "../../../src/protocol/records/errors.js";
import { Reader } from "../../../src/protocol/primitives/reader.js";
import type { RecordBatchHeader } from "../../../src/protocol/records/batch-header.js";
import type { DecodeRecordBatchOptions } from "../../../src/protocol/records/record-batch.js";
import { checkedRecordsSection, decodeRecordBatch, encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import type { Record } from "../../../src/protocol/records/record.js";
import { MIN_RECORD_BYTES, readRecord, recordOffset, recordTimestamp } from "../../../src/protocol/records/record.js";
import type { RecordView } from "../../../src/protocol/records/record-visitor.js";
import { visitRecords } from "../../../src/protocol/records/record-visitor.js";
import { encodeOptionsArbitrary, mutatedBatchArbitrary, rawRecordsBatchArbitrary } from "./arbitraries.js";
import { expectError } from "./expect-error.js";

const MiB = 1024 * 1024;
const LIMITS = { maxDecompressedBytes: 16 * MiB };

/** Everything a visitor can learn about a record, copied out of the reused view. */
function snapshot(view: RecordView): unknown {
  const key = view.key();
  const value = view.value();
  return {
    index: view.index,
    offsetDelta: view.offsetDelta,
    timestampDelta: view.timestampDelta,
    offset: view.offset,
    timestamp: view.timestamp,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: view.headers().map((header) => ({ key: header.key, value: header.value === null ? null : Buffer.from(header.value) })),
  };
}

/**
 * What a walk produced: the records and header, or the error and the records visited before it
 * (records are visited as they are checked, so a bad record k leaves records 0..k-1 visited).
 */
type Outcome = { readonly records: unknown[]; readonly header: unknown } | { readonly error: string; readonly message: string; readonly visited: unknown[] };

function viaVisitor(batch: Buffer, options: DecodeRecordBatchOptions): Outcome {
  const records: unknown[] = [];
  try {
    const header = visitRecords(batch, options, (view) => records.push(snapshot(view)));
    return { records, header };
  } catch (error) {
    assert.ok(error instanceof Error);
    return { error: error.constructor.name, message: error.message, visited: records };
  }
}

/** The records readRecord accepts one by one before the first bad one: what a walk may have visited. */
function checkedPrefix(batch: Buffer, options: DecodeRecordBatchOptions): unknown[] {
  let section;
  try {
    section = checkedRecordsSection(batch, options);
  } catch {
    return [];
  }
  const { header, records: bytes } = section;
  if (header.recordCount * MIN_RECORD_BYTES > bytes.length) return [];
  const reader = new Reader(bytes);
  const prefix: unknown[] = [];
  for (let index = 0; index < header.recordCount; index++) {
    try {
      prefix.push(snapshotOf(header, readRecord(reader), index));
    } catch {
      break;
    }
  }
  return prefix;
}

function snapshotOf(header: RecordBatchHeader, record: Record, index: number): unknown {
  return {
    index,
    offsetDelta: record.offsetDelta,
    timestampDelta: record.timestampDelta,
    offset: recordOffset(header, record),
    timestamp: recordTimestamp(header, record),
    key: record.key === null ? null : Buffer.from(record.key),
    value: record.value === null ? null : Buffer.from(record.value),
    headers: record.headers.map((entry) => ({ key: entry.key, value: entry.value === null ? null : Buffer.from(entry.value) })),
  };
}

function viaDecoder(batch: Buffer, options: DecodeRecordBatchOptions): Outcome {
  try {
    const decoded = decodeRecordBatch(batch, options);
    const { header } = decoded;
    return { records: decoded.records.map((record, index) => snapshotOf(header, record, index)), header };
  } catch (error) {
    assert.ok(error instanceof Error);
    return { error: error.constructor.name, message: error.message, visited: checkedPrefix(batch, options) };
  }
}

/**
 * The visitor must see exactly the records decodeRecordBatch returns, or fail with its error
 * having visited exactly the records before the bad one.
 */
function assertSameOutcome(batch: Buffer, options: DecodeRecordBatchOptions = { maxDecompressedBytes: MiB }): void {
  assert.deepEqual(viaVisitor(batch, options), viaDecoder(batch, options));
}

describe("visitRecords", () => {
  it("visits exactly the records decodeRecordBatch decodes, for every codec and attribute combination", () => {
    fc.assert(
      fc.property(encodeOptionsArbitrary, (options) => {
        const batch = encodeRecordBatch(options);
        const outcome = viaVisitor(batch, LIMITS);
        assert.ok("records" in outcome, `valid batch refused: ${JSON.stringify(outcome)}`);
        assert.equal(outcome.records.length, options.records.length);
        assert.deepEqual(outcome, viaDecoder(batch, LIMITS));
      }),
      { numRuns: 300 },
    );
  });

  it("reuses one view per batch and points it into the batch when uncompressed", () => {
    const batch = encodeRecordBatch({ records: [0, 1, 2].map((index) => ({ timestamp: 10 + index, key: Buffer.from(`k${index}`), value: Buffer.from(`v${index}`) })) });
    const views = new Set<RecordView>();
    visitRecords(batch, LIMITS, (view) => {
      views.add(view);
      assert.equal(view.bytes.buffer, batch.buffer);
      assert.equal(view.value()?.toString(), `v${view.index}`);
      assert.equal(view.timestamp, 10 + view.index);
    });
    assert.equal(views.size, 1);
  });

  it("reports LogAppendTime as every record's timestamp", () => {
    const batch = encodeRecordBatch({ records: [{ timestamp: 5, key: null, value: null }], timestampType: TimestampType.LogAppendTime, logAppendTimeMs: 777 });
    visitRecords(batch, LIMITS, (view) => assert.equal(view.timestamp, 777));
  });

  it("refuses what decodeRecordBatch refuses, with the same error, for mutated batches", () => {
    fc.assert(
      fc.property(mutatedBatchArbitrary, ({ batch, truncated }) => {
        assertSameOutcome(batch);
        assertSameOutcome(batch, { maxDecompressedBytes: MiB, verifyCrc: false });
        assertSameOutcome(truncated, { maxDecompressedBytes: MiB, verifyCrc: false });
      }),
      { numRuns: 400 },
    );
  });

  it("refuses what decodeRecordBatch refuses, with the same error, for arbitrary records bytes", () => {
    fc.assert(
      fc.property(rawRecordsBatchArbitrary, (batch) => assertSameOutcome(batch)),
      { numRuns: 2000 },
    );
  });

  it("agrees with decodeRecordBatch on hand-made records, long varints included", () => {
    const withRecords = (body: number[], recordCount = 1): Buffer => {
      const batch = encodeRecordBatch({ records: [], lastOffsetDelta: 0 });
      const full = Buffer.concat([batch, Buffer.from(body)]);
      full.writeInt32BE(full.length - 12, 8);
      full.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
      writeBatchCrc(full);
      return full;
    };
    const valid: number[][] = [
      [0x0c, 0, 0, 0, 0x01, 0x01, 0x00],
      // An 8-byte varlong timestamp delta (past the 49-bit fast path) that still fits: 2^49.
      [0x1a, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0, 0x01, 0x01, 0x00],
      // A 5-byte varint offset delta: 2^27.
      [0x14, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x01, 0x00],
      // A header with a null value, then one with a value.
      [0x1a, 0, 0, 0, 0x01, 0x01, 0x04, 0x02, 0x61, 0x01, 0x02, 0x62, 0x02, 0x63],
    ];
    const invalid: number[][] = [
      [0x0c, 0, 0, 0, 0x03, 0x01, 0x00],
      [0x0c, 0, 0, 0, 0x02, 0x01, 0x00],
      [0x0c, 0, 0xff, 0xff, 0xff, 0xff, 0xff],
      // A 10-byte varlong beyond a safe integer.
      [0x1a, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0x01, 0x01, 0x00],
      // A 6-byte varint offset delta.
      [0x12, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x01, 0x00],
      // A 5-byte varint above 32 bits.
      [0x14, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x01, 0x01, 0x00],
    ];
    for (const body of valid) {
      const outcome = viaVisitor(withRecords(body), LIMITS);
      assert.ok("records" in outcome && outcome.records.length === 1, `body ${body.join(",")}: ${JSON.stringify(outcome)}`);
      assertSameOutcome(withRecords(body));
    }
    for (const body of invalid) {
      assert.ok("error" in viaVisitor(withRecords(body), LIMITS), `body ${body.join(",")} accepted`);
      assertSameOutcome(withRecords(body));
    }
    const error = expectError(CorruptRecordError, () => visitRecords(withRecords([0x0c, 0, 0, 0, 0x03, 0x01, 0x00]), LIMITS, () => undefined));
    assert.match(error.message, /key has invalid length -2/);
  });

  it("checks the record count before visiting anything, and visits the good records before a missing one", () => {
    const batch = encodeRecordBatch({ records: [5, 6, 7].map((timestamp) => ({ timestamp, key: null, value: Buffer.from("value") })) });
    for (const count of [4, 5, 100, 0x7fff_ffff, 2, 0, -1]) {
      const changed = Buffer.from(batch);
      changed.writeInt32BE(count, RECORD_COUNT_OFFSET);
      writeBatchCrc(changed);
      assertSameOutcome(changed);
    }
    const claimsTooMany = Buffer.from(batch);
    claimsTooMany.writeInt32BE(100, RECORD_COUNT_OFFSET);
    writeBatchCrc(claimsTooMany);
    assert.deepEqual(viaVisitor(claimsTooMany, LIMITS), { error: "CorruptRecordError", message: "batch claims 100 records but holds only 36 bytes of records", visited: [] });
  });

  it("bounds decompression as decodeRecordBatch does", () => {
    const records = Array.from({ length: 100 }, (_, index) => ({ timestamp: index, key: null, value: Buffer.from("x".repeat(10_000)) }));
    const batch = encodeRecordBatch({ records, compression: CompressionType.Lz4 });
    let visited = 0;
    visitRecords(batch, { maxDecompressedBytes: MiB }, () => visited++);
    assert.equal(visited, 100);
    expectError(DecompressionLimitError, () => visitRecords(batch, { maxDecompressedBytes: 600 }, () => undefined));
  });

  it("lets an error thrown by the visitor through unchanged", () => {
    const batch = encodeRecordBatch({ records: [{ timestamp: 1, key: null, value: null }] });
    const mine = new RangeError("stop");
    assert.throws(() => visitRecords(batch, LIMITS, () => {
      throw mine;
    }), (error) => error === mine);
  });
});
