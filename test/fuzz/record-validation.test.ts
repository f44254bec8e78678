// The broker's per-record validator (src/broker/record-validation.ts) on its own: honest batches
// of every codec pass (no false refusals), every record-level lie is refused with Kafka's code in
// every codec, compacted topics need keys, decompression bombs are refused without allocating
// more than about the decompression limit, and the cost per record on the produce path is printed
// (uncompressed and lz4, 100-byte records) next to what storage's own batch checks cost.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { createRecordValidator, decompressedRecordsLimit } from "../../src/broker/record-validation.js";
import { systemClock } from "../../src/lib/clock.js";
import { DEFAULT_LOG_CONFIG, LogManager, LogValidationError, MemoryFileSystem, type LogConfig, type RecordValidator } from "../../src/storage/index.js";
import { analyzeAppend } from "../../src/storage/log-validator.js";
import { BatchCursor } from "../../src/storage/batch-cursor.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { CompressionType, RECORD_BATCH_OVERHEAD, decompress, encodeRecordBatch } from "../../src/protocol/records/index.js";
import { decompressionBombs } from "./bombs.js";
import { buildRecordBatch, recordLies } from "./record-lies.js";
import { Random } from "./random.js";

const validate = createRecordValidator({ clock: systemClock });
const COMPACTED: LogConfig = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: "compact" };
const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

function refusal(batch: Buffer, config: LogConfig = DEFAULT_LOG_CONFIG): LogValidationError | null {
  try {
    validate(batch, "client", config);
    return null;
  } catch (error) {
    if (error instanceof LogValidationError) return error;
    throw error;
  }
}

function peakRssBytes(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
  return match === null ? 0 : Number(match[1]) * 1024;
}

const recordArbitrary = (requireKey: boolean) =>
  fc.record({
    timestampDelta: fc.integer({ min: -5_000, max: 5_000 }),
    key: requireKey ? fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes)) : fc.option(fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes)), { nil: null }),
    value: fc.option(fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), { nil: null }),
    headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.option(fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)), { nil: null }) }), { maxLength: 3 }),
  });

test("honest batches of every codec pass, on plain and compacted topics", () => {
  fc.assert(
    fc.property(fc.constantFrom(...CODECS), fc.boolean(), fc.array(recordArbitrary(true), { minLength: 1, maxLength: 30 }), (compression, compacted, records) => {
      const now = Date.now();
      const batch = encodeRecordBatch({ compression, records: records.map((record) => ({ ...record, timestamp: now + record.timestampDelta })) });
      const refused = refusal(batch, compacted ? COMPACTED : DEFAULT_LOG_CONFIG);
      assert.equal(refused, null, refused?.message);
    }),
    { numRuns: 300 },
  );
});

test("every record-level lie is refused with INVALID_RECORD, uncompressed and inside every codec", () => {
  for (const lie of recordLies()) {
    for (const compression of CODECS) {
      for (let seed = 1; seed <= 5; seed++) {
        const batch = buildRecordBatch(new Random(seed * 7919 + compression), { lie: lie.name, compression, compacted: lie.compactedOnly });
        const refused = refusal(batch, lie.compactedOnly ? COMPACTED : DEFAULT_LOG_CONFIG);
        assert.ok(refused !== null, `${lie.name} (${CompressionType[compression]}, seed ${seed}) was accepted`);
        assert.equal(refused.kafkaErrorCode, ErrorCode.INVALID_RECORD, `${lie.name}: ${refused.message}`);
      }
    }
  }
});

test("the same batches without their lie pass", () => {
  for (const compression of CODECS) {
    for (let seed = 1; seed <= 20; seed++) {
      const compacted = seed % 2 === 0;
      const batch = buildRecordBatch(new Random(seed), { compression, compacted });
      const refused = refusal(batch, compacted ? COMPACTED : DEFAULT_LOG_CONFIG);
      assert.equal(refused, null, refused?.message);
    }
  }
});

test("a compacted topic refuses keyless records as Kafka does", () => {
  const batch = encodeRecordBatch({ records: [{ timestamp: Date.now(), key: Buffer.from("k"), value: null }, { timestamp: Date.now(), key: null, value: Buffer.from("v") }] });
  const refused = refusal(batch, COMPACTED);
  assert.equal(refused?.kafkaErrorCode, ErrorCode.INVALID_RECORD);
  assert.equal(refused?.message, "Compacted topic cannot accept message without key");
  assert.equal(refused?.batchIndex, 1, "the offending record's index, as Kafka's RecordError batch_index");
  assert.equal(refusal(batch, DEFAULT_LOG_CONFIG), null, "a plain topic takes keyless records");
});

test("each record's timestamp is checked, not only the batch's first and max", () => {
  const now = Date.now();
  const batch = encodeRecordBatch({ records: [{ timestamp: now, key: null, value: null }, { timestamp: now - 10 * 86_400_000, key: null, value: null }] });
  const strict: LogConfig = { ...DEFAULT_LOG_CONFIG, messageTimestampBeforeMaxMs: 86_400_000 };
  assert.equal(refusal(batch, strict)?.kafkaErrorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.equal(refusal(batch, DEFAULT_LOG_CONFIG), null);
});

test("only client appends are checked: coordinator and replicated batches are trusted", () => {
  const batch = buildRecordBatch(new Random(3), { lie: recordLies()[0].name, compression: CompressionType.None });
  assert.throws(() => validate(batch, "client", DEFAULT_LOG_CONFIG), LogValidationError);
  validate(batch, "coordinator", DEFAULT_LOG_CONFIG);
  validate(batch, "replication", DEFAULT_LOG_CONFIG);
});

test("decompression bombs are refused without allocating what they claim", async () => {
  const limitBytes = decompressedRecordsLimit(DEFAULT_LOG_CONFIG);
  const bombs = await decompressionBombs(DEFAULT_LOG_CONFIG.maxMessageBytes - RECORD_BATCH_OVERHEAD);
  const before = peakRssBytes();
  for (const bomb of bombs) {
    for (const recordCount of [1, 1000]) {
      const now = Date.now();
      const header = encodeRecordBatch({ records: [{ timestamp: now, key: null, value: null }], compression: CompressionType.None });
      // A header from a real batch with the bomb as its records section; the validator does not
      // look at the CRC (storage checks it first).
      const batch = Buffer.concat([header.subarray(0, RECORD_BATCH_OVERHEAD), bomb.payload]);
      batch.writeInt32BE(batch.length - 12, 8);
      batch.writeInt16BE(bomb.compression, 21);
      batch.writeInt32BE(recordCount - 1, 23);
      batch.writeInt32BE(recordCount, 57);
      const refused = refusal(batch);
      assert.ok(refused !== null, `${bomb.description} was accepted`);
      assert.ok(refused.kafkaErrorCode === ErrorCode.INVALID_RECORD || refused.kafkaErrorCode === ErrorCode.CORRUPT_MESSAGE, `${bomb.description}: ${refused.message}`);
    }
  }
  const growthBytes = peakRssBytes() - before;
  const claimedBytes = bombs.reduce((sum, bomb) => sum + bomb.inflatedBytes, 0);
  console.log(`bombs claiming ${(claimedBytes / 2 ** 30).toFixed(0)} GiB raised peak RSS by ${(growthBytes / 2 ** 20).toFixed(0)} MiB (limit ${limitBytes / 2 ** 20} MiB)`);
  // One bomb costs at most about twice the limit (zlib collects chunks, then joins them); the
  // bombs before it may not be collected yet, so the bound is a few limits, not one.
  assert.ok(growthBytes < 8 * limitBytes, `peak RSS grew by ${growthBytes} bytes`);
});

test("cost on the produce path: 100-byte records, uncompressed and lz4 (printed, not asserted)", () => {
  const value = Buffer.alloc(100, "v");
  const recordsPerBatch = 100;
  const batches = 2_000;
  const cursor = new BatchCursor();
  for (const compression of [CompressionType.None, CompressionType.Lz4]) {
    const now = Date.now();
    const batch = encodeRecordBatch({ compression, records: Array.from({ length: recordsPerBatch }, () => ({ timestamp: now, key: null, value })) });
    const measure = (withValidator: boolean): number => {
      const started = process.hrtime.bigint();
      for (let index = 0; index < batches; index++) {
        analyzeAppend(batch, cursor, "client", DEFAULT_LOG_CONFIG, now, withValidator ? validate : undefined);
      }
      return Number(process.hrtime.bigint() - started) / (batches * recordsPerBatch);
    };
    const measureDecompression = (): number => {
      const started = process.hrtime.bigint();
      for (let index = 0; index < batches; index++) decompress(compression, batch.subarray(RECORD_BATCH_OVERHEAD), 1 << 20);
      return Number(process.hrtime.bigint() - started) / (batches * recordsPerBatch);
    };
    // Best of several alternating rounds: the machine may be busy with other work.
    let storageOnly = Number.POSITIVE_INFINITY;
    let withValidator = Number.POSITIVE_INFINITY;
    let decompression = compression === CompressionType.None ? 0 : Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      storageOnly = Math.min(storageOnly, measure(false));
      withValidator = Math.min(withValidator, measure(true));
      if (compression !== CompressionType.None) decompression = Math.min(decompression, measureDecompression());
    }
    console.log(
      `${CompressionType[compression]}: storage batch checks ${storageOnly.toFixed(0)} ns/record, with per-record validation ${withValidator.toFixed(0)} ns/record ` +
        `(+${(withValidator - storageOnly).toFixed(0)} ns, of which decompression ${decompression.toFixed(0)} ns; batch of ${batch.length} bytes)`,
    );
  }
});

test("cost on the append path: a partition log with and without the validator (printed, not asserted)", async () => {
  const value = Buffer.alloc(100, "v");
  const recordsPerBatch = 100;
  const batches = 2_000;
  const appendRate = async (compression: CompressionType, recordValidator: RecordValidator | undefined): Promise<number> => {
    const manager = await LogManager.open({ fs: new MemoryFileSystem(), clock: systemClock, logDirs: ["/data"], defaultConfig: DEFAULT_LOG_CONFIG, recordValidator });
    try {
      const log = await manager.createLog("cost", 0, "AAAAAAAAAAAAAAAAAAAAAA", DEFAULT_LOG_CONFIG);
      const now = Date.now();
      const batch = encodeRecordBatch({ compression, records: Array.from({ length: recordsPerBatch }, () => ({ timestamp: now, key: null, value })) });
      const copies = Array.from({ length: batches }, () => Buffer.from(batch));
      const started = process.hrtime.bigint();
      // Ten appends in flight at a time, as pipelined produce requests would have.
      for (let index = 0; index < batches; index += 10) {
        await Promise.all(copies.slice(index, index + 10).map((copy) => log.append(copy, { leaderEpoch: 0, assignOffsets: true })));
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return (batches * recordsPerBatch) / seconds;
    } finally {
      await manager.close();
    }
  };
  for (const compression of [CompressionType.None, CompressionType.Lz4]) {
    // Best of several alternating rounds: the machine may be busy with other work.
    let without = 0;
    let withValidation = 0;
    for (let round = 0; round < 4; round++) {
      without = Math.max(without, await appendRate(compression, undefined));
      withValidation = Math.max(withValidation, await appendRate(compression, validate));
    }
    console.log(
      `${CompressionType[compression]} appends (memory file system): ${(without / 1e6).toFixed(2)} M records/s without per-record validation, ` +
        `${(withValidation / 1e6).toFixed(2)} M records/s with it (${((1 - withValidation / without) * 100).toFixed(0)}% slower)`,
    );
  }
});
