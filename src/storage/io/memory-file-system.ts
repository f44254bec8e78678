// An in-memory FileSystem. Two uses:
// 1. `storage: "memory"` brokers: construction is a few object allocations, operations finish in a
//    microtask, and sparse files (preallocated index files) cost nothing until written.
// 2. Fault tests (trackDurability: true): the file system remembers what is durable (synced file
//    contents, directory entries made durable by fsyncDirectory) separately from what was written,
//    and can
//    - crash({ mode: "process" }): kill -9; every completed write survives, writes still in flight
//      may be torn at a random point;
//    - crash({ mode: "power" }): power loss; only durable state survives, or (with a PRNG) a random
//      prefix of the pending directory operations and a random page-by-page mix of old and new
//      file contents, as a journaling file system with delayed write-back can leave it;
//    - flip bits, fail chosen operations with chosen errno codes (per path prefix, switchable at
//      run time), and run out of space (a short write, then ENOSPC).
// A crash returns a new MemoryFileSystem holding the surviving state; the old instance and every
// handle it opened fail from then on, so the "killed process" can no longer touch the disk.

import { posix } from "node:path";
import type { FileHandle, FileStat, FileSystem, OpenMode } from "./file-system.js";
import { fsError } from "./file-system.js";

/** File contents live in chunks of this size, allocated on first write (sparse files are free). */
const CHUNK_BYTES = 1024 * 1024;
/** First allocation of a file's first chunk; it grows by doubling so small files stay small. Later chunks are allocated whole. */
const MIN_CHUNK_ALLOCATION_BYTES = 256;
/** Unit of the random write-back decision in a simulated power loss. */
const PAGE_BYTES = 4096;

export type MemoryFsOperation =
  | "open"
  | "read"
  | "write"
  | "truncate"
  | "sync"
  | "stat"
  | "readdir"
  | "mkdir"
  | "rename"
  | "unlink"
  | "remove"
  | "close";

export interface InjectedFault {
  /** errno-style code the operation fails with ("EIO", "ENOSPC", ...). */
  readonly code: string;
  /** Only paths starting with this prefix; every path when absent. */
  readonly pathPrefix?: string;
  /** Only these operations; every operation when absent. */
  readonly operations?: readonly MemoryFsOperation[];
  /** Fire this many times, then disappear; unlimited when absent. */
  readonly count?: number;
}

export interface MemoryFileSystemOptions {
  /** Keep durable state apart from written state so crash() can drop unsynced data. */
  readonly trackDurability?: boolean;
  /** When operations settle: "microtask" (fast) or "macrotask" (setImmediate: leaves a window for crashes mid-write). */
  readonly completion?: "microtask" | "macrotask";
  /** Total bytes of file data the "disk" holds; null for no limit. */
  readonly capacityBytes?: number | null;
}

export interface CrashOptions {
  readonly mode: "process" | "power";
  /**
   * A PRNG in [0, 1). process: tears each in-flight write at a random length. power: keeps a random
   * prefix of the directory operations not yet made durable and a random mix of unsynced pages.
   * Without it, process keeps in-flight writes whole and power keeps exactly the durable state.
   */
  readonly random?: () => number;
}

/** File bytes in lazily allocated chunks; reads of never-written ranges return zeros. */
class SparseBytes {
  private chunks: (Buffer | undefined)[] = [];
  sizeBytes = 0;
  /** Highest byte ever written (not merely reserved by truncate): what counts against capacity. */
  dataExtentBytes = 0;

  read(position: number, target: Buffer, targetOffset: number, length: number): number {
    const end = Math.min(this.sizeBytes, position + length);
    let at = position;
    while (at < end) {
      const chunkIndex = Math.floor(at / CHUNK_BYTES);
      const inChunk = at - chunkIndex * CHUNK_BYTES;
      const span = Math.min(end - at, CHUNK_BYTES - inChunk);
      const chunk = this.chunks[chunkIndex];
      const into = targetOffset + (at - position);
      if (chunk === undefined || inChunk >= chunk.length) {
        target.fill(0, into, into + span);
      } else {
        const copied = chunk.copy(target, into, inChunk, Math.min(chunk.length, inChunk + span));
        if (copied < span) target.fill(0, into + copied, into + span);
      }
      at += span;
    }
    return Math.max(0, end - position);
  }

  write(position: number, source: Buffer): void {
    let at = position;
    let from = 0;
    while (from < source.length) {
      const chunkIndex = Math.floor(at / CHUNK_BYTES);
      const inChunk = at - chunkIndex * CHUNK_BYTES;
      const span = Math.min(source.length - from, CHUNK_BYTES - inChunk);
      const chunk = this.chunkWithCapacity(chunkIndex, inChunk + span);
      source.copy(chunk, inChunk, from, from + span);
      at += span;
      from += span;
    }
    this.sizeBytes = Math.max(this.sizeBytes, position + source.length);
    this.dataExtentBytes = Math.max(this.dataExtentBytes, position + source.length);
  }

  truncate(sizeBytes: number): void {
    if (sizeBytes < this.sizeBytes) {
      const keepChunks = Math.ceil(sizeBytes / CHUNK_BYTES);
      this.chunks.length = Math.min(this.chunks.length, keepChunks);
      const tail = sizeBytes - (keepChunks - 1) * CHUNK_BYTES;
      const last = keepChunks > 0 ? this.chunks[keepChunks - 1] : undefined;
      if (last !== undefined && tail < last.length) last.fill(0, tail);
      this.dataExtentBytes = Math.min(this.dataExtentBytes, sizeBytes);
    }
    this.sizeBytes = sizeBytes;
  }

  clone(): SparseBytes {
    const copy = new SparseBytes();
    copy.chunks = this.chunks.map((chunk) => (chunk === undefined ? undefined : Buffer.from(chunk)));
    copy.sizeBytes = this.sizeBytes;
    copy.dataExtentBytes = this.dataExtentBytes;
    return copy;
  }

  slice(position: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    this.read(position, out, 0, length);
    return out;
  }

  private chunkWithCapacity(chunkIndex: number, neededBytes: number): Buffer {
    while (this.chunks.length <= chunkIndex) this.chunks.push(undefined);
    const existing = this.chunks[chunkIndex];
    if (existing !== undefined && existing.length >= neededBytes) return existing;
    let capacity = chunkIndex > 0 ? CHUNK_BYTES : Math.max(existing?.length ?? 0, MIN_CHUNK_ALLOCATION_BYTES);
    while (capacity < neededBytes) capacity *= 4;
    capacity = Math.min(capacity, CHUNK_BYTES);
    const grown = Buffer.alloc(capacity);
    existing?.copy(grown);
    this.chunks[chunkIndex] = grown;
    return grown;
  }
}

class Inode {
  /** What the durable medium holds; null when durability is not tracked. */
  durable: SparseBytes | null;
  mtimeMs: number;
  constructor(
    public content: SparseBytes,
    trackDurability: boolean,
  ) {
    this.durable = trackDurability ? new SparseBytes() : null;
    this.mtimeMs = Date.now();
  }
}

interface FileNode {
  readonly kind: "file";
  readonly inode: Inode;
}

interface DirNode {
  readonly kind: "dir";
  readonly children: Map<string, TreeNode>;
}

type TreeNode = FileNode | DirNode;

/** A directory operation not yet made durable by fsyncDirectory. */
type JournalEntry =
  | { readonly op: "create"; readonly path: string; readonly inode: Inode }
  | { readonly op: "mkdir"; readonly path: string }
  | { readonly op: "remove"; readonly path: string }
  | { readonly op: "rename"; readonly from: string; readonly to: string };

interface InFlightWrite {
  readonly inode: Inode;
  readonly position: number;
  readonly length: number;
  /** The bytes the write replaced (within the old size) and the old size, to undo a torn suffix. */
  readonly before: Buffer;
  readonly sizeBeforeBytes: number;
}

function newDir(): DirNode {
  return { kind: "dir", children: new Map() };
}

function splitPath(path: string): string[] {
  if (!path.startsWith("/")) throw fsError("EINVAL", "resolve", path, "path must be absolute");
  return posix
    .normalize(path)
    .split("/")
    .filter((part) => part.length > 0);
}

function cloneTree(node: DirNode): DirNode {
  const copy = newDir();
  for (const [name, child] of node.children) copy.children.set(name, child.kind === "dir" ? cloneTree(child) : child);
  return copy;
}

function lookup(root: DirNode, parts: readonly string[]): TreeNode | undefined {
  let node: TreeNode = root;
  for (const part of parts) {
    if (node.kind !== "dir") return undefined;
    const next: TreeNode | undefined = node.children.get(part);
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}

function parentOf(root: DirNode, parts: readonly string[]): DirNode | undefined {
  const parent = lookup(root, parts.slice(0, -1));
  return parent?.kind === "dir" ? parent : undefined;
}

/** Replays one journal entry on a durable tree; entries whose preconditions fail are skipped. */
function applyJournalEntry(root: DirNode, entry: JournalEntry): void {
  switch (entry.op) {
    case "create": {
      const parts = splitPath(entry.path);
      parentOf(root, parts)?.children.set(parts[parts.length - 1], { kind: "file", inode: entry.inode });
      return;
    }
    case "mkdir": {
      const parts = splitPath(entry.path);
      const parent = parentOf(root, parts);
      const name = parts[parts.length - 1];
      if (parent !== undefined && !parent.children.has(name)) parent.children.set(name, newDir());
      return;
    }
    case "remove": {
      const parts = splitPath(entry.path);
      parentOf(root, parts)?.children.delete(parts[parts.length - 1]);
      return;
    }
    case "rename": {
      const fromParts = splitPath(entry.from);
      const toParts = splitPath(entry.to);
      const fromParent = parentOf(root, fromParts);
      const toParent = parentOf(root, toParts);
      const node = fromParent?.children.get(fromParts[fromParts.length - 1]);
      if (fromParent === undefined || toParent === undefined || node === undefined) return;
      fromParent.children.delete(fromParts[fromParts.length - 1]);
      toParent.children.set(toParts[toParts.length - 1], node);
      return;
    }
  }
}

class MemoryFileHandle implements FileHandle {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly inode: Inode,
    private readonly writable: boolean,
    private readonly fs: MemoryFileSystem,
  ) {}

  async read(buffer: Buffer, bufferOffset: number, length: number, position: number): Promise<number> {
    this.check("read");
    const count = this.inode.content.read(position, buffer, bufferOffset, length);
    await this.fs.settle();
    return count;
  }

  async write(buffer: Buffer, position: number): Promise<void> {
    this.check("write");
    this.assertWritable("write");
    await this.fs.writeInode(this.inode, this.path, [buffer], position);
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    this.check("write");
    this.assertWritable("writev");
    await this.fs.writeInode(this.inode, this.path, buffers, position);
  }

  async truncate(sizeBytes: number): Promise<void> {
    this.check("truncate");
    this.assertWritable("ftruncate");
    this.fs.truncateInode(this.inode, sizeBytes);
    await this.fs.settle();
  }

  async sizeBytes(): Promise<number> {
    this.check("stat");
    await this.fs.settle();
    return this.inode.content.sizeBytes;
  }

  async datasync(): Promise<void> {
    this.check("sync");
    this.fs.syncInode(this.inode);
    await this.fs.settle();
  }

  async sync(): Promise<void> {
    return this.datasync();
  }

  async close(): Promise<void> {
    if (this.closed) throw fsError("EBADF", "close", this.path, "handle already closed");
    this.closed = true;
    this.fs.checkAlive("close", this.path);
    await this.fs.settle();
  }

  private check(operation: MemoryFsOperation): void {
    if (this.closed) throw fsError("EBADF", operation, this.path, "handle is closed");
    this.fs.checkAlive(operation, this.path);
    this.fs.checkFault(operation, this.path);
  }

  private assertWritable(syscall: string): void {
    if (!this.writable) throw fsError("EBADF", syscall, this.path, "handle is read-only");
  }
}

export class MemoryFileSystem implements FileSystem {
  private root: DirNode = newDir();
  /** Directory tree as of the last fsyncDirectory (tracked mode only). */
  private durableRoot: DirNode = newDir();
  private journal: JournalEntry[] = [];
  private readonly inFlightWrites = new Set<InFlightWrite>();
  private faults: { fault: InjectedFault; remaining: number }[] = [];
  private dead = false;
  private usedBytes = 0;
  private capacityBytes: number | null;
  readonly trackDurability: boolean;
  private readonly completion: "microtask" | "macrotask";

  constructor(options: MemoryFileSystemOptions = {}) {
    this.trackDurability = options.trackDurability ?? false;
    this.completion = options.completion ?? "microtask";
    this.capacityBytes = options.capacityBytes ?? null;
  }

  // ----- fault controls -----

  /** Adds a fault; returns a function that removes it. */
  injectFault(fault: InjectedFault): () => void {
    const entry = { fault, remaining: fault.count ?? Number.POSITIVE_INFINITY };
    this.faults.push(entry);
    return () => {
      this.faults = this.faults.filter((candidate) => candidate !== entry);
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Limits total file data; writes past it are short and fail with ENOSPC. null lifts the limit. */
  setCapacityBytes(capacityBytes: number | null): void {
    this.capacityBytes = capacityBytes;
  }

  get usedDataBytes(): number {
    return this.usedBytes;
  }

  /** Flips one bit of a file, in both written and durable contents (damage on the medium). */
  flipBit(path: string, byteIndex: number, bitIndex = 0): void {
    const inode = this.fileInode(path, "flipBit");
    if (byteIndex < 0 || byteIndex >= inode.content.sizeBytes) throw fsError("EINVAL", "flipBit", path, `byte ${byteIndex} is outside the file`);
    const flip = (bytes: SparseBytes): void => {
      if (byteIndex >= bytes.sizeBytes) return;
      const one = bytes.slice(byteIndex, 1);
      one[0] ^= 1 << bitIndex;
      bytes.write(byteIndex, one);
    };
    flip(inode.content);
    if (inode.durable !== null) flip(inode.durable);
  }

  /** Test access to a file's current bytes. */
  peekFile(path: string): Buffer {
    const inode = this.fileInode(path, "peek");
    return inode.content.slice(0, inode.content.sizeBytes);
  }

  /** Every file path, sorted (for tests and debugging). */
  listFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: DirNode, prefix: string): void => {
      for (const [name, child] of dir.children) {
        const path = `${prefix}/${name}`;
        if (child.kind === "dir") walk(child, path);
        else out.push(path);
      }
    };
    walk(this.root, "");
    return out.sort();
  }

  /** Simulates a crash; returns the file system the restarted process sees. This instance dies. */
  crash(options: CrashOptions): MemoryFileSystem {
    if (!this.trackDurability) throw new Error("crash() needs a MemoryFileSystem created with trackDurability: true");
    this.checkAlive("crash", "/");
    const next = new MemoryFileSystem({ trackDurability: true, completion: this.completion, capacityBytes: this.capacityBytes });
    const random = options.random;
    if (options.mode === "process") {
      if (random !== undefined) this.tearInFlightWrites(random);
      next.root = this.copyTree(this.root, (inode) => inode.content.clone(), (inode) => inode.durable!.clone());
    } else {
      const surviving = cloneTree(this.durableRoot);
      const keep = random === undefined ? 0 : Math.floor(random() * (this.journal.length + 1));
      for (const entry of this.journal.slice(0, keep)) applyJournalEntry(surviving, entry);
      const contents = new Map<Inode, SparseBytes>();
      const survivor = (inode: Inode): SparseBytes => {
        let bytes = contents.get(inode);
        if (bytes === undefined) {
          bytes = random === undefined ? inode.durable!.clone() : mixAfterPowerLoss(inode.durable!, inode.content, random);
          contents.set(inode, bytes);
        }
        return bytes;
      };
      next.root = this.copyTree(surviving, (inode) => survivor(inode).clone(), (inode) => survivor(inode).clone());
    }
    next.durableRoot = cloneTree(next.root);
    next.recountUsage();
    this.dead = true;
    this.inFlightWrites.clear();
    return next;
  }

  // ----- FileSystem -----

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    this.begin("open", path);
    const parts = splitPath(path);
    let node = lookup(this.root, parts);
    if (node === undefined) {
      if (mode !== "create") throw fsError("ENOENT", "open", path, "no such file or directory");
      const parent = parentOf(this.root, parts);
      if (parent === undefined) throw fsError("ENOENT", "open", path, "no such file or directory");
      const inode = new Inode(new SparseBytes(), this.trackDurability);
      node = { kind: "file", inode };
      parent.children.set(parts[parts.length - 1], node);
      this.record({ op: "create", path, inode });
    }
    if (node.kind === "dir") {
      if (mode !== "read") throw fsError("EISDIR", "open", path, "illegal operation on a directory");
      // Directories open read-only only to be synced; a handle over an empty inode serves that.
      await this.settle();
      return new MemoryFileHandle(path, new Inode(new SparseBytes(), false), false, this);
    }
    await this.settle();
    return new MemoryFileHandle(path, node.inode, mode !== "read", this);
  }

  async readFile(path: string): Promise<Buffer> {
    this.begin("read", path);
    const inode = this.fileInode(path, "open");
    const bytes = inode.content.slice(0, inode.content.sizeBytes);
    await this.settle();
    return bytes;
  }

  async writeFile(path: string, data: Buffer): Promise<void> {
    const handle = await this.open(path, "create");
    try {
      await handle.truncate(0);
      await handle.write(data, 0);
    } finally {
      await handle.close();
    }
  }

  async stat(path: string): Promise<FileStat> {
    this.begin("stat", path);
    const node = lookup(this.root, splitPath(path));
    if (node === undefined) throw fsError("ENOENT", "stat", path, "no such file or directory");
    await this.settle();
    if (node.kind === "dir") return { sizeBytes: 4096, isFile: false, isDirectory: true, mtimeMs: 0 };
    return { sizeBytes: node.inode.content.sizeBytes, isFile: true, isDirectory: false, mtimeMs: node.inode.mtimeMs };
  }

  async exists(path: string): Promise<boolean> {
    this.begin("stat", path);
    const found = lookup(this.root, splitPath(path)) !== undefined;
    await this.settle();
    return found;
  }

  async readdir(path: string): Promise<string[]> {
    this.begin("readdir", path);
    const node = lookup(this.root, splitPath(path));
    if (node === undefined) throw fsError("ENOENT", "scandir", path, "no such file or directory");
    if (node.kind !== "dir") throw fsError("ENOTDIR", "scandir", path, "not a directory");
    const names = [...node.children.keys()];
    await this.settle();
    return names;
  }

  async mkdirp(path: string): Promise<void> {
    this.begin("mkdir", path);
    let dir = this.root;
    let at = "";
    for (const part of splitPath(path)) {
      at = `${at}/${part}`;
      const child = dir.children.get(part);
      if (child === undefined) {
        const created = newDir();
        dir.children.set(part, created);
        this.record({ op: "mkdir", path: at });
        dir = created;
      } else if (child.kind === "dir") {
        dir = child;
      } else {
        throw fsError("ENOTDIR", "mkdir", path, "not a directory");
      }
    }
    await this.settle();
  }

  async rename(from: string, to: string): Promise<void> {
    this.begin("rename", from);
    this.checkFault("rename", to);
    const fromParts = splitPath(from);
    const toParts = splitPath(to);
    const fromParent = parentOf(this.root, fromParts);
    const node = fromParent?.children.get(fromParts[fromParts.length - 1]);
    if (fromParent === undefined || node === undefined) throw fsError("ENOENT", "rename", from, "no such file or directory");
    const toParent = parentOf(this.root, toParts);
    if (toParent === undefined) throw fsError("ENOENT", "rename", to, "no such file or directory");
    const replaced = toParent.children.get(toParts[toParts.length - 1]);
    if (replaced !== undefined && replaced !== node) {
      if (replaced.kind === "dir" && (node.kind !== "dir" || replaced.children.size > 0)) {
        throw fsError("ENOTEMPTY", "rename", to, "directory not empty");
      }
      this.releaseTree(replaced);
    }
    fromParent.children.delete(fromParts[fromParts.length - 1]);
    toParent.children.set(toParts[toParts.length - 1], node);
    this.record({ op: "rename", from, to });
    await this.settle();
  }

  async unlink(path: string): Promise<void> {
    this.begin("unlink", path);
    const parts = splitPath(path);
    const parent = parentOf(this.root, parts);
    const node = parent?.children.get(parts[parts.length - 1]);
    if (parent === undefined || node === undefined) throw fsError("ENOENT", "unlink", path, "no such file or directory");
    if (node.kind === "dir") throw fsError("EISDIR", "unlink", path, "illegal operation on a directory");
    parent.children.delete(parts[parts.length - 1]);
    this.releaseTree(node);
    this.record({ op: "remove", path });
    await this.settle();
  }

  async removeRecursive(path: string): Promise<void> {
    this.begin("remove", path);
    const parts = splitPath(path);
    const parent = parentOf(this.root, parts);
    const node = parent?.children.get(parts[parts.length - 1]);
    if (parent !== undefined && node !== undefined) {
      parent.children.delete(parts[parts.length - 1]);
      this.releaseTree(node);
      this.record({ op: "remove", path });
    }
    await this.settle();
  }

  async fsyncDirectory(path: string): Promise<void> {
    this.begin("sync", path);
    const node = lookup(this.root, splitPath(path));
    if (node === undefined) throw fsError("ENOENT", "fsync", path, "no such file or directory");
    // A journaling file system commits directory operations in order: syncing one directory makes
    // every earlier directory operation durable too.
    if (this.trackDurability) {
      for (const entry of this.journal) applyJournalEntry(this.durableRoot, entry);
      this.journal = [];
    }
    await this.settle();
  }

  // ----- internals shared with handles -----

  /** @internal */
  async settle(): Promise<void> {
    if (this.completion === "macrotask") await new Promise<void>((resolve) => setImmediate(resolve));
    else await Promise.resolve();
  }

  /** @internal */
  checkAlive(operation: string, path: string): void {
    if (this.dead) throw fsError("EIO", operation, path, "simulated crash: this file system instance is gone");
  }

  /** @internal */
  checkFault(operation: MemoryFsOperation, path: string): void {
    for (const entry of this.faults) {
      const { fault } = entry;
      if (fault.pathPrefix !== undefined && !path.startsWith(fault.pathPrefix)) continue;
      if (fault.operations !== undefined && !fault.operations.includes(operation)) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== entry);
      throw fsError(fault.code, operation, path, "injected fault");
    }
  }

  /** @internal */
  async writeInode(inode: Inode, path: string, buffers: readonly Buffer[], position: number): Promise<void> {
    let total = 0;
    for (const buffer of buffers) total += buffer.length;
    let allowed = total;
    if (this.capacityBytes !== null) {
      const growth = Math.max(0, position + total - inode.content.dataExtentBytes);
      const free = Math.max(0, this.capacityBytes - this.usedBytes);
      if (growth > free) allowed = Math.max(0, inode.content.dataExtentBytes + free - position);
      allowed = Math.min(allowed, total);
    }
    const inFlight: InFlightWrite | null = this.trackDurability
      ? {
          inode,
          position,
          length: allowed,
          before: inode.content.slice(position, Math.max(0, Math.min(allowed, inode.content.sizeBytes - position))),
          sizeBeforeBytes: inode.content.sizeBytes,
        }
      : null;
    const extentBefore = inode.content.dataExtentBytes;
    let at = position;
    let remaining = allowed;
    for (const buffer of buffers) {
      if (remaining === 0) break;
      const part = buffer.length <= remaining ? buffer : buffer.subarray(0, remaining);
      inode.content.write(at, part);
      at += part.length;
      remaining -= part.length;
    }
    this.usedBytes += inode.content.dataExtentBytes - extentBefore;
    inode.mtimeMs = Date.now();
    if (allowed < total) throw fsError("ENOSPC", "write", path, "no space left on device");
    if (inFlight !== null) this.inFlightWrites.add(inFlight);
    try {
      await this.settle();
    } finally {
      if (inFlight !== null) this.inFlightWrites.delete(inFlight);
    }
  }

  /** @internal */
  truncateInode(inode: Inode, sizeBytes: number): void {
    const extentBefore = inode.content.dataExtentBytes;
    inode.content.truncate(sizeBytes);
    this.usedBytes += inode.content.dataExtentBytes - extentBefore;
    inode.mtimeMs = Date.now();
  }

  /** @internal */
  syncInode(inode: Inode): void {
    if (inode.durable !== null) inode.durable = inode.content.clone();
  }

  private begin(operation: MemoryFsOperation, path: string): void {
    this.checkAlive(operation, path);
    this.checkFault(operation, path);
  }

  private record(entry: JournalEntry): void {
    if (this.trackDurability) this.journal.push(entry);
  }

  private fileInode(path: string, syscall: string): Inode {
    const node = lookup(this.root, splitPath(path));
    if (node === undefined) throw fsError("ENOENT", syscall, path, "no such file or directory");
    if (node.kind !== "file") throw fsError("EISDIR", syscall, path, "illegal operation on a directory");
    return node.inode;
  }

  private releaseTree(node: TreeNode): void {
    if (node.kind === "file") {
      this.usedBytes -= node.inode.content.dataExtentBytes;
      return;
    }
    for (const child of node.children.values()) this.releaseTree(child);
  }

  private recountUsage(): void {
    let used = 0;
    const walk = (dir: DirNode): void => {
      for (const child of dir.children.values()) {
        if (child.kind === "dir") walk(child);
        else used += child.inode.content.dataExtentBytes;
      }
    };
    walk(this.root);
    this.usedBytes = used;
  }

  /** Copies a tree with fresh inodes, so nothing the dead instance does can reach the new one. */
  private copyTree(tree: DirNode, content: (inode: Inode) => SparseBytes, durable: (inode: Inode) => SparseBytes): DirNode {
    const copies = new Map<Inode, Inode>();
    const walk = (dir: DirNode): DirNode => {
      const copy = newDir();
      for (const [name, child] of dir.children) {
        if (child.kind === "dir") {
          copy.children.set(name, walk(child));
          continue;
        }
        let inode = copies.get(child.inode);
        if (inode === undefined) {
          inode = new Inode(content(child.inode), true);
          inode.durable = durable(child.inode);
          inode.mtimeMs = child.inode.mtimeMs;
          copies.set(child.inode, inode);
        }
        copy.children.set(name, { kind: "file", inode });
      }
      return copy;
    };
    return walk(tree);
  }

  /** kill -9 in the middle of write(2): a random suffix of each unfinished write never happened. */
  private tearInFlightWrites(random: () => number): void {
    for (const write of [...this.inFlightWrites].reverse()) {
      const kept = Math.floor(random() * (write.length + 1));
      if (kept === write.length) continue;
      const content = write.inode.content;
      const restoreFrom = write.position + kept;
      const before = write.before.subarray(Math.min(kept, write.before.length));
      if (before.length > 0) content.write(restoreFrom, before);
      const newSize = Math.max(write.sizeBeforeBytes, restoreFrom);
      if (newSize < content.sizeBytes) content.truncate(newSize);
    }
  }
}

/**
 * What a file may hold after power loss when its latest contents were not synced: a size between
 * the durable and the written one, and each page either as last synced or as last written (or
 * zeros where neither had data), chosen at random. Pages identical in both stay as they are.
 */
function mixAfterPowerLoss(durable: SparseBytes, written: SparseBytes, random: () => number): SparseBytes {
  const low = Math.min(durable.sizeBytes, written.sizeBytes);
  const high = Math.max(durable.sizeBytes, written.sizeBytes);
  const roll = random();
  const sizeBytes = roll < 0.25 ? durable.sizeBytes : roll < 0.5 ? written.sizeBytes : low + Math.floor(random() * (high - low + 1));
  const out = new SparseBytes();
  for (let page = 0; page < sizeBytes; page += PAGE_BYTES) {
    const length = Math.min(PAGE_BYTES, sizeBytes - page);
    const fromDurable = durable.slice(page, length);
    const fromWritten = written.slice(page, length);
    out.write(page, fromDurable.equals(fromWritten) || random() < 0.5 ? fromDurable : fromWritten);
  }
  out.truncate(sizeBytes);
  return out;
}
