// Recovery and corruption: torn and corrupt tails are cut on an unclean restart with a clear log
// line; a flipped bit in an old segment is reported, never served; missing or garbage indexes are
// rebuilt from the log.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/lib/clock.js";
import { CorruptRecordError } from "../../src/storage/errors.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import type { PartitionLog } from "../../src/storage/partition-log.js";
import { buildBatch } from "./batch-builder.js";
import { collectingLogger, createTestLog, PARTITION_DIR, readAll, reopenTestLog, smallConfig } from "./helpers.js";

const NOW = 1_700_000_000_000;
const FIRST_LOG = `${PARTITION_DIR}/00000000000000000000.log`;
const FIRST_INDEX = `${PARTITION_DIR}/00000000000000000000.index`;

async function fill(log: PartitionLog, count: number, valueBytes = 40): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let index = 0; index < count; index += 1) {
    const batch = buildBatch({ timestamps: [NOW + index, NOW + index], valueBytes });
    await log.append(batch, { leaderEpoch: 1, assignOffsets: true });
    out.push(Buffer.from(batch));
  }
  return out;
}

function lastLogFile(fs: MemoryFileSystem): string {
  return fs.listFiles().filter((path) => path.endsWith(".log")).at(-1)!;
}

describe("recovery after an unclean stop", () => {
  test("a torn tail is cut back to the last whole batch, with a log line saying where and why", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    const clock = new ManualClock(NOW);
    const log = await createTestLog({ fs, clock });
    const batches = await fill(log, 10);
    const after = fs.crash({ mode: "process" });
    // Tear the last batch: keep half of it.
    const path = lastLogFile(after);
    const bytes = after.peekFile(path);
    const handle = await after.open(path, "read-write");
    await handle.truncate(bytes.length - Math.floor(batches[9].length / 2));
    await handle.close();
    const { logger, lines } = collectingLogger();
    const recovered = await reopenTestLog({ fs: after, clock, env: { logger } }, { hadCleanShutdown: false });
    assert.equal(recovered.logEndOffset, 18);
    assert.deepEqual(await readAll(recovered), batches.slice(0, 9));
    const line = lines.find((entry) => entry.message.includes("truncated"));
    assert.ok(line !== undefined, JSON.stringify(lines));
    assert.equal(line.level, "warn");
    assert.equal(line.fields?.truncatedBytes, Math.ceil(batches[9].length / 2));
    assert.match(String(line.fields?.reason), /runs past the end/);
    const next = await recovered.append(buildBatch({ timestamps: [NOW] }), { leaderEpoch: 1, assignOffsets: true });
    assert.equal(next.firstOffset, 18);
  });

  test("a corrupt batch in the unflushed tail cuts the log there and deletes later segments", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    const clock = new ManualClock(NOW);
    const log = await createTestLog({ fs, clock, config: smallConfig({ segmentBytes: 600 }) });
    const batches = await fill(log, 20);
    const segments = log.segmentBaseOffsets;
    assert.ok(segments.length >= 3);
    const after = fs.crash({ mode: "process" });
    // Flip a value bit in the first batch of the second segment.
    const secondLog = after.listFiles().filter((path) => path.endsWith(".log"))[1];
    after.flipBit(secondLog, 100, 3);
    const { logger, lines } = collectingLogger();
    const recovered = await reopenTestLog({ fs: after, clock, env: { logger } }, { hadCleanShutdown: false, recoveryPoint: 0 });
    assert.equal(recovered.logEndOffset, segments[1]);
    assert.deepEqual(recovered.segmentBaseOffsets, segments.slice(0, 2));
    assert.deepEqual(await readAll(recovered), batches.slice(0, segments[1] / 2));
    const line = lines.find((entry) => entry.message.includes("truncated"));
    assert.equal(line?.fields?.reason, "CRC mismatch");
    assert.deepEqual(line?.fields?.deletedSegments, segments.slice(2));
    assert.ok(!after.listFiles().some((path) => path.endsWith(".deleted")));
  });

  test("zeros at the end (pages the disk never wrote) are cut", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    const clock = new ManualClock(NOW);
    const log = await createTestLog({ fs, clock });
    const batches = await fill(log, 5);
    const after = fs.crash({ mode: "process" });
    const path = lastLogFile(after);
    const handle = await after.open(path, "read-write");
    await handle.write(Buffer.alloc(300), after.peekFile(path).length);
    await handle.close();
    const recovered = await reopenTestLog({ fs: after, clock }, { hadCleanShutdown: false });
    assert.equal(recovered.logEndOffset, 10);
    assert.deepEqual(await readAll(recovered), batches);
    assert.equal(after.peekFile(path).length, batches.reduce((sum, batch) => sum + batch.length, 0));
  });

  test("segments below the recovery point are not rescanned; their indexes load lazily", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    const clock = new ManualClock(NOW);
    const log = await createTestLog({ fs, clock, config: smallConfig({ segmentBytes: 600 }) });
    await fill(log, 20);
    await log.flush();
    const recoveryPoint = log.recoveryPoint;
    const segments = log.segmentBaseOffsets;
    await fill(log, 3);
    const after = fs.crash({ mode: "process" });
    const { logger, lines } = collectingLogger();
    const recovered = await reopenTestLog({ fs: after, clock, env: { logger } }, { hadCleanShutdown: false, recoveryPoint });
    const recovering = lines.find((entry) => entry.message === "recovering unflushed segments");
    assert.equal(recovering?.fields?.fromSegment, segments.at(-1));
    assert.equal(recovered.logEndOffset, 46);
  });
});

describe("corruption in flushed data", () => {
  test("a flipped bit in an old segment is reported and never served", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const log = await createTestLog({ fs, clock, config: smallConfig({ segmentBytes: 600 }) });
    const batches = await fill(log, 20);
    await log.close();
    // Batch 2 (offsets 4, 5) starts at 2 * size; flip a bit in its value.
    const size = batches[0].length;
    fs.flipBit(FIRST_LOG, 2 * size + 90, 0);
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ fs, clock, env: { logger } }, { hadCleanShutdown: true });
    await assert.rejects(reopened.read(4, { maxBytes: 1 << 20, maxOffset: 40, minOneBatch: true }), (error: unknown) => {
      assert.ok(error instanceof CorruptRecordError);
      assert.equal(error.path, FIRST_LOG);
      assert.equal(error.position, 2 * size);
      return true;
    });
    const line = lines.find((entry) => entry.level === "error");
    assert.ok(line !== undefined && line.message.includes("corrupt"), JSON.stringify(lines));
    const before = await reopened.read(0, { maxBytes: 1 << 20, maxOffset: 40, minOneBatch: true });
    assert.equal(before.batches.length, 2, "a read stops before the corrupt batch");
    assert.deepEqual(before.batches, batches.slice(0, 2));
    const later = await reopened.read(6, { maxBytes: 1 << 20, maxOffset: 40, minOneBatch: true });
    assert.deepEqual(later.batches[0], batches[3]);
  });

  test("a missing index is rebuilt from the log", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const config = smallConfig({ segmentBytes: 1200, indexIntervalBytes: 100 });
    const log = await createTestLog({ fs, clock, config });
    const batches = await fill(log, 30);
    await log.close();
    const original = fs.peekFile(FIRST_INDEX);
    assert.ok(original.length > 0);
    await fs.unlink(FIRST_INDEX);
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ fs, clock, config, env: { logger } }, { hadCleanShutdown: true });
    assert.deepEqual(await readAll(reopened), batches);
    assert.deepEqual(fs.peekFile(FIRST_INDEX), original);
    assert.ok(lines.some((line) => line.message.includes("rebuilding")));
  });

  test("a garbage index is detected and rebuilt", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const config = smallConfig({ segmentBytes: 1200, indexIntervalBytes: 100 });
    const log = await createTestLog({ fs, clock, config });
    const batches = await fill(log, 30);
    await log.close();
    const original = fs.peekFile(FIRST_INDEX);
    const garbage = Buffer.from(original);
    for (let index = 0; index < garbage.length; index += 1) garbage[index] = (index * 151 + 7) & 0xff;
    await fs.writeFile(FIRST_INDEX, garbage);
    const reopened = await reopenTestLog({ fs, clock, config }, { hadCleanShutdown: true });
    for (let offset = 0; offset < 60; offset += 5) {
      const read = await reopened.read(offset, { maxBytes: 1, maxOffset: 60, minOneBatch: true });
      assert.equal(read.firstOffset, offset - (offset % 2));
    }
    assert.deepEqual(await readAll(reopened), batches);
    assert.deepEqual(fs.peekFile(FIRST_INDEX), original);
  });

  test("an index that looks valid but points at the wrong bytes is caught when read, then rebuilt", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const config = smallConfig({ segmentBytes: 1200, indexIntervalBytes: 100 });
    const log = await createTestLog({ fs, clock, config });
    const batches = await fill(log, 30);
    await log.close();
    const original = fs.peekFile(FIRST_INDEX);
    // Shift every position by 3 bytes: still increasing and inside the file, but mid-batch.
    const shifted = Buffer.from(original);
    for (let at = 4; at < shifted.length; at += 8) shifted.writeInt32BE(shifted.readInt32BE(at) + 3, at);
    await fs.writeFile(FIRST_INDEX, shifted);
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ fs, clock, config, env: { logger } }, { hadCleanShutdown: true });
    assert.equal(reopened.segmentBaseOffsets[1], 14, "the first segment holds offsets 0..13");
    const read = await reopened.read(8, { maxBytes: 1, maxOffset: 60, minOneBatch: true });
    assert.equal(read.firstOffset, 8);
    assert.deepEqual(read.batches[0], batches[4]);
    assert.ok(lines.some((line) => line.message.includes("does not match the log")), JSON.stringify(lines));
    assert.deepEqual(fs.peekFile(FIRST_INDEX), original);
  });
});
