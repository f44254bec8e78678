import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/lib/clock.js";
import { InconsistentTopicIdError, StorageError } from "../../src/storage/errors.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import { LogManager } from "../../src/storage/log-manager.js";
import { buildBatch } from "./batch-builder.js";
import { collectingLogger, readAll, smallConfig, TOPIC_ID } from "./helpers.js";

const NOW = 1_700_000_000_000;
const OTHER_TOPIC_ID = "BBBBBBBBBBBBBBBBBBBBBQ";

function batch(valueBytes = 40): Buffer {
  return buildBatch({ timestamps: [NOW], valueBytes });
}

async function openManager(fs: MemoryFileSystem, clock: ManualClock, logDirs = ["/d1", "/d2"], extra: { logger?: ReturnType<typeof collectingLogger>["logger"] } = {}): Promise<LogManager> {
  return LogManager.open({ fs, clock, logDirs, defaultConfig: smallConfig(), random: () => 0, ...extra });
}

describe("LogManager", () => {
  test("creates logs in the directory with the fewest partitions and writes partition.metadata", async () => {
    const fs = new MemoryFileSystem();
    const manager = await openManager(fs, new ManualClock(NOW));
    for (let partition = 0; partition < 4; partition += 1) await manager.createLog("orders", partition, TOPIC_ID, smallConfig());
    const dirs = manager.allLogs().map((log) => log.logDir);
    assert.equal(dirs.filter((dir) => dir === "/d1").length, 2);
    assert.equal(dirs.filter((dir) => dir === "/d2").length, 2);
    const log = manager.getLog("orders", 1)!;
    assert.equal(fs.peekFile(`${log.dir}/partition.metadata`).toString(), `version: 0\ntopic_id: ${TOPIC_ID}\n`);
    assert.equal(await manager.createLog("orders", 1, TOPIC_ID, smallConfig()), log);
    await assert.rejects(manager.createLog("orders", 1, OTHER_TOPIC_ID, smallConfig()), InconsistentTopicIdError);
    assert.equal(manager.getLog("orders", 9), undefined);
    await manager.close();
  });

  test("checkpoint files, clean shutdown marker, and a reopen that needs no recovery", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const manager = await openManager(fs, clock, ["/d1"]);
    const log = await manager.createLog("orders", 0, TOPIC_ID, smallConfig({ segmentBytes: 500 }));
    for (let index = 0; index < 20; index += 1) await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    log.updateHighWatermark(15);
    await log.deleteRecordsBefore(10);
    // DeleteRecords is checkpointed before it returns.
    assert.equal(fs.peekFile("/d1/log-start-offset-checkpoint").toString(), "0\n1\norders 0 10\n");
    await manager.checkpoint();
    assert.equal(fs.peekFile("/d1/recovery-point-offset-checkpoint").toString(), `0\n1\norders 0 ${log.recoveryPoint}\n`);
    assert.equal(fs.peekFile("/d1/replication-offset-checkpoint").toString(), "0\n1\norders 0 15\n");
    await manager.close();
    assert.equal(fs.peekFile("/d1/.kafka_cleanshutdown").toString(), '{"version":"0","broker_epoch":"-1"}');
    assert.equal(fs.peekFile("/d1/recovery-point-offset-checkpoint").toString(), "0\n1\norders 0 20\n");

    const { logger, lines } = collectingLogger();
    const reopened = await openManager(fs, clock, ["/d1"], { logger });
    const again = reopened.getLog("orders", 0)!;
    assert.equal(again.logEndOffset, 20);
    assert.equal(again.logStartOffset, 10);
    assert.equal(again.highWatermark, 15);
    assert.equal(again.topicId, TOPIC_ID);
    assert.ok(!lines.some((line) => line.message.includes("recovering")));
    assert.equal(await fs.exists("/d1/.kafka_cleanshutdown"), false, "the marker is removed once loaded");
    assert.equal((await readAll(again)).length, 10);
    await reopened.close();
  });

  test("a malformed checkpoint file is ignored: the partitions load and recover from 0", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const manager = await openManager(fs, clock, ["/d1"]);
    const log = await manager.createLog("orders", 0, TOPIC_ID, smallConfig());
    for (let index = 0; index < 3; index += 1) await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    await manager.close();
    await fs.writeFile("/d1/recovery-point-offset-checkpoint", Buffer.from("0\n7\ngarbage\n"));
    await fs.unlink("/d1/.kafka_cleanshutdown");
    const { logger, lines } = collectingLogger();
    const reopened = await openManager(fs, clock, ["/d1"], { logger });
    assert.deepEqual(reopened.offlineLogDirs(), []);
    assert.equal(reopened.getLog("orders", 0)!.logEndOffset, 3);
    assert.ok(lines.some((line) => line.message === "malformed checkpoint file ignored"));
    await reopened.close();
  });

  test("an unclean stop makes the next start recover", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    const clock = new ManualClock(NOW);
    const manager = await openManager(fs, clock, ["/d1"]);
    const log = await manager.createLog("orders", 0, TOPIC_ID, smallConfig());
    for (let index = 0; index < 5; index += 1) await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    const { logger, lines } = collectingLogger();
    const restarted = await openManager(fs.crash({ mode: "process" }), clock, ["/d1"], { logger });
    assert.equal(restarted.getLog("orders", 0)!.logEndOffset, 5);
    assert.ok(lines.some((line) => line.message === "recovering unflushed segments"));
    await restarted.close();
  });

  test("deleteLog renames the directory to -delete and removes it after file.delete.delay.ms", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const manager = await openManager(fs, clock, ["/d1"]);
    const log = await manager.createLog("orders", 0, TOPIC_ID, smallConfig({ fileDeleteDelayMs: 5000 }));
    await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    assert.equal(await manager.deleteLog("orders", 0), true);
    assert.equal(manager.getLog("orders", 0), undefined);
    const names = await fs.readdir("/d1");
    const deleted = names.find((name) => name.endsWith("-delete"));
    assert.match(deleted ?? "", /^orders-0\.[0-9a-f]{32}-delete$/);
    assert.ok(!names.includes("orders-0"));
    await assert.rejects(log.read(0, { maxBytes: 10, maxOffset: 1, minOneBatch: true }));
    clock.advance(5000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(!(await fs.readdir("/d1")).some((name) => name.endsWith("-delete")));
    assert.equal(await manager.deleteLog("orders", 0), false);
    // The name is free again.
    const recreated = await manager.createLog("orders", 0, OTHER_TOPIC_ID, smallConfig());
    assert.equal(recreated.logEndOffset, 0);
    await manager.close();
  });

  test("leftover -delete directories and .deleted segments are removed at start-up", async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdirp("/d1/orders-0.0123456789abcdef0123456789abcdef-delete");
    await fs.writeFile("/d1/orders-0.0123456789abcdef0123456789abcdef-delete/00000000000000000000.log", Buffer.alloc(10));
    const manager = await openManager(fs, new ManualClock(NOW), ["/d1"]);
    await manager.stopBackgroundTasks();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await fs.readdir("/d1"), []);
    await manager.close();
  });

  test("background tasks run retention, flush.ms and checkpoints on the injected clock", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const manager = await openManager(fs, clock, ["/d1"]);
    const log = await manager.createLog("orders", 0, TOPIC_ID, smallConfig({ segmentBytes: 400, retentionMs: 60_000, flushMs: 10_000 }));
    for (let index = 0; index < 20; index += 1) await log.append(batch(60), { leaderEpoch: 0, assignOffsets: true });
    log.updateHighWatermark(log.logEndOffset);
    manager.startBackgroundTasks({ retentionCheckIntervalMs: 30_000, flushSchedulerIntervalMs: 5_000, checkpointIntervalMs: 20_000 });
    const settle = async (): Promise<void> => {
      for (let index = 0; index < 20; index += 1) await new Promise((resolve) => setImmediate(resolve));
    };
    clock.advance(5_000);
    await settle();
    // Rolls flushed the finished segments; the active one waits for flush.ms.
    assert.equal(log.recoveryPoint, log.segmentBaseOffsets.at(-1));
    assert.ok(log.recoveryPoint < 20);
    clock.advance(5_000);
    await settle();
    assert.equal(log.recoveryPoint, 20);
    clock.advance(10_000);
    await settle();
    assert.equal(fs.peekFile("/d1/recovery-point-offset-checkpoint").toString(), "0\n1\norders 0 20\n");
    const segmentsBefore = log.segmentCount;
    clock.advance(60_000);
    await settle();
    assert.ok(log.segmentCount < segmentsBefore, "retention deleted expired segments");
    assert.equal(log.logStartOffset, 20);
    await manager.close();
  });

  test("an I/O error takes one directory offline; the other keeps serving", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const manager = await openManager(fs, clock);
    const failed: string[] = [];
    manager.onLogDirFailure((dir) => failed.push(dir));
    const a = await manager.createLog("orders", 0, TOPIC_ID, smallConfig());
    const b = await manager.createLog("orders", 1, TOPIC_ID, smallConfig());
    const c = await manager.createLog("orders", 2, TOPIC_ID, smallConfig());
    assert.equal(a.logDir, "/d1");
    assert.equal(c.logDir, "/d1");
    fs.injectFault({ code: "EIO", pathPrefix: "/d1", operations: ["write"] });
    await assert.rejects(a.append(batch(), { leaderEpoch: 0, assignOffsets: true }), (error: unknown) => error instanceof StorageError && error.offline);
    assert.deepEqual(failed, ["/d1"]);
    assert.deepEqual(manager.offlineLogDirs(), ["/d1"]);
    await assert.rejects(c.read(0, { maxBytes: 10, maxOffset: 0, minOneBatch: true }), StorageError, "every partition of the directory is offline");
    await b.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    const placed = await manager.createLog("orders", 3, TOPIC_ID, smallConfig());
    assert.equal(placed.logDir, "/d2", "new logs avoid the offline directory");
    const status = manager.logDirStatus();
    assert.deepEqual(
      status.map((dir) => [dir.logDir, dir.offline, dir.partitionCount]),
      [
        ["/d1", true, 2],
        ["/d2", false, 2],
      ],
    );
    assert.ok(status[1].sizeBytes > 0);
    await manager.close();
    assert.equal(await fs.exists("/d1/.kafka_cleanshutdown"), false, "no clean-shutdown marker for an offline directory");
    assert.equal(await fs.exists("/d2/.kafka_cleanshutdown"), true);
  });

  test("a directory that cannot be read at start-up is offline; the others load", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const first = await openManager(fs, clock);
    await first.createLog("orders", 0, TOPIC_ID, smallConfig());
    await first.createLog("orders", 1, TOPIC_ID, smallConfig());
    await first.close();
    fs.injectFault({ code: "EIO", pathPrefix: "/d2", operations: ["readdir"] });
    const second = await openManager(fs, clock);
    assert.deepEqual(second.offlineLogDirs(), ["/d2"]);
    assert.equal(second.allLogs().length, 1);
    await second.close();
  });

  test("loads many partitions across directories in parallel", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const first = await openManager(fs, clock, ["/d1", "/d2", "/d3"]);
    for (let partition = 0; partition < 150; partition += 1) {
      const log = await first.createLog(`topic-${partition % 7}`, partition, TOPIC_ID, smallConfig());
      if (partition % 10 === 0) await log.append(batch(), { leaderEpoch: 0, assignOffsets: true });
    }
    await first.close();
    const second = await LogManager.open({ fs, clock, logDirs: ["/d1", "/d2", "/d3"], defaultConfig: smallConfig(), recoveryParallelism: 8 });
    assert.equal(second.allLogs().length, 150);
    assert.equal(second.getLog("topic-3", 10)!.logEndOffset, 1);
    assert.equal(second.getLog("topic-4", 11)!.logEndOffset, 0);
    assert.equal(second.sizeBytes("topic-3", 10), batch().length);
    await second.close();
  });
});
