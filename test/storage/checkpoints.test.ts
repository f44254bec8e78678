import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  formatCheckpoint,
  MalformedCheckpointError,
  parseCheckpoint,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
} from "../../src/storage/checkpoint-file.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import { LeaderEpochCache } from "../../src/storage/leader-epoch-cache.js";
import { deleteDirName, isDeleteDirName, logFileName, parsePartitionDirName, parseSegmentFileName } from "../../src/storage/log-file-names.js";
import { parsePartitionMetadata } from "../../src/storage/partition-metadata-file.js";

describe("checkpoint file format", () => {
  test("version line, count line, one entry per line", async () => {
    assert.equal(formatCheckpoint([["orders", 0, 42], ["my-topic", 11, 7]]).toString(), "0\n2\norders 0 42\nmy-topic 11 7\n");
    assert.equal(formatCheckpoint([]).toString(), "0\n0\n");
    const fs = new MemoryFileSystem();
    await fs.mkdirp("/d");
    await writeOffsetCheckpoint(fs, "/d/recovery-point-offset-checkpoint", [{ topic: "a.b_c-d", partition: 3, offset: 9_007_199_254_740_991 }]);
    assert.equal(fs.peekFile("/d/recovery-point-offset-checkpoint").toString(), "0\n1\na.b_c-d 3 9007199254740991\n");
    assert.deepEqual(await readOffsetCheckpoint(fs, "/d/recovery-point-offset-checkpoint"), [{ topic: "a.b_c-d", partition: 3, offset: 9_007_199_254_740_991 }]);
    assert.deepEqual(await readOffsetCheckpoint(fs, "/d/missing"), []);
    assert.ok(!fs.listFiles().some((path) => path.endsWith(".tmp")));
  });

  test("malformed files are refused", () => {
    const bad = ["", "1\n0\n", "0\n2\na 0 1\n", "0\n1\na 0\n", "0\nx\n", "0\n1\na 0 1 2\n"];
    for (const text of bad) assert.throws(() => parseCheckpoint(text, 3, "test"), MalformedCheckpointError, JSON.stringify(text));
  });
});

describe("leader epoch cache", () => {
  test("assign removes conflicting entries; the file follows every change", async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdirp("/p");
    const cache = LeaderEpochCache.empty(fs, "/p/leader-epoch-checkpoint");
    cache.assign(1, 0);
    cache.assign(1, 5);
    cache.assign(3, 10);
    cache.assign(5, 20);
    assert.deepEqual(cache.epochEntries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 5, startOffset: 20 },
    ]);
    // A new leader of epoch 4 from offset 15 replaces epoch 5 (started later).
    cache.assign(4, 15);
    assert.deepEqual(cache.epochEntries.map((entry) => entry.epoch), [1, 3, 4]);
    await cache.flush();
    assert.equal(fs.peekFile("/p/leader-epoch-checkpoint").toString(), "0\n3\n1 0\n3 10\n4 15\n");
    cache.truncateFromStart(12);
    assert.deepEqual(cache.epochEntries, [
      { epoch: 3, startOffset: 12 },
      { epoch: 4, startOffset: 15 },
    ]);
    cache.truncateFromEnd(15);
    assert.deepEqual(cache.epochEntries, [{ epoch: 3, startOffset: 12 }]);
    await cache.flush();
    const { cache: reloaded, malformed } = await LeaderEpochCache.load(fs, "/p/leader-epoch-checkpoint");
    assert.equal(malformed, null);
    assert.deepEqual(reloaded.epochEntries, [{ epoch: 3, startOffset: 12 }]);
  });

  test("a malformed checkpoint is reported, not fatal", async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdirp("/p");
    await fs.writeFile("/p/leader-epoch-checkpoint", Buffer.from("0\n2\n1 0\n"));
    const { cache, malformed } = await LeaderEpochCache.load(fs, "/p/leader-epoch-checkpoint");
    assert.ok(malformed !== null);
    assert.deepEqual(cache.epochEntries, []);
  });
});

describe("names", () => {
  test("segment files, partition directories, -delete directories, partition.metadata", () => {
    assert.equal(logFileName(1234), "00000000000000001234.log");
    assert.deepEqual(parseSegmentFileName("00000000000000001234.timeindex.deleted"), { baseOffset: 1234, kind: ".timeindex", suffix: ".deleted" });
    assert.equal(parseSegmentFileName("1234.log"), undefined);
    assert.deepEqual(parsePartitionDirName("my-topic-12"), { topic: "my-topic", partition: 12 });
    assert.equal(parsePartitionDirName("my-topic-12.abc-delete"), undefined);
    assert.equal(parsePartitionDirName("recovery-point-offset-checkpoint"), undefined);
    const name = deleteDirName("orders", 3, "0123456789abcdef0123456789abcdef");
    assert.equal(name, "orders-3.0123456789abcdef0123456789abcdef-delete");
    assert.ok(isDeleteDirName(name));
    assert.ok(deleteDirName("x".repeat(249), 2147483647).length <= 255);
    assert.equal(parsePartitionMetadata("version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n", "t"), "AAAAAAAAAAAAAAAAAAAAAQ");
    assert.throws(() => parsePartitionMetadata("version: 1\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n", "t"));
  });
});
