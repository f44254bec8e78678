// All partition logs of a broker across its log directories (Kafka's LogManager): loading them at
// start-up (in parallel, indexes opened lazily, recovery when the last stop was unclean), creating
// them in the directory with the fewest partitions, deleting them (rename to `-delete`, remove
// later), the broker-level checkpoint files, background retention / flush / checkpoint tasks,
// clean shutdown, sizes for metrics, and log directory failure: an I/O error (other than a full
// disk) takes the whole directory offline and its partitions answer KAFKA_STORAGE_ERROR. It also
// runs the producer id expiry of every partition (producer.id.expiration.ms).
//
// Files per log directory, all in Kafka's formats:
//   recovery-point-offset-checkpoint  offsets below which each partition is fsynced
//   log-start-offset-checkpoint       log start offsets above the first segment (DeleteRecords, retention)
//   replication-offset-checkpoint     high watermarks
//   .kafka_cleanshutdown              present only between a clean shutdown and the next start

import { AsyncMutex } from "../lib/async-mutex.js";
import type { Clock, TimerHandle } from "../lib/clock.js";
import { assert } from "../lib/assert.js";
import { MalformedCheckpointError, readOffsetCheckpoint, writeOffsetCheckpoint } from "./checkpoint-file.js";
import type { PartitionOffsetEntry } from "./checkpoint-file.js";
import { InconsistentTopicIdError, StorageError } from "./errors.js";
import type { FileSystem } from "./io/file-system.js";
import { fsErrorCode, joinPath, writeFileAtomically } from "./io/file-system.js";
import type { LogConfig } from "./log-config.js";
import {
  CLEAN_SHUTDOWN_FILE,
  deleteDirName,
  isDeleteDirName,
  isFutureOrStrayDirName,
  isValidTopicName,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  parsePartitionDirName,
  partitionDirName,
  PARTITION_METADATA_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  REPLICATION_OFFSET_CHECKPOINT_FILE,
} from "./log-file-names.js";
import type { RecordValidator } from "./log-validator.js";
import type { StorageLogger } from "./logger.js";
import { silentLogger } from "./logger.js";
import { writePartitionMetadata } from "./partition-metadata-file.js";
import type { PartitionLogEnvironment } from "./partition-log.js";
import { PartitionLog } from "./partition-log.js";
import { PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS } from "./producer-state-manager.js";
import type { RecordsDecompressor } from "./record-scan.js";

/** Partitions loaded at once when none is given: enough to keep the disk queue full, bounded for memory. */
const DEFAULT_RECOVERY_PARALLELISM = 16;

export interface LogManagerOptions {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logDirs: readonly string[];
  readonly defaultConfig: LogConfig;
  readonly logger?: StorageLogger;
  /** Partitions loaded concurrently at start-up. */
  readonly recoveryParallelism?: number;
  /** The config of a topic found on disk at start-up (topic overrides resolved); defaultConfig when undefined. */
  readonly configForTopic?: (topic: string) => LogConfig | undefined;
  readonly random?: () => number;
  readonly decompress?: RecordsDecompressor;
  readonly recordValidator?: RecordValidator;
  readonly verifyCrcOnRead?: boolean;
  /** Written into .kafka_cleanshutdown (KIP-966); -1 when unknown. */
  readonly brokerEpoch?: number;
  /** producer.id.expiration.ms, read when used (a dynamic broker config); one day by default. */
  readonly producerIdExpirationMs?: () => number;
}

export interface BackgroundTaskIntervals {
  /** log.retention.check.interval.ms */
  readonly retentionCheckIntervalMs: number;
  /** log.flush.scheduler.interval.ms */
  readonly flushSchedulerIntervalMs: number;
  /** log.flush.offset.checkpoint.interval.ms (all three checkpoint files) */
  readonly checkpointIntervalMs: number;
  /** How often idle producer ids are expired; Kafka's producer.id.expiration.check.interval.ms (10 minutes) by default. */
  readonly producerIdExpirationCheckIntervalMs?: number;
}

export interface LogDirStatus {
  readonly logDir: string;
  readonly offline: boolean;
  readonly error: StorageError | null;
  readonly partitionCount: number;
  readonly sizeBytes: number;
}

export type LogDirFailureListener = (logDir: string, error: StorageError) => void;

interface DirState {
  readonly path: string;
  offlineError: StorageError | null;
  readonly checkpointLock: AsyncMutex;
}

function key(topic: string, partition: number): string {
  return partitionDirName(topic, partition);
}

async function mapBounded<T>(items: readonly T[], parallelism: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallelism, items.length)) }, worker));
}

export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  /** Partitions found on disk that could not be opened: never re-created empty (their data stays). */
  private readonly failedPartitions = new Map<string, StorageError>();
  private readonly dirs = new Map<string, DirState>();
  private readonly logger: StorageLogger;
  private readonly failureListeners: LogDirFailureListener[] = [];
  private readonly timers = new Map<string, TimerHandle>();
  private readonly runningTasks = new Set<Promise<void>>();
  private readonly pendingDirDeletions = new Map<string, TimerHandle>();
  private backgroundStopped = true;
  private closed = false;

  private constructor(private readonly options: LogManagerOptions) {
    this.logger = options.logger ?? silentLogger;
    for (const path of options.logDirs) this.dirs.set(path, { path, offlineError: null, checkpointLock: new AsyncMutex() });
  }

  /** Loads every partition of every log directory. A directory that fails to load goes offline; the others serve. */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    assert(options.logDirs.length > 0, "at least one log directory is needed");
    assert(new Set(options.logDirs).size === options.logDirs.length, "log directories must be distinct");
    const manager = new LogManager(options);
    await Promise.all([...manager.dirs.values()].map((dir) => manager.loadDir(dir)));
    return manager;
  }

  private async loadDir(dir: DirState): Promise<void> {
    const { fs } = this.options;
    const started = this.options.clock.monotonicMs();
    try {
      await fs.mkdirp(dir.path);
      const markerPath = joinPath(dir.path, CLEAN_SHUTDOWN_FILE);
      const hadCleanShutdown = await fs.exists(markerPath);
      const [recoveryPoints, logStartOffsets, highWatermarks] = await Promise.all([
        this.readCheckpoint(dir.path, RECOVERY_POINT_CHECKPOINT_FILE),
        this.readCheckpoint(dir.path, LOG_START_OFFSET_CHECKPOINT_FILE),
        this.readCheckpoint(dir.path, REPLICATION_OFFSET_CHECKPOINT_FILE),
      ]);
      const names = await fs.readdir(dir.path);
      const partitions: { topic: string; partition: number }[] = [];
      for (const name of names) {
        if (isDeleteDirName(name)) {
          this.scheduleDirRemoval(joinPath(dir.path, name), 0);
          continue;
        }
        if (isFutureOrStrayDirName(name)) {
          this.logger("warn", "ignoring a future/stray partition directory", { logDir: dir.path, name });
          continue;
        }
        const parsed = parsePartitionDirName(name);
        if (parsed !== undefined) partitions.push(parsed);
      }
      await mapBounded(partitions, this.options.recoveryParallelism ?? DEFAULT_RECOVERY_PARALLELISM, async ({ topic, partition }) => {
        const name = key(topic, partition);
        const existing = this.logs.get(name);
        if (existing !== undefined) {
          throw new Error(`partition ${name} exists in both ${existing.logDir} and ${dir.path}`);
        }
        let log: PartitionLog;
        try {
          log = await PartitionLog.open({
          ...this.environment(dir.path),
          logDir: dir.path,
          topic,
          partition,
          config: this.options.configForTopic?.(topic) ?? this.options.defaultConfig,
          recoveryPoint: recoveryPoints.get(name) ?? 0,
          logStartOffset: logStartOffsets.get(name) ?? null,
            highWatermark: highWatermarks.get(name) ?? null,
            hadCleanShutdown,
          });
        } catch (error) {
          // A file named like a partition directory (its readdir fails): not ours, leave it.
          if (fsErrorCode(error) === "ENOTDIR") {
            this.logger("warn", "ignoring a file named like a partition directory", { logDir: dir.path, name });
            return;
          }
          // One partition that cannot be opened (damaged beyond repair) goes offline alone, as
          // Kafka's per-log failure handling does; the directory and its other partitions serve.
          const message = error instanceof Error ? error.message : String(error);
          const failure = new StorageError(`partition ${name} in ${dir.path} cannot be opened: ${message}`, dir.path, fsErrorCode(error) ?? "EIO", true, { cause: error });
          this.failedPartitions.set(name, failure);
          this.logger("error", "partition cannot be opened; it stays offline until repaired", { logDir: dir.path, partition: name, error: message });
          return;
        }
        this.logs.set(name, log);
      });
      if (hadCleanShutdown) {
        // From here on a crash must trigger recovery: the marker goes before the first append.
        await fs.unlink(markerPath);
        await fs.fsyncDirectory(dir.path);
      }
      this.logger("info", "loaded log directory", {
        logDir: dir.path,
        partitions: partitions.length,
        hadCleanShutdown,
        durationMs: Math.round(this.options.clock.monotonicMs() - started),
      });
    } catch (error) {
      const storageError =
        error instanceof StorageError ? error : new StorageError(`loading ${dir.path} failed: ${error instanceof Error ? error.message : String(error)}`, dir.path, fsErrorCode(error) ?? "EIO", true, { cause: error });
      this.handleLogDirFailure(dir.path, storageError);
    }
  }

  /** A malformed checkpoint is ignored with a warning, as Kafka does: recovery from 0 is slow but safe. */
  private async readCheckpoint(dir: string, file: string): Promise<Map<string, number>> {
    try {
      const entries = await readOffsetCheckpoint(this.options.fs, joinPath(dir, file));
      return new Map(entries.map((entry) => [key(entry.topic, entry.partition), entry.offset]));
    } catch (error) {
      if (!(error instanceof MalformedCheckpointError)) throw error;
      this.logger("warn", "malformed checkpoint file ignored", { logDir: dir, file, reason: error.message });
      return new Map();
    }
  }

  private environment(logDir: string): PartitionLogEnvironment {
    const { options } = this;
    return {
      fs: options.fs,
      clock: options.clock,
      logger: this.logger,
      random: options.random,
      decompress: options.decompress,
      recordValidator: options.recordValidator,
      verifyCrcOnRead: options.verifyCrcOnRead,
      onStorageFailure: (error) => this.handleLogDirFailure(logDir, error),
      onLogStartOffsetChanged: () => this.checkpointDir(logDir),
      producerIdExpirationMs: options.producerIdExpirationMs,
    };
  }

  // ----- logs -----

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition));
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /**
   * Creates the partition's log in the online directory holding the fewest partitions, or returns
   * the existing one (InconsistentTopicIdError when it belongs to another topic id).
   */
  async createLog(topic: string, partition: number, topicId: string, config: LogConfig): Promise<PartitionLog> {
    this.checkOpen();
    assert(isValidTopicName(topic), `invalid topic name "${topic}"`);
    assert(Number.isInteger(partition) && partition >= 0, `invalid partition ${partition}`);
    const name = key(topic, partition);
    const failed = this.failedPartitions.get(name);
    if (failed !== undefined) throw failed;
    const existing = this.logs.get(name);
    if (existing !== undefined) {
      if (existing.topicId !== null && existing.topicId !== topicId) {
        throw new InconsistentTopicIdError(`partition ${name} belongs to topic id ${existing.topicId}, not ${topicId}`);
      }
      if (existing.topicId === null) await writePartitionMetadata(this.options.fs, joinPath(existing.dir, PARTITION_METADATA_FILE), topicId);
      existing.updateConfig(config);
      return existing;
    }
    const dir = this.pickDirForNewLog();
    try {
      const log = await PartitionLog.create({ ...this.environment(dir.path), logDir: dir.path, topic, partition, topicId, config });
      if (this.logs.has(name)) {
        // A concurrent createLog of the same partition won; keep the first.
        await log.close();
        return this.logs.get(name)!;
      }
      this.logs.set(name, log);
      return log;
    } catch (error) {
      const code = fsErrorCode(error);
      if (code === undefined || error instanceof StorageError) throw error;
      const outOfSpace = code === "ENOSPC" || code === "EDQUOT";
      const storageError = new StorageError(`creating ${name} in ${dir.path} failed: ${error instanceof Error ? error.message : String(error)}`, dir.path, code, !outOfSpace, { cause: error });
      if (!outOfSpace) this.handleLogDirFailure(dir.path, storageError);
      throw storageError;
    }
  }

  /** The failure of a partition that could not be opened at start-up, if it is one. */
  partitionFailure(topic: string, partition: number): StorageError | undefined {
    return this.failedPartitions.get(key(topic, partition));
  }

  private pickDirForNewLog(): DirState {
    const counts = new Map<string, number>();
    for (const dir of this.dirs.values()) if (dir.offlineError === null) counts.set(dir.path, 0);
    if (counts.size === 0) throw new StorageError("every log directory is offline", this.options.logDirs[0], "OFFLINE", true);
    for (const log of this.logs.values()) if (counts.has(log.logDir)) counts.set(log.logDir, counts.get(log.logDir)! + 1);
    let best: string | null = null;
    for (const [path, count] of counts) if (best === null || count < counts.get(best)!) best = path;
    return this.dirs.get(best!)!;
  }

  /**
   * Deletes a partition's log: it stops serving at once, its directory is renamed
   * `<topic>-<partition>.<id>-delete` and removed after file.delete.delay.ms. Returns false when
   * there was no such log.
   */
  async deleteLog(topic: string, partition: number): Promise<boolean> {
    const name = key(topic, partition);
    const failed = this.failedPartitions.get(name);
    if (failed !== undefined) {
      // The topic is gone: its unreadable partition directory goes the same way as a log's.
      this.failedPartitions.delete(name);
      const target = joinPath(failed.logDir, deleteDirName(topic, partition));
      await this.options.fs.rename(joinPath(failed.logDir, partitionDirName(topic, partition)), target);
      await this.options.fs.fsyncDirectory(failed.logDir);
      this.scheduleDirRemoval(target, this.options.defaultConfig.fileDeleteDelayMs);
      return true;
    }
    const log = this.logs.get(name);
    if (log === undefined) return false;
    this.logs.delete(name);
    const { fs } = this.options;
    await log.closeForDeletion();
    if (this.isLogDirOffline(log.logDir)) return true;
    const target = joinPath(log.logDir, deleteDirName(topic, partition));
    try {
      await fs.rename(log.dir, target);
      await fs.fsyncDirectory(log.logDir);
    } catch (error) {
      const storageError = new StorageError(`renaming ${log.dir} for deletion failed`, log.logDir, fsErrorCode(error) ?? "EIO", true, { cause: error });
      this.handleLogDirFailure(log.logDir, storageError);
      throw storageError;
    }
    this.scheduleDirRemoval(target, log.config.fileDeleteDelayMs);
    this.logger("info", "deleted log", { partition: name, renamedTo: target });
    return true;
  }

  private scheduleDirRemoval(path: string, delayMs: number): void {
    const remove = (): void => {
      this.pendingDirDeletions.delete(path);
      const task = this.options.fs.removeRecursive(path).catch((error: unknown) => {
        this.logger("warn", "removing a deleted partition directory failed", { path, error: error instanceof Error ? error.message : String(error) });
      });
      this.track(task);
    };
    if (delayMs <= 0) {
      remove();
      return;
    }
    this.pendingDirDeletions.set(path, this.options.clock.setTimeout(remove, delayMs));
  }

  /** Applies a changed topic config to one partition. */
  updateConfig(topic: string, partition: number, config: LogConfig): void {
    const log = this.logs.get(key(topic, partition));
    if (log === undefined) throw new Error(`no log for ${key(topic, partition)}`);
    log.updateConfig(config);
  }

  // ----- sizes and directory state -----

  sizeBytes(topic: string, partition: number): number | undefined {
    return this.logs.get(key(topic, partition))?.sizeBytes;
  }

  logDirStatus(): LogDirStatus[] {
    return [...this.dirs.values()].map((dir) => {
      let partitionCount = 0;
      let sizeBytes = 0;
      for (const log of this.logs.values()) {
        if (log.logDir !== dir.path) continue;
        partitionCount += 1;
        sizeBytes += log.sizeBytes;
      }
      return { logDir: dir.path, offline: dir.offlineError !== null, error: dir.offlineError, partitionCount, sizeBytes };
    });
  }

  isLogDirOffline(logDir: string): boolean {
    const dir = this.dirs.get(logDir);
    return dir !== undefined && dir.offlineError !== null;
  }

  offlineLogDirs(): string[] {
    return [...this.dirs.values()].filter((dir) => dir.offlineError !== null).map((dir) => dir.path);
  }

  onLogDirFailure(listener: LogDirFailureListener): void {
    this.failureListeners.push(listener);
  }

  /** Takes a log directory offline (Kafka's LogDirFailureChannel); its partitions refuse all work. */
  handleLogDirFailure(logDir: string, error: StorageError): void {
    const dir = this.dirs.get(logDir);
    if (dir === undefined || dir.offlineError !== null) return;
    dir.offlineError = error;
    this.logger("error", "log directory offline", { logDir, error: error.message, code: error.code });
    for (const log of this.logs.values()) if (log.logDir === logDir) log.markOffline(error);
    for (const listener of this.failureListeners) {
      try {
        listener(logDir, error);
      } catch (listenerError) {
        this.logger("error", "log dir failure listener threw", { error: listenerError instanceof Error ? listenerError.message : String(listenerError) });
      }
    }
  }

  // ----- checkpoints -----

  /** Writes the three checkpoint files of every online directory. */
  async checkpoint(): Promise<void> {
    await Promise.all([...this.dirs.values()].filter((dir) => dir.offlineError === null).map((dir) => this.checkpointDir(dir.path)));
  }

  private async checkpointDir(logDir: string): Promise<void> {
    const dir = this.dirs.get(logDir);
    if (dir === undefined || dir.offlineError !== null) return;
    await dir.checkpointLock.runExclusive(async () => {
      const recoveryPoints: PartitionOffsetEntry[] = [];
      const logStartOffsets: PartitionOffsetEntry[] = [];
      const highWatermarks: PartitionOffsetEntry[] = [];
      for (const log of this.logs.values()) {
        if (log.logDir !== logDir || log.isOffline) continue;
        const entry = { topic: log.topic, partition: log.partition };
        recoveryPoints.push({ ...entry, offset: log.recoveryPoint });
        highWatermarks.push({ ...entry, offset: log.highWatermark });
        // As Kafka: only log start offsets the segments alone would not reproduce.
        if (log.logStartOffset > log.segmentBaseOffsets[0]) logStartOffsets.push({ ...entry, offset: log.logStartOffset });
      }
      const { fs } = this.options;
      try {
        await writeOffsetCheckpoint(fs, joinPath(logDir, RECOVERY_POINT_CHECKPOINT_FILE), recoveryPoints);
        await writeOffsetCheckpoint(fs, joinPath(logDir, LOG_START_OFFSET_CHECKPOINT_FILE), logStartOffsets);
        await writeOffsetCheckpoint(fs, joinPath(logDir, REPLICATION_OFFSET_CHECKPOINT_FILE), highWatermarks);
      } catch (error) {
        const storageError = new StorageError(`writing checkpoints in ${logDir} failed`, logDir, fsErrorCode(error) ?? "EIO", true, { cause: error });
        this.handleLogDirFailure(logDir, storageError);
        throw storageError;
      }
    });
  }

  // ----- background tasks -----

  /** Starts retention, flush.ms and checkpoint tasks on the injected clock. */
  startBackgroundTasks(intervals: BackgroundTaskIntervals): void {
    this.checkOpen();
    this.backgroundStopped = false;
    this.schedule("retention", intervals.retentionCheckIntervalMs, () => this.runRetention());
    this.schedule("flush", intervals.flushSchedulerIntervalMs, () => this.runFlushScheduler());
    this.schedule("checkpoint", intervals.checkpointIntervalMs, () => this.checkpoint());
    this.schedule("producer-expiration", intervals.producerIdExpirationCheckIntervalMs ?? PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, () => this.removeExpiredProducers());
  }

  /** Stops the background tasks and waits for a running one to finish. */
  async stopBackgroundTasks(): Promise<void> {
    this.backgroundStopped = true;
    for (const timer of this.timers.values()) this.options.clock.clearTimeout(timer);
    this.timers.clear();
    while (this.runningTasks.size > 0) await Promise.all([...this.runningTasks]);
  }

  private schedule(name: string, intervalMs: number, task: () => Promise<unknown>): void {
    const fire = (): void => {
      this.timers.delete(name);
      if (this.backgroundStopped) return;
      const run = task()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger("error", `background ${name} task failed`, { error: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => {
          if (!this.backgroundStopped) this.timers.set(name, this.options.clock.setTimeout(fire, intervalMs));
        });
      this.track(run);
    };
    this.timers.set(name, this.options.clock.setTimeout(fire, intervalMs));
  }

  private track(task: Promise<void>): void {
    this.runningTasks.add(task);
    void task.finally(() => this.runningTasks.delete(task));
  }

  /** One retention pass over every log; returns the number of segments deleted. */
  async runRetention(): Promise<number> {
    let deleted = 0;
    for (const log of this.logs.values()) {
      try {
        deleted += await log.deleteOldSegments();
      } catch (error) {
        this.logger("warn", "retention failed for a partition", { partition: key(log.topic, log.partition), error: error instanceof Error ? error.message : String(error) });
      }
    }
    return deleted;
  }

  /** One producer expiry pass over every log; returns the number of producer ids forgotten. */
  async removeExpiredProducers(): Promise<number> {
    let removed = 0;
    for (const log of this.logs.values()) {
      try {
        removed += await log.removeExpiredProducers();
      } catch (error) {
        this.logger("warn", "producer expiry failed for a partition", { partition: key(log.topic, log.partition), error: error instanceof Error ? error.message : String(error) });
      }
    }
    return removed;
  }

  /** One flush.ms pass: flushes logs whose unflushed data is older than their flush.ms. */
  async runFlushScheduler(): Promise<void> {
    const nowMs = this.options.clock.nowMs();
    for (const log of this.logs.values()) {
      try {
        await log.flushIfDue(nowMs);
      } catch (error) {
        this.logger("warn", "scheduled flush failed", { partition: key(log.topic, log.partition), error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  // ----- shutdown -----

  /**
   * Clean shutdown: background tasks stopped, every log flushed and closed, checkpoints written,
   * and `.kafka_cleanshutdown` written in each directory whose logs all closed cleanly, so the
   * next start skips recovery.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopBackgroundTasks();
    for (const timer of this.pendingDirDeletions.values()) this.options.clock.clearTimeout(timer);
    this.pendingDirDeletions.clear();
    const failedDirs = new Set<string>();
    await mapBounded([...this.logs.values()], this.options.recoveryParallelism ?? DEFAULT_RECOVERY_PARALLELISM, async (log) => {
      try {
        await log.close();
      } catch (error) {
        failedDirs.add(log.logDir);
        this.logger("error", "closing a log failed", { partition: key(log.topic, log.partition), error: error instanceof Error ? error.message : String(error) });
      }
    });
    const { fs } = this.options;
    for (const dir of this.dirs.values()) {
      if (dir.offlineError !== null || failedDirs.has(dir.path)) continue;
      try {
        await this.checkpointDir(dir.path);
        const marker = JSON.stringify({ version: "0", broker_epoch: String(this.options.brokerEpoch ?? -1) });
        await writeFileAtomically(fs, joinPath(dir.path, CLEAN_SHUTDOWN_FILE), Buffer.from(marker, "utf8"));
      } catch (error) {
        this.logger("error", "clean shutdown bookkeeping failed; the next start will recover", { logDir: dir.path, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("log manager is closed");
  }
}
