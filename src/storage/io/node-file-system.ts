// The real file system: node:fs/promises, positioned reads and writes, short writes resumed.
// Large reads and writes go through the libuv thread pool, so a slow disk never stalls the
// event loop; the storage engine batches its writes (see append-pipeline.ts) because each call
// costs a thread-pool round trip of about 150 µs here (research/perf-anchors.md).
//
// Small ones are made synchronously, as Kafka's request threads make theirs: a write of at most
// SYNC_IO_BYTES_MAX only copies into the page cache (microseconds), and so does a read of that
// size near the end of what this handle wrote in this process (just written, so in the page
// cache). The thread pool's round trip wakes a worker and then the event loop again; on a
// lightly loaded machine those wake-ups were most of a record's end-to-end latency and all of its
// tail (p95 halved, p99 3-7 ms down to 3-4 ms at 1,000 produce requests/s). Under load, appends
// are grouped into larger writes and fetches read more, so the thread pool still carries the
// volume. Reads elsewhere (older data, which may have to come from the disk) stay asynchronous.

import { constants, readSync, writeSync, writevSync } from "node:fs";
import * as fsp from "node:fs/promises";
import type { FileHandle, FileStat, FileSystem, OpenMode } from "./file-system.js";
import { isNotFound } from "./file-system.js";

/** First read size of readFile: checkpoint and metadata files fit in one read. */
const SMALL_FILE_BYTES = 64 * 1024;
/** Linux's IOV_MAX: more buffers than this in one writev are split by us, not rejected by the kernel. */
const IOV_MAX = 1024;
/** Writes, and reads of recently written bytes, up to this size are made synchronously (see above). */
const SYNC_IO_BYTES_MAX = 64 * 1024;
/** A read starting no further than this before the end of this handle's last write counts as recent. */
const RECENT_WRITE_BYTES = 4 * 1024 * 1024;

const OPEN_FLAGS: Readonly<Record<OpenMode, number>> = {
  read: constants.O_RDONLY,
  "read-write": constants.O_RDWR,
  create: constants.O_RDWR | constants.O_CREAT,
};

/** The buffers still to write once the kernel took `bytesWritten` (a short write leaves a partial buffer at the front). */
function afterWritten(buffers: readonly Buffer[], bytesWritten: number): Buffer[] {
  let skip = bytesWritten;
  let index = 0;
  while (index < buffers.length && skip >= buffers[index].length) {
    skip -= buffers[index].length;
    index += 1;
  }
  const rest = buffers.slice(index);
  if (skip > 0) rest[0] = rest[0].subarray(skip);
  return rest;
}

class NodeFileHandle implements FileHandle {
  /** Where this handle's last write ended; -1 before the first. Reads near it are of fresh bytes. */
  private lastWriteEnd = -1;

  constructor(
    readonly path: string,
    private readonly handle: fsp.FileHandle,
  ) {}

  async read(buffer: Buffer, bufferOffset: number, length: number, position: number): Promise<number> {
    if (length <= SYNC_IO_BYTES_MAX && this.lastWriteEnd >= 0 && position >= this.lastWriteEnd - RECENT_WRITE_BYTES) {
      return this.readNow(buffer, bufferOffset, length, position);
    }
    let total = 0;
    while (total < length) {
      const { bytesRead } = await this.handle.read(buffer, bufferOffset + total, length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  async write(buffer: Buffer, position: number): Promise<void> {
    this.lastWriteEnd = position + buffer.length;
    if (buffer.length <= SYNC_IO_BYTES_MAX) {
      this.writevNow([buffer], position);
      return;
    }
    let written = 0;
    while (written < buffer.length) {
      const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written, position + written);
      written += bytesWritten;
    }
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    let totalBytes = 0;
    for (const buffer of buffers) totalBytes += buffer.length;
    this.lastWriteEnd = position + totalBytes;
    if (totalBytes <= SYNC_IO_BYTES_MAX && buffers.length <= IOV_MAX) {
      this.writevNow(buffers, position);
      return;
    }
    let pending = buffers.length > IOV_MAX ? buffers.slice(0, IOV_MAX) : buffers.slice();
    let rest = buffers.length > IOV_MAX ? buffers.slice(IOV_MAX) : [];
    let at = position;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, at);
      at += bytesWritten;
      pending = afterWritten(pending, bytesWritten);
      if (pending.length === 0 && rest.length > 0) {
        pending = rest.slice(0, IOV_MAX);
        rest = rest.slice(IOV_MAX);
      }
    }
  }

  async truncate(sizeBytes: number): Promise<void> {
    await this.handle.truncate(sizeBytes);
    this.lastWriteEnd = Math.min(this.lastWriteEnd, sizeBytes);
  }

  /** A synchronous positioned read, resumed after short reads, stopping at the end of the file. */
  private readNow(buffer: Buffer, bufferOffset: number, length: number, position: number): number {
    let total = 0;
    while (total < length) {
      const bytesRead = readSync(this.handle.fd, buffer, bufferOffset + total, length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  /** A synchronous positioned writev (at most IOV_MAX buffers), resumed after short writes. */
  private writevNow(buffers: readonly Buffer[], position: number): void {
    let pending = buffers.slice();
    let at = position;
    while (pending.length > 0) {
      const bytesWritten = pending.length === 1 ? writeSync(this.handle.fd, pending[0], 0, pending[0].length, at) : writevSync(this.handle.fd, pending, at);
      at += bytesWritten;
      pending = afterWritten(pending, bytesWritten);
    }
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
