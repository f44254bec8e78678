import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/lib/clock.js";
import { writeFileAtomically } from "../../src/storage/io/file-system.js";
import { NodeFileSystem } from "../../src/storage/io/node-file-system.js";
import { LogManager } from "../../src/storage/log-manager.js";
import { buildBatch } from "./batch-builder.js";
import { readAll, smallConfig, TOPIC_ID } from "./helpers.js";

test("NodeFileSystem: positioned I/O, writev beyond IOV_MAX, directories, atomic replace", async () => {
  const root = mkdtempSync(join(tmpdir(), "tributary-nodefs-"));
  try {
    const fs = new NodeFileSystem();
    await fs.mkdirp(`${root}/a/b`);
    const handle = await fs.open(`${root}/a/b/f`, "create");
    const buffers = Array.from({ length: 3000 }, (_, index) => Buffer.from([index & 0xff, (index >> 8) & 0xff]));
    await handle.writev(buffers, 10);
    assert.equal(await handle.sizeBytes(), 10 + 6000);
    const back = Buffer.alloc(6000);
    assert.equal(await handle.read(back, 0, 6000, 10), 6000);
    assert.deepEqual(back, Buffer.concat(buffers));
    await handle.write(Buffer.from("xyz"), 0);
    await handle.truncate(5);
    await handle.datasync();
    await handle.close();
    assert.deepEqual(await fs.readFile(`${root}/a/b/f`), Buffer.from([0x78, 0x79, 0x7a, 0, 0]));
    const reopened = await fs.open(`${root}/a/b/f`, "create");
    assert.equal(await reopened.sizeBytes(), 5, "create never truncates an existing file");
    await reopened.close();
    await assert.rejects(fs.open(`${root}/missing`, "read"), { code: "ENOENT" });
    await writeFileAtomically(fs, `${root}/a/checkpoint`, Buffer.from("0\n0\n"));
    assert.equal((await fs.readFile(`${root}/a/checkpoint`)).toString(), "0\n0\n");
    assert.deepEqual((await fs.readdir(`${root}/a`)).sort(), ["b", "checkpoint"]);
    await fs.fsyncDirectory(`${root}/a`);
    await fs.rename(`${root}/a/b`, `${root}/a/c`);
    assert.equal(await fs.exists(`${root}/a/b`), false);
    assert.equal((await fs.stat(`${root}/a/c`)).isDirectory, true);
    await fs.removeRecursive(`${root}/a`);
    assert.equal(await fs.exists(`${root}/a`), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a LogManager on the real file system survives close and reopen", async () => {
  const root = mkdtempSync(join(tmpdir(), "tributary-manager-"));
  try {
    const fs = new NodeFileSystem();
    const clock = new ManualClock();
    const manager = await LogManager.open({ fs, clock, logDirs: [`${root}/d1`, `${root}/d2`], defaultConfig: smallConfig() });
    const log = await manager.createLog("orders", 0, TOPIC_ID, smallConfig({ segmentBytes: 2000 }));
    for (let index = 0; index < 50; index += 1) await log.append(buildBatch({ timestamps: [clock.nowMs()], valueBytes: 100 }), { leaderEpoch: 0, assignOffsets: true });
    await manager.close();
    const again = await LogManager.open({ fs, clock, logDirs: [`${root}/d1`, `${root}/d2`], defaultConfig: smallConfig({ segmentBytes: 2000 }) });
    const reopened = again.getLog("orders", 0)!;
    assert.equal(reopened.logEndOffset, 50);
    assert.equal((await readAll(reopened)).length, 50);
    await again.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
