// The real file system: node:fs/promises, positioned reads and writes, short writes resumed.
// Everything is asynchronous (libuv thread pool) so a slow disk never stalls the event loop;
// the storage engine batches its writes (see append-pipeline.ts) because each call costs a
// thread-pool round trip of about 150 µs here (research/perf-anchors.md).

import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import type { FileHandle, FileStat, FileSystem, OpenMode } from "./file-system.js";
import { isNotFound } from "./file-system.js";

/** First read size of readFile: checkpoint and metadata files fit in one read. */
const SMALL_FILE_BYTES = 64 * 1024;
/** Linux's IOV_MAX: more buffers than this in one writev are split by us, not rejected by the kernel. */
const IOV_MAX = 1024;

const OPEN_FLAGS: Readonly<Record<OpenMode, number>> = {
  read: constants.O_RDONLY,
  "read-write": constants.O_RDWR,
  create: constants.O_RDWR | constants.O_CREAT,
};

class NodeFileHandle implements FileHandle {
  constructor(
    readonly path: string,
    private readonly handle: fsp.FileHandle,
  ) {}

  async read(buffer: Buffer, bufferOffset: number, length: number, position: number): Promise<number> {
    let total = 0;
    while (total < length) {
      const { bytesRead } = await this.handle.read(buffer, bufferOffset + total, length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  async write(buffer: Buffer, position: number): Promise<void> {
    let written = 0;
    while (written < buffer.length) {
      const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written, position + written);
      written += bytesWritten;
    }
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    let pending = buffers.length > IOV_MAX ? buffers.slice(0, IOV_MAX) : buffers.slice();
    let rest = buffers.length > IOV_MAX ? buffers.slice(IOV_MAX) : [];
    let at = position;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, at);
      at += bytesWritten;
      // Drop what the kernel took; a short write leaves a partial buffer at the front.
      let skip = bytesWritten;
      let index = 0;
      while (index < pending.length && skip >= pending[index].length) {
        skip -= pending[index].length;
        index += 1;
      }
      pending = pending.slice(index);
      if (skip > 0) pending[0] = pending[0].subarray(skip);
      if (pending.length === 0 && rest.length > 0) {
        pending = rest.slice(0, IOV_MAX);
        rest = rest.slice(IOV_MAX);
      }
    }
  }

  async truncate(sizeBytes: number): Promise<void> {
    await this.handle.truncate(sizeBytes);
  }

  async sizeBytes(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async datasync(): Promise<void> {
    await this.handle.datasync();
  }

  async sync(): Promise<void> {
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export class NodeFileSystem implements FileSystem {
  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    return new NodeFileHandle(path, await fsp.open(path, OPEN_FLAGS[mode], 0o644));
  }

  /**
   * Small files (checkpoints, partition.metadata, indexes) are read with open, one read and
   * close: one thread-pool round trip fewer than fs.readFile, which matters when thousands of
   * partitions load at start-up.
   */
  async readFile(path: string): Promise<Buffer> {
    const handle = await fsp.open(path, constants.O_RDONLY);
    try {
      let buffer = Buffer.allocUnsafe(SMALL_FILE_BYTES);
      let length = 0;
      for (;;) {
        const wanted = buffer.length - length;
        const { bytesRead } = await handle.read(buffer, length, wanted, length);
        length += bytesRead;
        // A regular file reads short only at its end: no extra read to see 0 bytes.
        if (bytesRead < wanted) break;
        if (length === buffer.length) {
          const grown = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(grown, 0, 0, length);
          buffer = grown;
        }
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }

  writeFile(path: string, data: Buffer): Promise<void> {
    return fsp.writeFile(path, data);
  }

  async stat(path: string): Promise<FileStat> {
    const stats = await fsp.stat(path);
    return { sizeBytes: stats.size, isFile: stats.isFile(), isDirectory: stats.isDirectory(), mtimeMs: stats.mtimeMs };
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fsp.access(path);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  readdir(path: string): Promise<string[]> {
    return fsp.readdir(path);
  }

  async mkdirp(path: string): Promise<void> {
    await fsp.mkdir(path, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  }

  unlink(path: string): Promise<void> {
    return fsp.unlink(path);
  }

  removeRecursive(path: string): Promise<void> {
    return fsp.rm(path, { recursive: true, force: true });
  }

  async fsyncDirectory(path: string): Promise<void> {
    const handle = await fsp.open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
