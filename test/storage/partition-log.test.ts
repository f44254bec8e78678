import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/lib/clock.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import { LogValidationError, OffsetOutOfRangeError } from "../../src/storage/errors.js";
import { TIMESTAMP_TYPE_MASK, CONTROL_FLAG_MASK, isBatchCrcValid } from "../../src/protocol/records/batch-header.js";
import { asStored, baseOffsetOf, buildBatch, leaderEpochOf } from "./batch-builder.js";
import { collectingLogger, countingFileSystem, createTestLog, readAll, reopenTestLog, smallConfig } from "./helpers.js";

const NOW = 1_700_000_000_000;

function fixture(config = smallConfig()) {
  const fs = new MemoryFileSystem();
  const clock = new ManualClock(NOW);
  return { fs, clock, config };
}

function batchAt(timestampMs: number, recordCount = 1, valueBytes = 16): Buffer {
  return buildBatch({ timestamps: Array.from({ length: recordCount }, (_, index) => timestampMs + index), valueBytes });
}

describe("PartitionLog appends and reads", () => {
  test("assigns dense offsets in place, stamps the leader epoch, keeps the CRC", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    const first = batchAt(NOW, 3);
    const second = batchAt(NOW, 2);
    const crcBefore = first.readUInt32BE(17);
    const r1 = await log.append(first, { leaderEpoch: 4, assignOffsets: true });
    const r2 = await log.append(second, { leaderEpoch: 4, assignOffsets: true });
    assert.deepEqual([r1.firstOffset, r1.lastOffset, r2.firstOffset, r2.lastOffset], [0, 2, 3, 4]);
    assert.equal(r1.logAppendTimeMs, -1);
    assert.equal(r1.recordCount, 3);
    assert.equal(baseOffsetOf(second), 3);
    assert.equal(leaderEpochOf(second), 4);
    assert.equal(first.readUInt32BE(17), crcBefore, "the CRC does not cover base offset and epoch");
    assert.ok(isBatchCrcValid(second));
    assert.equal(log.logEndOffset, 5);
    const read = await log.read(0, { maxBytes: 1 << 20, maxOffset: 5, minOneBatch: true });
    assert.equal(read.batches.length, 2);
    assert.deepEqual(read.batches[0], first);
    assert.deepEqual(read.batches[1], second);
  });

  test("several batches in one append, and a read from the middle of a batch returns that batch", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    const records = Buffer.concat([batchAt(NOW, 4), batchAt(NOW, 4), batchAt(NOW, 4)]);
    const result = await log.append(records, { leaderEpoch: 0, assignOffsets: true });
    assert.deepEqual([result.firstOffset, result.lastOffset, result.batchCount, result.recordCount], [0, 11, 3, 12]);
    const read = await log.read(6, { maxBytes: 1 << 20, maxOffset: 12, minOneBatch: true });
    assert.equal(read.firstOffset, 4);
    assert.equal(baseOffsetOf(read.batches[0]), 4);
    assert.equal(read.lastOffset, 11);
  });

  test("maxOffset (high watermark) bounds reads; maxBytes and minOneBatch", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    const batches = [batchAt(NOW, 1, 100), batchAt(NOW, 1, 100), batchAt(NOW, 1, 100)];
    for (const batch of batches) await log.append(batch, { leaderEpoch: 0, assignOffsets: true });
    const upToTwo = await log.read(0, { maxBytes: 1 << 20, maxOffset: 2, minOneBatch: true });
    assert.equal(upToTwo.batches.length, 2);
    const tiny = await log.read(0, { maxBytes: 10, maxOffset: 3, minOneBatch: true });
    assert.equal(tiny.batches.length, 1, "minOneBatch returns a whole batch larger than maxBytes");
    const none = await log.read(0, { maxBytes: 10, maxOffset: 3, minOneBatch: false });
    assert.equal(none.batches.length, 0);
    assert.equal(none.firstBatchTooLarge, true);
    const oneAndHalf = await log.read(0, { maxBytes: batches[0].length + 50, maxOffset: 3, minOneBatch: false });
    assert.equal(oneAndHalf.batches.length, 1);
    const atEnd = await log.read(3, { maxBytes: 100, maxOffset: 3, minOneBatch: true });
    assert.equal(atEnd.batches.length, 0);
    await assert.rejects(log.read(4, { maxBytes: 100, maxOffset: 4, minOneBatch: true }), OffsetOutOfRangeError);
    await assert.rejects(log.read(-1, { maxBytes: 100, maxOffset: 4, minOneBatch: true }), OffsetOutOfRangeError);
  });

  test("LogAppendTime topics get the broker time and a recomputed CRC", async () => {
    const f = fixture(smallConfig({ messageTimestampType: "LogAppendTime" }));
    const log = await createTestLog(f);
    const batch = batchAt(NOW - 5000, 2);
    const result = await log.append(batch, { leaderEpoch: 0, assignOffsets: true });
    assert.equal(result.logAppendTimeMs, NOW);
    assert.ok(isBatchCrcValid(batch));
    assert.notEqual(batch.readInt16BE(21) & TIMESTAMP_TYPE_MASK, 0);
    const found = await log.offsetForTimestamp(NOW);
    assert.deepEqual(found, { offset: 0, timestamp: NOW, leaderEpoch: 0 });
  });

  test("validation failures are typed and write nothing", async () => {
    const f = fixture(smallConfig({ maxMessageBytes: 300, messageTimestampAfterMaxMs: 1000, messageTimestampBeforeMaxMs: 60_000 }));
    const log = await createTestLog(f);
    const expectKind = async (records: Buffer, kind: string): Promise<void> => {
      await assert.rejects(log.append(records, { leaderEpoch: 0, assignOffsets: true }), (error: unknown) => {
        assert.ok(error instanceof LogValidationError, String(error));
        assert.equal(error.kind, kind);
        return true;
      });
    };
    const flipped = batchAt(NOW);
    flipped[flipped.length - 1] ^= 1;
    await expectKind(flipped, "corrupt-message");
    await expectKind(batchAt(NOW).subarray(0, 40), "corrupt-message");
    const longer = batchAt(NOW);
    longer.writeInt32BE(longer.readInt32BE(8) + 10, 8);
    await expectKind(longer, "corrupt-message");
    await expectKind(batchAt(NOW, 1, 400), "message-too-large");
    await expectKind(batchAt(NOW + 10_000), "invalid-timestamp");
    await expectKind(batchAt(NOW - 120_000), "invalid-timestamp");
    await expectKind(buildBatch({ timestamps: [NOW], magic: 1 }), "invalid-record");
    await expectKind(buildBatch({ timestamps: [NOW, NOW], headerRecordCount: 3 }), "invalid-record");
    await expectKind(buildBatch({ timestamps: [NOW], attributes: CONTROL_FLAG_MASK }), "invalid-record");
    await expectKind(buildBatch({ timestamps: [NOW], producerId: 7, baseSequence: -1 }), "invalid-record");
    // One bad batch among good ones refuses the whole append.
    await expectKind(Buffer.concat([batchAt(NOW), flipped]), "corrupt-message");
    assert.equal(log.logEndOffset, 0);
    assert.equal(log.sizeBytes, 0);
    const big = fixture(smallConfig({ segmentBytes: 1000, maxMessageBytes: 100_000 }));
    const bigLog = await createTestLog(big);
    await assert.rejects(bigLog.append(batchAt(NOW, 1, 1200), { leaderEpoch: 0, assignOffsets: true }), (error: unknown) => {
      assert.ok(error instanceof LogValidationError);
      assert.equal(error.kind, "record-list-too-large");
      return true;
    });
  });

  test("an empty append is a no-op", async () => {
    const log = await createTestLog(fixture());
    const result = await log.append(Buffer.alloc(0), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(result.firstOffset, -1);
    assert.equal(log.logEndOffset, 0);
  });

  test("replicated appends keep the leader's offsets and epochs, and refuse going backwards", async () => {
    const log = await createTestLog(fixture());
    const leaderBatch = asStored(batchAt(NOW, 3), 10, 7);
    const result = await log.append(leaderBatch, { leaderEpoch: -1, assignOffsets: false });
    assert.deepEqual([result.firstOffset, result.lastOffset], [10, 12]);
    assert.equal(log.logEndOffset, 13);
    assert.equal(log.latestEpoch, 7);
    assert.deepEqual(log.endOffsetForEpoch(7), { leaderEpoch: 7, endOffset: 13 });
    await assert.rejects(log.append(asStored(batchAt(NOW), 12, 7), { leaderEpoch: -1, assignOffsets: false }), (error: unknown) => {
      assert.ok(error instanceof LogValidationError);
      assert.equal(error.kind, "unexpected-offset");
      return true;
    });
    const read = await log.read(10, { maxBytes: 1 << 20, maxOffset: 13, minOneBatch: true });
    assert.deepEqual(read.batches[0], leaderBatch);
  });

  test("appends issued together share write system calls", async () => {
    const memory = new MemoryFileSystem();
    const { fs, counts } = countingFileSystem(memory);
    const log = await createTestLog({ fs, clock: new ManualClock(NOW), config: smallConfig({ segmentBytes: 1 << 20 }) });
    const writesBefore = counts.writes;
    const results = await Promise.all(Array.from({ length: 200 }, () => log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true })));
    assert.deepEqual(
      results.map((result) => result.firstOffset),
      Array.from({ length: 200 }, (_, index) => index),
    );
    const writes = counts.writes - writesBefore;
    assert.ok(writes <= 5, `200 concurrent appends took ${writes} writes`);
    assert.equal((await readAll(log)).length, 200);
  });
});

describe("segments: roll, indexes, lookups", () => {
  test("rolls on segment.bytes and reads across segments", async () => {
    const f = fixture(smallConfig({ segmentBytes: 1024 }));
    const log = await createTestLog(f);
    const appended: Buffer[] = [];
    for (let index = 0; index < 40; index += 1) {
      const batch = batchAt(NOW, 2, 50);
      await log.append(batch, { leaderEpoch: 1, assignOffsets: true });
      appended.push(Buffer.from(batch));
    }
    assert.ok(log.segmentCount > 3, `expected several segments, got ${log.segmentCount}`);
    for (const base of log.segmentBaseOffsets.slice(1)) assert.equal(base % 2, 0, "segments start at batch boundaries");
    assert.deepEqual(await readAll(log), appended);
    for (let offset = 0; offset < 80; offset += 7) {
      const read = await log.read(offset, { maxBytes: 1, maxOffset: 80, minOneBatch: true });
      assert.equal(read.firstOffset, offset - (offset % 2));
    }
  });

  test("rolls on segment.ms measured from the first batch timestamp, minus the jitter", async () => {
    const f = fixture(smallConfig({ segmentMs: 10_000, segmentJitterMs: 0 }));
    const log = await createTestLog(f);
    await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    f.clock.advance(9_000);
    await log.append(batchAt(NOW + 9_000), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(log.segmentCount, 1);
    f.clock.advance(2_000);
    await log.append(batchAt(NOW + 11_000), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(log.segmentCount, 2);
    assert.deepEqual(log.segmentBaseOffsets, [0, 2]);

    const jittered = fixture(smallConfig({ segmentMs: 10_000, segmentJitterMs: 5_000 }));
    const jitterLog = await createTestLog({ ...jittered, env: { random: () => 0.5 } });
    await jitterLog.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    await jitterLog.roll();
    await jitterLog.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    // jitter = 0.5 * 5000: the second segment rolls after 7.5 s instead of 10 s.
    await jitterLog.append(batchAt(NOW + 8_000), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(jitterLog.segmentCount, 3);
  });

  test("rolls when the offset index is full", async () => {
    // 64 bytes of index: 8 offset entries, 5 time entries (one kept for the final entry).
    const f = fixture(smallConfig({ segmentIndexBytes: 64, indexIntervalBytes: 1, segmentBytes: 1 << 20 }));
    const log = await createTestLog(f);
    for (let index = 0; index < 30; index += 1) await log.append(batchAt(NOW + index), { leaderEpoch: 0, assignOffsets: true });
    assert.ok(log.segmentCount >= 4, `segments: ${log.segmentBaseOffsets.join(",")}`);
    assert.equal((await readAll(log)).length, 30);
  });

  test("offsetForTimestamp finds the first record at or after a timestamp (ListOffsets)", async () => {
    const f = fixture(smallConfig({ segmentBytes: 800 }));
    const log = await createTestLog(f);
    // Each batch holds 3 records 10 ms apart; batches start 100 ms apart.
    for (let index = 0; index < 30; index += 1) {
      const start = NOW + index * 100;
      await log.append(buildBatch({ timestamps: [start, start + 10, start + 20], valueBytes: 20 }), { leaderEpoch: 3, assignOffsets: true });
    }
    assert.ok(log.segmentCount > 2);
    assert.deepEqual(await log.offsetForTimestamp(NOW), { offset: 0, timestamp: NOW, leaderEpoch: 3 });
    assert.deepEqual(await log.offsetForTimestamp(NOW + 15), { offset: 2, timestamp: NOW + 20, leaderEpoch: 3 });
    assert.deepEqual(await log.offsetForTimestamp(NOW + 1705), { offset: 52, timestamp: NOW + 1710, leaderEpoch: 3 });
    assert.deepEqual(await log.offsetForTimestamp(NOW + 2021), { offset: 63, timestamp: NOW + 2100, leaderEpoch: 3 });
    assert.equal(await log.offsetForTimestamp(NOW + 100_000), null);
    assert.deepEqual(await log.maxTimestampOffset(), { offset: 89, timestamp: NOW + 2920, leaderEpoch: 3 });
  });

  test("maxTimestampOffset finds the record with the largest timestamp even when it is not last", async () => {
    const log = await createTestLog(fixture());
    await log.append(buildBatch({ timestamps: [NOW, NOW + 50, NOW + 10] }), { leaderEpoch: 0, assignOffsets: true });
    await log.append(buildBatch({ timestamps: [NOW + 20] }), { leaderEpoch: 0, assignOffsets: true });
    assert.deepEqual(await log.maxTimestampOffset(), { offset: 1, timestamp: NOW + 50, leaderEpoch: 0 });
  });
});

describe("truncation, epochs, high watermark, log start offset", () => {
  test("truncateTo removes the batch holding the offset and everything after, across segments", async () => {
    const f = fixture(smallConfig({ segmentBytes: 600 }));
    const log = await createTestLog(f);
    const appended: Buffer[] = [];
    for (let index = 0; index < 20; index += 1) {
      const batch = batchAt(NOW, 3, 40);
      await log.append(batch, { leaderEpoch: index < 10 ? 1 : 2, assignOffsets: true });
      appended.push(Buffer.from(batch));
    }
    log.updateHighWatermark(60);
    const segmentsBefore = log.segmentCount;
    assert.ok(segmentsBefore > 3);
    assert.equal(await log.truncateTo(32), true);
    assert.equal(log.logEndOffset, 30, "the batch 30..32 holding offset 32 goes too");
    assert.equal(log.highWatermark, 30);
    assert.ok(log.segmentCount < segmentsBefore);
    assert.deepEqual(await readAll(log), appended.slice(0, 10));
    assert.equal(log.latestEpoch, 1, "epoch 2 started at 30, which was truncated");
    assert.equal(await log.truncateTo(100), false);
    const next = batchAt(NOW, 1);
    const result = await log.append(next, { leaderEpoch: 3, assignOffsets: true });
    assert.equal(result.firstOffset, 30);
    assert.deepEqual(log.epochEntries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 30 },
    ]);
    const checkpoint = f.fs.peekFile("/data/orders-0/leader-epoch-checkpoint").toString();
    assert.equal(checkpoint, "0\n2\n1 0\n3 30\n");
  });

  test("truncateFullyAndStartAt restarts the log at a new offset", async () => {
    const log = await createTestLog(fixture());
    for (let index = 0; index < 5; index += 1) await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    await log.truncateFullyAndStartAt(1000);
    assert.equal(log.logStartOffset, 1000);
    assert.equal(log.logEndOffset, 1000);
    assert.deepEqual(log.segmentBaseOffsets, [1000]);
    const result = await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(result.firstOffset, 1000);
  });

  test("OffsetForLeaderEpoch semantics", async () => {
    const log = await createTestLog(fixture());
    await log.assignEpochStartOffset(1, 0);
    for (let index = 0; index < 3; index += 1) await log.append(batchAt(NOW), { leaderEpoch: 1, assignOffsets: true });
    await log.assignEpochStartOffset(4, 3);
    for (let index = 0; index < 2; index += 1) await log.append(batchAt(NOW), { leaderEpoch: 4, assignOffsets: true });
    assert.deepEqual(log.endOffsetForEpoch(4), { leaderEpoch: 4, endOffset: 5 });
    assert.deepEqual(log.endOffsetForEpoch(1), { leaderEpoch: 1, endOffset: 3 });
    assert.deepEqual(log.endOffsetForEpoch(2), { leaderEpoch: 1, endOffset: 3 }, "an unknown epoch answers with the largest epoch below it");
    assert.deepEqual(log.endOffsetForEpoch(0), { leaderEpoch: 0, endOffset: 0 });
    assert.equal(log.endOffsetForEpoch(9), null);
    assert.equal(log.endOffsetForEpoch(-1), null);
    assert.equal(log.leaderEpochForOffset(4), 4);
    assert.equal(log.leaderEpochForOffset(2), 1);
  });

  test("the high watermark stays within [log start offset, log end offset]", async () => {
    const log = await createTestLog(fixture());
    for (let index = 0; index < 4; index += 1) await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(log.updateHighWatermark(10), 4);
    assert.equal(log.updateHighWatermark(-3), 0);
    assert.equal(log.maybeIncrementHighWatermark(3), true);
    assert.equal(log.maybeIncrementHighWatermark(2), false);
    assert.equal(log.highWatermark, 3);
  });

  test("deleteRecordsBefore moves the log start offset, removes whole segments below it, refuses beyond the high watermark", async () => {
    const f = fixture(smallConfig({ segmentBytes: 500 }));
    const changed: number[] = [];
    const log = await createTestLog({ ...f, env: { onLogStartOffsetChanged: async (l) => void changed.push(l.logStartOffset) } });
    for (let index = 0; index < 30; index += 1) await log.append(batchAt(NOW, 1, 40), { leaderEpoch: 0, assignOffsets: true });
    log.updateHighWatermark(20);
    await assert.rejects(log.deleteRecordsBefore(21), OffsetOutOfRangeError);
    const segmentsBefore = log.segmentBaseOffsets;
    assert.equal(await log.deleteRecordsBefore(12), 12);
    assert.deepEqual(changed, [12]);
    assert.equal(log.logStartOffset, 12);
    assert.ok(log.segmentBaseOffsets[0] <= 12 && log.segmentBaseOffsets.length < segmentsBefore.length);
    await assert.rejects(log.read(11, { maxBytes: 100, maxOffset: 20, minOneBatch: true }), OffsetOutOfRangeError);
    const read = await log.read(12, { maxBytes: 1 << 20, maxOffset: 20, minOneBatch: true });
    assert.equal(read.firstOffset, 12);
    assert.equal(await log.deleteRecordsBefore(5), 12, "never moves backwards");
  });
});

describe("retention", () => {
  test("retention.ms deletes segments whose newest record is too old, never the last segment", async () => {
    const f = fixture(smallConfig({ segmentBytes: 400, retentionMs: 60_000, fileDeleteDelayMs: 1000 }));
    const { logger, lines } = collectingLogger();
    const log = await createTestLog({ ...f, env: { logger } });
    for (let index = 0; index < 10; index += 1) await log.append(batchAt(NOW, 1, 60), { leaderEpoch: 0, assignOffsets: true });
    f.clock.advance(30_000);
    for (let index = 0; index < 10; index += 1) await log.append(batchAt(NOW + 30_000, 1, 60), { leaderEpoch: 0, assignOffsets: true });
    log.updateHighWatermark(log.logEndOffset);
    assert.equal(await log.deleteOldSegments(), 0);
    f.clock.advance(40_000);
    const segmentsBefore = log.segmentBaseOffsets;
    const deleted = await log.deleteOldSegments();
    assert.ok(deleted > 0);
    assert.ok(log.logStartOffset >= 8 && log.logStartOffset <= 10, `log start offset ${log.logStartOffset}`);
    assert.equal(log.segmentBaseOffsets[0], log.logStartOffset);
    assert.ok(lines.some((line) => line.message === "deleted old segments"));
    // Renamed .deleted at once, unlinked after file.delete.delay.ms.
    assert.ok(f.fs.listFiles().some((path) => path.endsWith(".log.deleted")));
    f.clock.advance(1000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(!f.fs.listFiles().some((path) => path.endsWith(".deleted")));
    assert.ok(segmentsBefore.length > log.segmentCount);
    f.clock.advance(10 * 60_000);
    await log.deleteOldSegments();
    assert.equal(log.segmentCount, 1, "everything expired: rolled, one empty segment remains");
    assert.equal(log.logStartOffset, 20);
    assert.equal(log.logEndOffset, 20);
  });

  test("retention.bytes deletes oldest segments while the log stays above the limit", async () => {
    const f = fixture(smallConfig({ segmentBytes: 400, retentionMs: -1, retentionBytes: 1000 }));
    const log = await createTestLog(f);
    for (let index = 0; index < 30; index += 1) await log.append(batchAt(NOW, 1, 60), { leaderEpoch: 0, assignOffsets: true });
    log.updateHighWatermark(log.logEndOffset);
    await log.deleteOldSegments();
    assert.ok(log.sizeBytes >= 1000 && log.sizeBytes <= 1400, `size ${log.sizeBytes}`);
    const all = await readAll(log);
    assert.equal(baseOffsetOf(all[0]), log.logStartOffset);
  });

  test("segments above the high watermark are kept", async () => {
    const f = fixture(smallConfig({ segmentBytes: 400, retentionMs: 1 }));
    const log = await createTestLog(f);
    for (let index = 0; index < 20; index += 1) await log.append(batchAt(NOW, 1, 60), { leaderEpoch: 0, assignOffsets: true });
    f.clock.advance(10_000);
    log.updateHighWatermark(0);
    assert.equal(await log.deleteOldSegments(), 0);
  });

  test("cleanup.policy=compact keeps old segments", async () => {
    const f = fixture(smallConfig({ segmentBytes: 400, retentionMs: 1, cleanupPolicy: "compact" }));
    const log = await createTestLog(f);
    for (let index = 0; index < 20; index += 1) await log.append(batchAt(NOW, 1, 60), { leaderEpoch: 0, assignOffsets: true });
    log.updateHighWatermark(log.logEndOffset);
    f.clock.advance(10_000);
    assert.equal(await log.deleteOldSegments(), 0);
  });
});

describe("flush policy and reopening", () => {
  test("flush.messages fsyncs and raises the recovery point", async () => {
    const memory = new MemoryFileSystem();
    const { fs, counts } = countingFileSystem(memory);
    const log = await createTestLog({ fs, clock: new ManualClock(NOW), config: smallConfig({ flushMessages: 3 }) });
    await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(log.recoveryPoint, 0);
    const syncsBefore = counts.syncs;
    await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(log.recoveryPoint, 3);
    assert.ok(counts.syncs > syncsBefore);
  });

  test("flush.ms via flushIfDue", async () => {
    const f = fixture(smallConfig({ flushMs: 1000 }));
    const log = await createTestLog(f);
    await log.append(batchAt(NOW), { leaderEpoch: 0, assignOffsets: true });
    await log.flushIfDue(f.clock.nowMs());
    assert.equal(log.recoveryPoint, 0);
    f.clock.advance(1000);
    await log.flushIfDue(f.clock.nowMs());
    assert.equal(log.recoveryPoint, 1);
  });

  test("a clean close and reopen keeps everything, without rescanning", async () => {
    const f = fixture(smallConfig({ segmentBytes: 700 }));
    const log = await createTestLog(f);
    const appended: Buffer[] = [];
    for (let index = 0; index < 25; index += 1) {
      const batch = batchAt(NOW + index, 2, 30);
      await log.append(batch, { leaderEpoch: 2, assignOffsets: true });
      appended.push(Buffer.from(batch));
    }
    await log.close();
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ ...f, env: { logger } }, { hadCleanShutdown: true, recoveryPoint: 50 });
    assert.equal(reopened.logEndOffset, 50);
    assert.equal(reopened.recoveryPoint, 50);
    assert.equal(reopened.topicId, "AAAAAAAAAAAAAAAAAAAAAQ");
    assert.ok(!lines.some((line) => line.message.includes("recover")), JSON.stringify(lines));
    assert.deepEqual(await readAll(reopened), appended);
    // Batch i holds timestamps NOW+i and NOW+i+1 at offsets 2i and 2i+1.
    assert.deepEqual(await reopened.offsetForTimestamp(NOW + 10), { offset: 19, timestamp: NOW + 10, leaderEpoch: 2 });
    const result = await reopened.append(batchAt(NOW), { leaderEpoch: 2, assignOffsets: true });
    assert.equal(result.firstOffset, 50);
  });

  test("reads are not broken by a concurrent roll, truncation or retention", async () => {
    const f = fixture(smallConfig({ segmentBytes: 500, retentionBytes: 600, retentionMs: -1 }));
    const log = await createTestLog(f);
    for (let index = 0; index < 40; index += 1) await log.append(batchAt(NOW, 1, 40), { leaderEpoch: 0, assignOffsets: true });
    log.updateHighWatermark(log.logEndOffset);
    const reads = Array.from({ length: 20 }, (_, index) => log.read(index, { maxBytes: 1 << 20, maxOffset: 40, minOneBatch: true }).catch((error: unknown) => error));
    const retention = log.deleteOldSegments();
    const roll = log.roll();
    const results = await Promise.all(reads);
    await retention;
    await roll;
    for (const result of results) {
      if (result instanceof Error) {
        assert.ok(result instanceof OffsetOutOfRangeError, String(result));
        continue;
      }
      assert.ok(!(result instanceof Error) && (result as { batches: Buffer[] }).batches.length > 0);
    }
    assert.ok(log.logStartOffset > 20, `retention ran: log start offset ${log.logStartOffset}`);
    const truncation = log.truncateTo(38);
    const during = log.read(log.logStartOffset, { maxBytes: 1 << 20, maxOffset: 40, minOneBatch: true });
    await truncation;
    assert.ok((await during).batches.length > 0);
    assert.equal(baseOffsetOf((await readAll(log)).at(-1)!), 37);
  });
});

describe("compressed batches", () => {
  test("ListOffsets looks inside a compressed batch through the decompress hook, and falls back to the batch without it", async () => {
    const { encodeRecordBatch } = await import("../../src/protocol/records/record-batch.js");
    const { decompress } = await import("../../src/protocol/records/compression.js");
    const { CompressionType } = await import("../../src/protocol/records/batch-header.js");
    const encode = (): Buffer =>
      encodeRecordBatch({
        compression: CompressionType.Gzip,
        records: [NOW, NOW + 30, NOW + 10].map((timestamp) => ({ timestamp, key: null, value: Buffer.from(`value at ${timestamp}`) })),
      });
    const hooked = await createTestLog({ ...fixture(), env: { decompress: (type, bytes) => decompress(type, bytes, 1 << 20) } });
    await hooked.append(encode(), { leaderEpoch: 2, assignOffsets: true });
    assert.deepEqual(await hooked.offsetForTimestamp(NOW + 5), { offset: 1, timestamp: NOW + 30, leaderEpoch: 2 });
    assert.deepEqual(await hooked.offsetForTimestamp(NOW + 30), { offset: 1, timestamp: NOW + 30, leaderEpoch: 2 });
    assert.deepEqual(await hooked.maxTimestampOffset(), { offset: 1, timestamp: NOW + 30, leaderEpoch: 2 });
    const plain = await createTestLog(fixture());
    await plain.append(encode(), { leaderEpoch: 2, assignOffsets: true });
    assert.deepEqual(await plain.offsetForTimestamp(NOW + 5), { offset: 0, timestamp: NOW + 30, leaderEpoch: 2 }, "batch granularity without the hook");
  });
});
