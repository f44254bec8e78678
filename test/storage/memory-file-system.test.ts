import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileAtomically } from "../../src/storage/io/file-system.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";

function sequence(length: number, start = 0): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => (start + index) & 0xff));
}

async function writeAt(fs: MemoryFileSystem, path: string, data: Buffer, position: number, sync = false): Promise<void> {
  const handle = await fs.open(path, "create");
  await handle.write(data, position);
  if (sync) await handle.datasync();
  await handle.close();
}

describe("MemoryFileSystem basics", () => {
  test("positioned writes, reads, sparse files, truncate, writev", async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdirp("/a/b");
    const handle = await fs.open("/a/b/f", "create");
    await handle.write(sequence(10), 0);
    await handle.writev([sequence(3, 100), sequence(4, 200)], 10);
    assert.equal(await handle.sizeBytes(), 17);
    await handle.truncate(1_000_000);
    assert.equal(await handle.sizeBytes(), 1_000_000);
    const into = Buffer.alloc(20, 0xee);
    assert.equal(await handle.read(into, 0, 20, 5), 20);
    assert.deepEqual(into, Buffer.concat([sequence(5, 5), sequence(3, 100), sequence(4, 200), Buffer.alloc(8)]));
    assert.equal(await handle.read(into, 0, 20, 999_990), 10, "short read at end of file");
    await handle.truncate(12);
    await handle.write(Buffer.from([1]), 70_000);
    const whole = await fs.readFile("/a/b/f");
    assert.equal(whole.length, 70_001);
    assert.deepEqual(whole.subarray(0, 12), Buffer.concat([sequence(10), sequence(2, 100)]));
    assert.ok(whole.subarray(12, 70_000).every((byte) => byte === 0), "truncated bytes read back as zeros when the file grows again");
    await handle.close();
    assert.deepEqual(await fs.readdir("/a/b"), ["f"]);
    assert.equal((await fs.stat("/a/b")).isDirectory, true);
    await fs.rename("/a/b/f", "/a/g");
    assert.equal(await fs.exists("/a/b/f"), false);
    assert.equal((await fs.stat("/a/g")).sizeBytes, 70_001);
    await fs.removeRecursive("/a");
    assert.deepEqual(await fs.readdir("/"), []);
    await assert.rejects(fs.open("/missing/x", "create"), { code: "ENOENT" });
    await assert.rejects(fs.open("/nope", "read"), { code: "ENOENT" });
  });

  test("a renamed file stays readable through an open handle", async () => {
    const fs = new MemoryFileSystem();
    await writeAt(fs, "/f", sequence(8), 0);
    const handle = await fs.open("/f", "read");
    await fs.rename("/f", "/f.deleted");
    const into = Buffer.alloc(8);
    await handle.read(into, 0, 8, 0);
    assert.deepEqual(into, sequence(8));
  });

  test("faults by operation and path prefix, limited by count, removable", async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdirp("/d1");
    await fs.mkdirp("/d2");
    const remove = fs.injectFault({ code: "EIO", pathPrefix: "/d1", operations: ["write"] });
    await assert.rejects(writeAt(fs, "/d1/x", sequence(4), 0), { code: "EIO" });
    await writeAt(fs, "/d2/x", sequence(4), 0);
    remove();
    await writeAt(fs, "/d1/x", sequence(4), 0);
    fs.injectFault({ code: "ENOSPC", count: 2 });
    await assert.rejects(fs.readdir("/"), { code: "ENOSPC" });
    await assert.rejects(fs.readdir("/"), { code: "ENOSPC" });
    assert.equal((await fs.readdir("/")).length, 2);
  });

  test("capacity: a write past it is short, then ENOSPC; freeing space lets writes through", async () => {
    const fs = new MemoryFileSystem({ capacityBytes: 100 });
    await writeAt(fs, "/a", sequence(60), 0);
    await assert.rejects(writeAt(fs, "/b", sequence(60), 0), { code: "ENOSPC" });
    assert.equal((await fs.readFile("/b")).length, 40, "the short write landed");
    await fs.unlink("/b");
    await writeAt(fs, "/c", sequence(40), 0);
    assert.equal(fs.usedDataBytes, 100);
  });

  test("flipBit damages the file", async () => {
    const fs = new MemoryFileSystem();
    await writeAt(fs, "/f", Buffer.alloc(4), 0);
    fs.flipBit("/f", 2, 7);
    assert.deepEqual(fs.peekFile("/f"), Buffer.from([0, 0, 0x80, 0]));
  });
});

describe("MemoryFileSystem crashes", () => {
  test("process crash keeps completed writes, synced or not; the dead instance refuses everything", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    await writeAt(fs, "/f", sequence(10), 0);
    const stale = await fs.open("/f", "read-write");
    const after = fs.crash({ mode: "process" });
    assert.deepEqual(after.peekFile("/f"), sequence(10));
    await assert.rejects(stale.write(sequence(3), 0), { code: "EIO" });
    await assert.rejects(fs.readdir("/"), { code: "EIO" });
    assert.deepEqual(after.peekFile("/f"), sequence(10));
  });

  test("process crash can tear a write still in flight", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true, completion: "macrotask" });
    await writeAt(fs, "/f", sequence(10), 0);
    const handle = await fs.open("/f", "read-write");
    const pending = handle.write(sequence(100, 50), 10);
    pending.catch(() => {});
    const after = fs.crash({ mode: "process", random: () => 0.5 });
    const survived = after.peekFile("/f");
    assert.equal(survived.length, 60);
    assert.deepEqual(survived, Buffer.concat([sequence(10), sequence(50, 50)]));
  });

  test("power loss keeps only synced data and directory entries made durable", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    await fs.mkdirp("/d");
    await fs.fsyncDirectory("/");
    await writeAt(fs, "/d/synced", sequence(10), 0, true);
    await fs.fsyncDirectory("/d");
    await writeAt(fs, "/d/synced", sequence(10, 100), 10);
    await writeAt(fs, "/d/unlisted", sequence(10), 0, true);
    const after = fs.crash({ mode: "power" });
    assert.deepEqual(after.peekFile("/d/synced"), sequence(10), "unsynced appended bytes are gone");
    assert.equal(await after.exists("/d/unlisted"), false, "a synced file whose directory entry was not synced is gone");
  });

  test("atomic replacement survives power loss with the old or the new contents", async () => {
    for (let seed = 0; seed < 30; seed += 1) {
      const fs = new MemoryFileSystem({ trackDurability: true });
      await fs.mkdirp("/d");
      await fs.fsyncDirectory("/");
      await writeFileAtomically(fs, "/d/checkpoint", Buffer.from("old"));
      let state = seed;
      const random = (): number => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648;
      };
      const writing = writeFileAtomically(fs, "/d/checkpoint", Buffer.from("new contents"));
      writing.catch(() => {});
      for (let step = 0; step < seed % 7; step += 1) await Promise.resolve();
      const after = fs.crash({ mode: "power", random });
      const text = after.peekFile("/d/checkpoint").toString();
      assert.ok(text === "old" || text === "new contents", `seed ${seed}: ${JSON.stringify(text)}`);
    }
  });

  test("power loss with write-back randomness never invents data", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    await writeAt(fs, "/f", sequence(8192), 0, true);
    await fs.fsyncDirectory("/");
    await writeAt(fs, "/f", Buffer.alloc(8192, 0xaa), 8192);
    let state = 7;
    const random = (): number => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    const after = fs.crash({ mode: "power", random });
    const survived = after.peekFile("/f");
    assert.deepEqual(survived.subarray(0, 8192), sequence(8192));
    assert.ok(survived.subarray(8192).every((byte) => byte === 0xaa || byte === 0));
  });
});
