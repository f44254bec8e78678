// Shared fixtures for storage tests: small configs, a log-line collector, a FileSystem wrapper that
// counts operations, and shortcuts to create and reopen a partition log.

import type { Clock } from "../../src/lib/clock.js";
import type { FileHandle, FileSystem, OpenMode } from "../../src/storage/io/file-system.js";
import type { LogConfig } from "../../src/storage/log-config.js";
import { DEFAULT_LOG_CONFIG } from "../../src/storage/log-config.js";
import type { StorageLogger, StorageLogLevel } from "../../src/storage/logger.js";
import { PartitionLog } from "../../src/storage/partition-log.js";
import type { PartitionLogEnvironment } from "../../src/storage/partition-log.js";

export const TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAQ";

export function smallConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return {
    ...DEFAULT_LOG_CONFIG,
    segmentBytes: 4096,
    indexIntervalBytes: 256,
    segmentIndexBytes: 1024,
    messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
    messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
    ...overrides,
  };
}

export interface LogLine {
  readonly level: StorageLogLevel;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export function collectingLogger(): { logger: StorageLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: (level, message, fields) => lines.push({ level, message, fields }), lines };
}

export interface OperationCounts {
  writes: number;
  reads: number;
  syncs: number;
  opens: number;
}

/** Wraps a FileSystem, counting handle operations (to check write coalescing and lazy opening). */
export function countingFileSystem(inner: FileSystem): { fs: FileSystem; counts: OperationCounts } {
  const counts: OperationCounts = { writes: 0, reads: 0, syncs: 0, opens: 0 };
  const wrap = (handle: FileHandle): FileHandle => ({
    path: handle.path,
    read: (...args) => {
      counts.reads += 1;
      return handle.read(...args);
    },
    write: (...args) => {
      counts.writes += 1;
      return handle.write(...args);
    },
    writev: (...args) => {
      counts.writes += 1;
      return handle.writev(...args);
    },
    truncate: (size) => handle.truncate(size),
    sizeBytes: () => handle.sizeBytes(),
    datasync: () => {
      counts.syncs += 1;
      return handle.datasync();
    },
    sync: () => {
      counts.syncs += 1;
      return handle.sync();
    },
    close: () => handle.close(),
  });
  const fs: FileSystem = {
    open: async (path: string, mode: OpenMode) => {
      counts.opens += 1;
      return wrap(await inner.open(path, mode));
    },
    readFile: (path) => inner.readFile(path),
    writeFile: (path, data) => inner.writeFile(path, data),
    stat: (path) => inner.stat(path),
    exists: (path) => inner.exists(path),
    readdir: (path) => inner.readdir(path),
    mkdirp: (path) => inner.mkdirp(path),
    rename: (from, to) => inner.rename(from, to),
    unlink: (path) => inner.unlink(path),
    removeRecursive: (path) => inner.removeRecursive(path),
    fsyncDirectory: (path) => inner.fsyncDirectory(path),
  };
  return { fs, counts };
}

export interface LogFixture {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly config?: LogConfig;
  readonly env?: Partial<PartitionLogEnvironment>;
}

export function createTestLog(fixture: LogFixture, topic = "orders", partition = 0): Promise<PartitionLog> {
  return PartitionLog.create({
    fs: fixture.fs,
    clock: fixture.clock,
    logDir: "/data",
    topic,
    partition,
    topicId: TOPIC_ID,
    config: fixture.config ?? smallConfig(),
    random: () => 0,
    ...fixture.env,
  });
}

export function reopenTestLog(
  fixture: LogFixture,
  state: { hadCleanShutdown: boolean; recoveryPoint?: number; logStartOffset?: number | null; highWatermark?: number | null },
  topic = "orders",
  partition = 0,
): Promise<PartitionLog> {
  return PartitionLog.open({
    fs: fixture.fs,
    clock: fixture.clock,
    logDir: "/data",
    topic,
    partition,
    config: fixture.config ?? smallConfig(),
    random: () => 0,
    ...fixture.env,
    ...state,
  });
}

/** Every batch of the log from its start, read in steps. */
export async function readAll(log: PartitionLog, from = log.logStartOffset, maxOffset = log.logEndOffset): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = from;
  for (let guard = 0; offset < maxOffset && guard < 100_000; guard += 1) {
    const result = await log.read(offset, { maxBytes: 64 * 1024, maxOffset, minOneBatch: true });
    if (result.batches.length === 0) break;
    for (const batch of result.batches) out.push(Buffer.from(batch));
    offset = result.lastOffset + 1;
  }
  return out;
}

export const PARTITION_DIR = "/data/orders-0";
