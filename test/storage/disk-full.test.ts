// Disk full and I/O errors: ENOSPC fails only the append (StorageError, KAFKA_STORAGE_ERROR), leaves
// nothing half-written, keeps reads working and lets appends succeed again once space returns.
// Other I/O errors take the log offline.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/lib/clock.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { StorageError } from "../../src/storage/errors.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import { baseOffsetOf, buildBatch } from "./batch-builder.js";
import { createTestLog, PARTITION_DIR, readAll, reopenTestLog, smallConfig } from "./helpers.js";

const NOW = 1_700_000_000_000;

function batch(valueBytes = 40): Buffer {
  return buildBatch({ timestamps: [NOW], valueBytes });
}

function logFileSize(fs: MemoryFileSystem): number {
  return fs.peekFile(fs.listFiles().filter((path) => path.startsWith(PARTITION_DIR) && path.endsWith(".log")).at(-1)!).length;
}

function isDiskFull(error: unknown): boolean {
  assert.ok(error instanceof StorageError, String(error));
  assert.equal(error.code, "ENOSPC");
  assert.equal(error.offline, false);
  assert.equal(error.kafkaErrorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  return true;
}

describe("disk full", () => {
  test("an append that does not fit fails cleanly; reads go on; appends resume when space returns", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    const log = await createTestLog({ fs, clock: new ManualClock(NOW), config: smallConfig({ segmentBytes: 1 << 20 }) });
    const stored: Buffer[] = [];
    for (let index = 0; index < 5; index += 1) {
      const next = batch();
      await log.append(next, { leaderEpoch: 0, assignOffsets: true });
      stored.push(Buffer.from(next));
    }
    const sizeBefore = logFileSize(fs);
    // Room for 30 more bytes: the next batch gets a short write, then ENOSPC.
    fs.setCapacityBytes(fs.usedDataBytes + 30);
    await assert.rejects(log.append(batch(), { leaderEpoch: 0, assignOffsets: true }), isDiskFull);
    assert.equal(logFileSize(fs), sizeBefore, "the short write was truncated away");
    assert.equal(log.logEndOffset, 5);
    assert.equal(log.isOffline, false);
    assert.deepEqual(await readAll(log), stored);
    // Several appends in flight together all fail; none leaves bytes behind.
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, () => log.append(batch(), { leaderEpoch: 0, assignOffsets: true })));
    for (const attempt of attempts) {
      assert.equal(attempt.status, "rejected");
      if (attempt.status === "rejected") isDiskFull(attempt.reason);
    }
    assert.equal(logFileSize(fs), sizeBefore);
    fs.setCapacityBytes(null);
    const resumed = await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(resumed.firstOffset, 5, "offsets stay dense: the failed appends left no gap");
    const all = await readAll(log);
    assert.equal(all.length, 6);
    assert.deepEqual(
      all.map((stored) => baseOffsetOf(stored)),
      [0, 1, 2, 3, 4, 5],
    );
    // A restart (even unclean) sees exactly the acknowledged batches.
    await log.flush();
    const restarted = await reopenTestLog({ fs: fs.crash({ mode: "process" }), clock: new ManualClock(NOW), config: smallConfig({ segmentBytes: 1 << 20 }) }, { hadCleanShutdown: false });
    assert.equal(restarted.logEndOffset, 6);
  });

  test("a roll that cannot create its files fails the append only; the next append rolls", async () => {
    const fs = new MemoryFileSystem();
    const log = await createTestLog({ fs, clock: new ManualClock(NOW), config: smallConfig({ segmentBytes: 300 }) });
    await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    fs.injectFault({ code: "ENOSPC", operations: ["open"], count: 1 });
    await assert.rejects(log.append(batch(), { leaderEpoch: 0, assignOffsets: true }), isDiskFull);
    assert.equal(log.segmentCount, 1);
    const next = await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(next.firstOffset, 2);
    assert.equal(log.segmentCount, 2);
    assert.equal((await readAll(log)).length, 3);
  });
});

describe("I/O errors", () => {
  test("EIO on write takes the log offline: appends and reads answer KAFKA_STORAGE_ERROR", async () => {
    const fs = new MemoryFileSystem();
    const failures: StorageError[] = [];
    const log = await createTestLog({ fs, clock: new ManualClock(NOW), env: { onStorageFailure: (error) => failures.push(error) } });
    await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    fs.injectFault({ code: "EIO", operations: ["write"], pathPrefix: PARTITION_DIR, count: 1 });
    await assert.rejects(log.append(batch(), { leaderEpoch: 0, assignOffsets: true }), (error: unknown) => {
      assert.ok(error instanceof StorageError);
      assert.equal(error.code, "EIO");
      assert.equal(error.offline, true);
      return true;
    });
    assert.equal(failures.length, 1);
    // The owner (LogManager) marks the log offline; here the test plays that part.
    log.markOffline(failures[0]);
    await assert.rejects(log.read(0, { maxBytes: 100, maxOffset: 1, minOneBatch: true }), (error: unknown) => error instanceof StorageError && error.offline);
    await assert.rejects(log.append(batch(), { leaderEpoch: 0, assignOffsets: true }), StorageError);
  });

  test("without an owner, a failing repair (truncate after a failed write) takes the log offline by itself", async () => {
    const fs = new MemoryFileSystem();
    const log = await createTestLog({ fs, clock: new ManualClock(NOW) });
    await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    fs.setCapacityBytes(fs.usedDataBytes + 10);
    fs.injectFault({ code: "EIO", operations: ["truncate"], pathPrefix: PARTITION_DIR, count: 1 });
    await assert.rejects(log.append(batch(), { leaderEpoch: 0, assignOffsets: true }), StorageError);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(log.isOffline, true);
    await assert.rejects(log.append(batch(), { leaderEpoch: 0, assignOffsets: true }), (error: unknown) => error instanceof StorageError && error.offline);
  });
});
