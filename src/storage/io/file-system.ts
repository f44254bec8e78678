// The file-system surface the storage engine needs, and nothing more. Two implementations:
// node-file-system.ts (the real disk) and memory-file-system.ts (in memory, for `storage: "memory"`
// brokers and for fault tests that tear writes, lose unflushed data, flip bits or fill the disk).
//
// Contract shared by both:
// - Paths are absolute, '/'-separated.
// - Every failure is an Error carrying an errno-style `code` ("ENOENT", "ENOSPC", "EIO", ...).
// - Writes are positioned (pwrite); files are never opened in append mode, so a write lands
//   exactly where the caller says. write/writev either write everything or throw; after a throw an
//   unknown prefix of the bytes may be on disk (a short write followed by ENOSPC), which the
//   caller repairs by truncating.
// - Data reaches stable storage only after datasync()/sync(); a new, renamed or removed directory
//   entry only after fsyncDirectory() on its parent.

export type OpenMode =
  /** Read only; the file must exist. */
  | "read"
  /** Read and write; the file must exist. */
  | "read-write"
  /** Read and write; created empty when missing, never truncated when present. */
  | "create";

export interface FileStat {
  readonly sizeBytes: number;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly mtimeMs: number;
}

export interface FileHandle {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into buffer[bufferOffset..]; returns the count (short only at end of file). */
  read(buffer: Buffer, bufferOffset: number, length: number, position: number): Promise<number>;
  /** Writes the whole buffer at `position`. */
  write(buffer: Buffer, position: number): Promise<void>;
  /** Writes the buffers back to back starting at `position`, in as few system calls as possible. */
  writev(buffers: readonly Buffer[], position: number): Promise<void>;
  truncate(sizeBytes: number): Promise<void>;
  sizeBytes(): Promise<number>;
  /** fdatasync: the data (and the size) reach stable storage. */
  datasync(): Promise<void>;
  /** fsync: data and all metadata reach stable storage. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  readFile(path: string): Promise<Buffer>;
  /** Creates or replaces the file's contents (not atomic, not synced: see writeFileAtomically). */
  writeFile(path: string, data: Buffer): Promise<void>;
  stat(path: string): Promise<FileStat>;
  exists(path: string): Promise<boolean>;
  /** Entry names (not paths) of a directory, in no particular order. */
  readdir(path: string): Promise<string[]>;
  /** mkdir -p */
  mkdirp(path: string): Promise<void>;
  /** Atomic rename within one file system; replaces an existing file at `to`. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** rm -rf: removes a file or a directory tree; a missing path is not an error. */
  removeRecursive(path: string): Promise<void>;
  /** Makes the directory's entries (creations, renames, removals) durable. */
  fsyncDirectory(path: string): Promise<void>;
}

/** The errno-style code of a file-system failure, if it has one. */
export function fsErrorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

export function isNotFound(error: unknown): boolean {
  return fsErrorCode(error) === "ENOENT";
}

/** Disk full or quota exceeded: the operation failed but the disk is healthy. */
export function isOutOfSpace(error: unknown): boolean {
  const code = fsErrorCode(error);
  return code === "ENOSPC" || code === "EDQUOT";
}

/** An Error shaped like Node's system errors (code, syscall, path), for implementations and tests. */
export function fsError(code: string, syscall: string, path: string, detail?: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${detail ?? "file system error"}, ${syscall} '${path}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = path;
  return error;
}

/**
 * Replaces a file so that a crash at any moment leaves either the old or the new contents:
 * write a sibling .tmp file, sync it, rename it over the target, sync the directory. This is
 * how Kafka writes its checkpoint files.
 */
export async function writeFileAtomically(fs: FileSystem, path: string, data: Buffer): Promise<void> {
  const tmpPath = `${path}.tmp`;
  const handle = await fs.open(tmpPath, "create");
  try {
    await handle.truncate(0);
    await handle.write(data, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmpPath, path);
  await fs.fsyncDirectory(parentDirectory(path));
}

export function parentDirectory(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash <= 0) return "/";
  return path.slice(0, slash);
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
