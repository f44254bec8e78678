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

test("NodeFileSystem: small writes and fresh small reads (made synchronously) and large ones (thread pool) agree byte for byte", async () => {
  const root = mkdtempSync(join(tmpdir(), "tributary-nodefs-"));
  try {
    const fs = new NodeFileSystem();
    const handle = await fs.open(`${root}/f`, "create");
    const fill = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff));
    // Interleaved: a large write (thread pool), small write and writev (synchronous), another large one.
    const pieces = [fill(200_000, 1), fill(100, 2), fill(4_000, 3), fill(30_000, 4), fill(300_000, 5)];
    let position = 0;
    await handle.write(pieces[0], position);
    position += pieces[0].length;
    await handle.write(pieces[1], position);
    position += pieces[1].length;
    await handle.writev([pieces[2], pieces[3]], position);
    position += pieces[2].length + pieces[3].length;
    await handle.writev([pieces[4].subarray(0, 150_000), pieces[4].subarray(150_000)], position);
    position += pieces[4].length;
    const expected = Buffer.concat(pieces);
    assert.equal(await handle.sizeBytes(), expected.length);
    // Large reads, small reads of the fresh end, small reads of the start (far from it), and past the end.
    const whole = Buffer.alloc(expected.length);
    assert.equal(await handle.read(whole, 0, whole.length, 0), expected.length);
    assert.deepEqual(whole, expected);
    for (const [at, length] of [[expected.length - 1000, 1000], [expected.length - 60_000, 60_000], [10, 5000], [expected.length - 10, 100]]) {
      const part = Buffer.alloc(length);
      const read = await handle.read(part, 0, length, at);
      assert.equal(read, Math.min(length, expected.length - at));
      assert.deepEqual(part.subarray(0, read), expected.subarray(at, at + read));
    }
    await handle.close();
    // A failing synchronous write is a rejected promise, never an exception from the call.
    const readOnly = await fs.open(`${root}/f`, "read");
    const attempt = readOnly.write(Buffer.from("x"), 0);
    await assert.rejects(attempt, { code: "EBADF" });
    await readOnly.close();
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
