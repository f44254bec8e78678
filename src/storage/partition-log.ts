// One partition's log as the broker sees it (Kafka's UnifiedLog): appends with validation and
// offset assignment, reads, the log start offset, the high watermark, the leader epoch cache,
// the producer state of idempotent producers (duplicates answered with the original offsets,
// sequence and epoch checks; producer-state-manager.ts), truncation (followers), retention,
// flush policy and I/O failure handling. Shaped for replication: leader appends assign offsets,
// follower appends keep the leader's.
//
// Durability contract: append() resolves once the bytes were handed to the OS with write(2), so a
// process crash (kill -9) loses nothing acknowledged. fsync follows flush.messages / flush.ms (by
// default never per append: power loss may lose what the OS had not written back; recovery then
// cuts the log back to whole, valid batches). Rolls, truncations and clean shutdown fsync files
// and the directory. See README.md for the details.
//
// Concurrency: appends, roll, truncation and segment deletion are serialized by a FIFO lock. The
// common append (no roll due, nobody waiting) takes a synchronous fast path: validation, offset
// assignment and queueing happen in the caller's tick and only the write is awaited, so appends
// arriving together share one write. Reads never take the lock.

import type { Clock } from "../lib/clock.js";
import { assert, AssertionError } from "../lib/assert.js";
import { AsyncMutex } from "../lib/async-mutex.js";
import { BatchCursor } from "./batch-cursor.js";
import type { LogReplay } from "./producer-state-manager.js";
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, ProducerStateManager } from "./producer-state-manager.js";
import type { BatchMetadata, ProducerStateEntry } from "./producer-state.js";
import { firstOffsetOf } from "./producer-state.js";
import { CorruptRecordError, LogClosedError, LogValidationError, OffsetOutOfRangeError, StorageError } from "./errors.js";
import type { FileSystem } from "./io/file-system.js";
import { fsErrorCode, isOutOfSpace, joinPath, parentDirectory } from "./io/file-system.js";
import type { EpochEntry } from "./checkpoint-file.js";
import type { EpochEndOffset } from "./leader-epoch-cache.js";
import { LeaderEpochCache, UNDEFINED_EPOCH } from "./leader-epoch-cache.js";
import type { LocalLogHooks } from "./local-log.js";
import { LocalLog } from "./local-log.js";
import type { LogConfig } from "./log-config.js";
import { LEADER_EPOCH_CHECKPOINT_FILE, PARTITION_METADATA_FILE, partitionDirName } from "./log-file-names.js";
import { loadLog } from "./log-loader.js";
import { LogSegment } from "./log-segment.js";
import type { ReadBufferAllocator } from "./segment-io.js";
import type { AppendAnalysis, AppendOrigin, RecordValidator } from "./log-validator.js";
import { analyzeAppend, assignOffsetsInPlace } from "./log-validator.js";
import type { StorageLogger } from "./logger.js";
import { silentLogger } from "./logger.js";
import { isValidTopicId, readPartitionMetadata, writePartitionMetadata } from "./partition-metadata-file.js";
import type { RecordsDecompressor } from "./record-scan.js";
import { NO_TIMESTAMP } from "./time-index.js";

export interface PartitionLogEnvironment {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger?: StorageLogger;
  /** Randomness for segment.jitter.ms; Math.random by default. */
  readonly random?: () => number;
  /** Decompresses a batch's records, for exact ListOffsets answers inside compressed batches. */
  readonly decompress?: RecordsDecompressor;
  /** Deep per-record validation of produced batches (off by default; see log-validator.ts). */
  readonly recordValidator?: RecordValidator;
  /** Check the CRC of every batch served by read() (default true): corruption is reported, never served. */
  readonly verifyCrcOnRead?: boolean;
  /** An I/O failure other than a full disk: the log directory must go offline. */
  readonly onStorageFailure?: (error: StorageError) => void;
  /** The log start offset moved (DeleteRecords); resolves once it is checkpointed. */
  readonly onLogStartOffsetChanged?: (log: PartitionLog) => Promise<void>;
  /** producer.id.expiration.ms, read when used (a dynamic broker config); one day by default. */
  readonly producerIdExpirationMs?: () => number;
}

export interface OpenPartitionLogParams extends PartitionLogEnvironment {
  /** The log directory (data dir) holding the partition directory. */
  readonly logDir: string;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  readonly recoveryPoint?: number;
  readonly logStartOffset?: number | null;
  readonly highWatermark?: number | null;
  readonly hadCleanShutdown: boolean;
}

export interface CreatePartitionLogParams extends PartitionLogEnvironment {
  readonly logDir: string;
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly config: LogConfig;
}

export interface AppendOptions {
  /** The leader's epoch, stamped on every batch (leader appends only). */
  readonly leaderEpoch: number;
  /** true: a leader append (offsets assigned here); false: replication, offsets kept as sent. */
  readonly assignOffsets: boolean;
  /** Leader appends: "client" (default, full validation) or "coordinator" (may write control batches). */
  readonly origin?: Exclude<AppendOrigin, "replication">;
}

export interface AppendResult {
  /** First offset of the append (-1 for an empty append). */
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The broker time stamped on LogAppendTime topics; -1 for CreateTime topics. */
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  readonly recordCount: number;
  readonly batchCount: number;
  readonly sizeBytes: number;
  /**
   * The append repeats a batch its idempotent producer already wrote (a retry after a lost
   * answer): nothing was written, and the offsets are those of the original batch.
   */
  readonly duplicate: boolean;
}

export interface ReadOptions {
  readonly maxBytes: number;
  /** Exclusive upper bound on base offsets served; normally the high watermark. */
  readonly maxOffset: number;
  /** Return the first batch even when it is larger than maxBytes. */
  readonly minOneBatch: boolean;
  /** Where read buffers come from; the batches returned are views of them (default: fresh buffers). */
  readonly allocate?: ReadBufferAllocator;
}

export interface ReadResult {
  /** Whole batches exactly as stored (views of a read buffer; never decoded). */
  readonly batches: Buffer[];
  readonly sizeBytes: number;
  /** Base offset of the first batch (may be below fetchOffset: clients skip earlier records); -1 when empty. */
  readonly firstOffset: number;
  /** Last offset of the last batch; -1 when empty. */
  readonly lastOffset: number;
  /** True when the next batch exists but did not fit maxBytes (minOneBatch was false). */
  readonly firstBatchTooLarge: boolean;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface TimestampOffsetResult {
  readonly offset: number;
  readonly timestamp: number;
  /** Leader epoch of the batch holding the offset, -1 when unknown. */
  readonly leaderEpoch: number;
}

interface AcceptedAppend {
  readonly written: Promise<void>;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Set when nothing was accepted because the batch is a duplicate of this one. */
  readonly duplicate?: BatchMetadata;
}

/** What a failed write must put back besides the segment: the leader epoch cache and the producer state. */
interface UndoState {
  readonly epochs: readonly EpochEntry[];
  readonly producerRestorePoint: number;
}

const WRITTEN = Promise.resolve();
/** Read size while replaying the log into the producer state. */
const REPLAY_READ_BYTES = 1024 * 1024;
/**
 * A duplicate of a batch still being written waits for the write, then the append is checked
 * again. Each round waits for the writes in flight, so it only repeats when the original failed
 * and yet another copy of the batch was accepted meanwhile: a handful of rounds is plenty.
 */
const DUPLICATE_WAIT_ROUNDS_MAX = 16;

/** A FIFO lock that can tell when nobody holds it or waits for it (the append fast path). */
class PartitionLock {
  private readonly mutex = new AsyncMutex();
  private waiting = 0;

  get idle(): boolean {
    return this.waiting === 0 && !this.mutex.locked;
  }

  run<T>(operation: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    return this.mutex.runExclusive(() => {
      this.waiting -= 1;
      return operation();
    });
  }
}

const EMPTY_BATCHES: Buffer[] = [];

export class PartitionLog {
  private readonly lock = new PartitionLock();
  private readonly cursor = new BatchCursor();
  private readonly logger: StorageLogger;
  private readonly verifyCrcOnRead: boolean;
  private logStartOffsetValue: number;
  private highWatermarkValue: number;
  private offlineError: StorageError | null = null;
  private closed = false;

  private constructor(
    private readonly env: PartitionLogEnvironment,
    readonly logDir: string,
    readonly topic: string,
    readonly partition: number,
    private topicIdValue: string | null,
    private readonly local: LocalLog,
    private readonly epochCache: LeaderEpochCache,
    private readonly producerState: ProducerStateManager,
    /** null: the producer state is loaded (or was empty from the start); else how to load it. */
    private producerStateToLoad: { readonly hadCleanShutdown: boolean } | null,
    logStartOffset: number,
    highWatermark: number,
  ) {
    this.logger = env.logger ?? silentLogger;
    this.verifyCrcOnRead = env.verifyCrcOnRead ?? true;
    this.logStartOffsetValue = logStartOffset;
    this.highWatermarkValue = Math.min(Math.max(highWatermark, logStartOffset), local.logEndOffset);
  }

  /** Loads an existing partition directory (recovering it after an unclean stop). */
  static async open(params: OpenPartitionLogParams): Promise<PartitionLog> {
    const dir = joinPath(params.logDir, partitionDirName(params.topic, params.partition));
    const logger = params.logger ?? silentLogger;
    const name = partitionDirName(params.topic, params.partition);
    const loaded = await loadLog({
      fs: params.fs,
      clock: params.clock,
      logger,
      dir,
      name,
      config: params.config,
      recoveryPoint: params.recoveryPoint ?? 0,
      logStartOffset: params.logStartOffset ?? null,
      hadCleanShutdown: params.hadCleanShutdown,
      random: params.random ?? Math.random,
    });
    const topicId = await readPartitionMetadata(params.fs, joinPath(dir, PARTITION_METADATA_FILE));
    let log: PartitionLog | null = null;
    const local = new LocalLog(loaded.context, params.config, loaded.segments, loaded.nextOffset, loaded.recoveryPoint, hooksFor(() => log), params.random ?? Math.random);
    const producerState = producerStateFor(params, dir, name, logger);
    log = new PartitionLog(
      params,
      params.logDir,
      params.topic,
      params.partition,
      topicId,
      local,
      loaded.epochCache,
      producerState,
      // Loaded before the first append needs it (ensureProducerState), not here: start-up stays
      // one directory listing and a few small reads per partition.
      { hadCleanShutdown: params.hadCleanShutdown },
      loaded.logStartOffset,
      // Kafka's default without a replication-offset-checkpoint entry: 0, raised by the leader.
      params.highWatermark ?? 0,
    );
    await producerState.adoptSnapshots(loaded.producerSnapshotOffsets, loaded.logStartOffset, local.logEndOffset);
    if (loaded.logStartOffset > loaded.nextOffset) {
      // Everything below the checkpointed log start offset is gone (or was lost): start there.
      await local.truncateFullyAndStartAt(loaded.logStartOffset);
      loaded.epochCache.clear();
      await producerState.truncateFullyAndStartAt(loaded.logStartOffset);
      log.producerStateToLoad = null;
    }
    log.highWatermarkValue = Math.min(Math.max(log.highWatermarkValue, log.logStartOffsetValue), local.logEndOffset);
    await loaded.epochCache.flush();
    return log;
  }

  /** Creates a new, empty partition directory with its first segment and partition.metadata. */
  static async create(params: CreatePartitionLogParams): Promise<PartitionLog> {
    assert(isValidTopicId(params.topicId), `topic id "${params.topicId}" is not a 22-character base64url UUID`);
    const { fs } = params;
    const name = partitionDirName(params.topic, params.partition);
    const dir = joinPath(params.logDir, name);
    const logger = params.logger ?? silentLogger;
    await fs.mkdirp(dir);
    await writePartitionMetadata(fs, joinPath(dir, PARTITION_METADATA_FILE), params.topicId);
    const context = { fs, clock: params.clock, logger, dir, name };
    const random = params.random ?? Math.random;
    const jitter = params.config.segmentJitterMs > 0 ? Math.floor(random() * Math.min(params.config.segmentJitterMs, params.config.segmentMs)) : 0;
    const first = await LogSegment.create(context, 0, params.config.segmentIndexBytes, params.config.indexIntervalBytes, jitter);
    await fs.fsyncDirectory(dir);
    await fs.fsyncDirectory(parentDirectory(dir));
    const epochCache = LeaderEpochCache.empty(fs, joinPath(dir, LEADER_EPOCH_CHECKPOINT_FILE));
    let log: PartitionLog | null = null;
    const local = new LocalLog(context, params.config, [first], 0, 0, hooksFor(() => log), random);
    log = new PartitionLog(params, params.logDir, params.topic, params.partition, params.topicId, local, epochCache, producerStateFor(params, dir, name, logger), null, 0, 0);
    return log;
  }

  // ----- state -----

  get dir(): string {
    return this.local.context.dir;
  }

  get topicId(): string | null {
    return this.topicIdValue;
  }

  get config(): LogConfig {
    return this.local.config;
  }

  get logStartOffset(): number {
    return this.logStartOffsetValue;
  }

  /** Offset after the last batch handed to the OS (appends still being written are not counted). */
  get logEndOffset(): number {
    return this.local.logEndOffset;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  get recoveryPoint(): number {
    return this.local.recoveryPoint;
  }

  get sizeBytes(): number {
    return this.local.sizeBytes;
  }

  get segmentCount(): number {
    return this.local.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  get segmentBaseOffsets(): number[] {
    return this.local.segments.map((segment) => segment.baseOffset);
  }

  get latestEpoch(): number {
    return this.epochCache.latestEpoch;
  }

  get epochEntries(): readonly EpochEntry[] {
    return this.epochCache.epochEntries;
  }

  /**
   * The producer ids with state in this partition and their entries (read-only view). Empty
   * until the state is loaded, which an opened log does at its first append.
   */
  activeProducers(): ReadonlyMap<number, ProducerStateEntry> {
    return this.producerState.activeProducers();
  }

  /** Offsets of the producer state snapshot files, oldest first. */
  get producerSnapshotOffsets(): number[] {
    return [...this.producerState.snapshots];
  }

  /** Resolves once every producer snapshot write or deletion started so far is done (rolls write them in the background). */
  producerSnapshotsSettled(): Promise<void> {
    return this.producerState.settled();
  }

  get isOffline(): boolean {
    return this.offlineError !== null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Milliseconds since the last fsync (for flush.ms). */
  timeSinceLastFlushMs(nowMs: number): number {
    return nowMs - this.local.lastFlushMs;
  }

  // ----- appends -----

  /**
   * Appends `records` (one or more whole v2 batches). Leader appends are validated, get offsets,
   * the leader epoch and (LogAppendTime topics) the broker time set in place; the caller's buffer
   * is modified and must stay untouched until the promise settles. Resolves once written to the OS.
   */
  async append(records: Buffer, options: AppendOptions): Promise<AppendResult> {
    for (let round = 0; round < DUPLICATE_WAIT_ROUNDS_MAX; round += 1) {
      const result = await this.appendOnce(records, options);
      if (result !== null) return result;
      // A duplicate of a batch whose write is still in flight: wait for it, then look again (the
      // original may have failed and been undone, and this copy is then appended for real).
      await this.local.drain();
    }
    throw new Error(`an append to ${this.local.context.name} kept meeting a duplicate still being written`);
  }

  /** One attempt at append(); null when it must wait for the write of the batch it duplicates. */
  private async appendOnce(records: Buffer, options: AppendOptions): Promise<AppendResult | null> {
    this.checkUsable();
    const origin: AppendOrigin = options.assignOffsets ? (options.origin ?? "client") : "replication";
    if (records.length === 0) {
      return { firstOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: this.logStartOffsetValue, recordCount: 0, batchCount: 0, sizeBytes: 0, duplicate: false };
    }
    const nowMs = this.env.clock.nowMs();
    const config = this.local.config;
    const analysis = analyzeAppend(records, this.cursor, origin, config, nowMs, this.env.recordValidator);
    const logAppendTimeMs = origin !== "replication" && config.messageTimestampType === "LogAppendTime" ? nowMs : -1;
    // Fast path: nobody holds or waits for the lock and no roll is due, so the append is accepted
    // in this tick without awaiting anything but the write.
    const accepted =
      this.producerStateToLoad === null && this.lock.idle && !this.local.pipelineBroken && !this.rollDue(records, analysis, origin, logAppendTimeMs, nowMs)
        ? this.accept(records, analysis, origin, options.leaderEpoch, logAppendTimeMs)
        : await this.lock.run(async () => {
            this.checkUsable();
            await this.ensureProducerState();
            if (this.rollDue(records, analysis, origin, logAppendTimeMs, nowMs)) await this.rollLocked(origin === "replication" ? analysis.firstOffset : 0);
            return this.accept(records, analysis, origin, options.leaderEpoch, logAppendTimeMs);
          });
    if (accepted.duplicate !== undefined) {
      const original = accepted.duplicate;
      if (original.lastOffset >= this.local.logEndOffset) return null;
      // Kafka answers a duplicate with the original batch's offsets and its stored max timestamp
      // as the log append time (UnifiedLog: appendInfo.setLogAppendTime(duplicate.timestamp)).
      return {
        firstOffset: firstOffsetOf(original),
        lastOffset: original.lastOffset,
        logAppendTimeMs: original.timestamp,
        logStartOffset: this.logStartOffsetValue,
        recordCount: analysis.recordCount,
        batchCount: analysis.batchCount,
        sizeBytes: analysis.sizeBytes,
        duplicate: true,
      };
    }
    try {
      await accepted.written;
    } catch (error) {
      throw this.failure(error, "append");
    }
    if (this.local.logEndOffset - this.local.recoveryPoint >= config.flushMessages) await this.flushTo(accepted.lastOffset + 1);
    return {
      firstOffset: accepted.firstOffset,
      lastOffset: accepted.lastOffset,
      logAppendTimeMs,
      logStartOffset: this.logStartOffsetValue,
      recordCount: analysis.recordCount,
      batchCount: analysis.batchCount,
      sizeBytes: analysis.sizeBytes,
      duplicate: false,
    };
  }

  private rollDue(records: Buffer, analysis: AppendAnalysis, origin: AppendOrigin, logAppendTimeMs: number, nowMs: number): boolean {
    const maxOffsetInMessages = origin === "replication" ? analysis.lastOffset : this.local.nextOffset + analysis.offsetCount - 1;
    const maxTimestampInMessages = logAppendTimeMs >= 0 ? logAppendTimeMs : analysis.maxTimestamp;
    return this.local.shouldRoll(records.length, maxTimestampInMessages, maxOffsetInMessages, nowMs);
  }

  /**
   * Checks the producer state (batches with producer ids only), assigns offsets (leader) or
   * checks them (replication) and queues the write. Synchronous, so consecutive appends are
   * checked against each other in the order they get offsets. Nothing changes before every check
   * passed; a duplicate changes nothing at all.
   */
  private accept(records: Buffer, analysis: AppendAnalysis, origin: AppendOrigin, leaderEpoch: number, logAppendTimeMs: number): AcceptedAppend {
    if (origin === "replication" && analysis.firstOffset < this.local.nextOffset) {
      throw new LogValidationError("unexpected-offset", `replicated offset ${analysis.firstOffset} is below the log end offset ${this.local.nextOffset}`, 0);
    }
    let producerUpdates: readonly ProducerStateEntry[] | null = null;
    if (analysis.hasProducerIds) {
      const prepared = this.producerState.prepareAppend(records, origin, origin === "replication" ? -1 : this.local.nextOffset, logAppendTimeMs);
      if (prepared.duplicate !== undefined) return { written: WRITTEN, firstOffset: -1, lastOffset: -1, duplicate: prepared.duplicate };
      producerUpdates = prepared.updates;
    }
    let firstOffset: number;
    let lastOffset: number;
    if (origin === "replication") {
      firstOffset = analysis.firstOffset;
      lastOffset = analysis.lastOffset;
      this.assignEpochsFromBatches(records);
    } else {
      firstOffset = this.local.nextOffset;
      lastOffset = assignOffsetsInPlace(records, firstOffset, leaderEpoch, logAppendTimeMs);
      if (leaderEpoch >= 0 && this.epochCache.needsAssign(leaderEpoch, firstOffset)) this.epochCache.assign(leaderEpoch, firstOffset);
    }
    // The restore point for a failed write is captured inside appendAccepted, before this
    // append's producer entries are applied, so undoing the write undoes them too.
    const written = this.local.appendAccepted(records, lastOffset + 1);
    if (producerUpdates !== null && producerUpdates.length > 0 && !this.local.pipelineBroken) this.producerState.apply(producerUpdates, lastOffset + 1);
    return { written, firstOffset, lastOffset };
  }

  private assignEpochsFromBatches(records: Buffer): void {
    this.cursor.reset(records);
    while (this.cursor.next() === "batch") {
      const epoch = this.cursor.partitionLeaderEpoch;
      if (epoch >= 0 && this.epochCache.needsAssign(epoch, this.cursor.baseOffset)) this.epochCache.assign(epoch, this.cursor.baseOffset);
    }
  }

  private async rollLocked(expectedNextOffset: number): Promise<void> {
    await this.ensureProducerState();
    try {
      await this.local.roll(expectedNextOffset);
    } catch (error) {
      throw this.failure(error, "roll");
    }
    this.snapshotProducerStateAtRoll();
    // Kafka flushes the finished segment right after a roll, off the append path.
    void this.flushTo(this.local.activeSegment.baseOffset).catch(() => {});
  }

  /**
   * Loads the producer state of an opened log if that has not happened yet (with the lock held):
   * the log may have grown since it was opened, but only by batches without producer ids, so the
   * newest snapshot plus the log replayed after it is still exact.
   */
  private async ensureProducerState(): Promise<void> {
    const toLoad = this.producerStateToLoad;
    if (toLoad === null) return;
    // No append in flight while the state is rebuilt from what is written.
    await this.local.drain();
    try {
      await this.producerState.load({
        logStartOffset: this.logStartOffsetValue,
        logEndOffset: this.local.logEndOffset,
        segmentBaseOffsets: this.segmentBaseOffsets,
        hadCleanShutdown: toLoad.hadCleanShutdown,
        replay: replayFrom(this.local),
      });
    } catch (error) {
      throw this.failure(error, "load producer state");
    }
    this.producerStateToLoad = null;
  }

  /**
   * A roll drained every write, so the producer state is exactly the log below the new segment:
   * its snapshot bounds what recovery replays after an unclean stop. Written off the append path
   * (Kafka also leaves its fsync to the background).
   */
  private snapshotProducerStateAtRoll(): void {
    void this.producerState.takeSnapshot(this.local.activeSegment.baseOffset).catch((error: unknown) => {
      this.logger("warn", "writing a producer state snapshot failed", { partition: this.local.context.name, error: error instanceof Error ? error.message : String(error) });
      this.failure(error, "write producer state snapshot");
    });
  }

  /** Starts a new segment now (admin/tests; appends roll by themselves). */
  async roll(): Promise<void> {
    this.checkUsable();
    await this.lock.run(async () => {
      this.checkUsable();
      await this.rollLocked(0);
    });
  }

  // ----- reads -----

  /**
   * Whole batches from the one holding fetchOffset on. fetchOffset must lie in
   * [logStartOffset, logEndOffset] (else OffsetOutOfRangeError); fetchOffset == logEndOffset gives
   * nothing. A batch failing its CRC is never served (CorruptRecordError when it comes first).
   */
  async read(fetchOffset: number, options: ReadOptions): Promise<ReadResult> {
    this.checkUsable();
    const logEndOffset = this.local.logEndOffset;
    const logStartOffset = this.logStartOffsetValue;
    if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, logEndOffset);
    const upperBound = Math.min(options.maxOffset, logEndOffset);
    if (fetchOffset >= upperBound) {
      return { batches: EMPTY_BATCHES, sizeBytes: 0, firstOffset: -1, lastOffset: -1, firstBatchTooLarge: false, highWatermark: this.highWatermarkValue, logStartOffset, logEndOffset };
    }
    let result;
    try {
      result = await this.local.read(fetchOffset, options.maxBytes, upperBound, options.minOneBatch, this.verifyCrcOnRead, options.allocate);
    } catch (error) {
      throw this.failure(error, "read");
    }
    return {
      batches: result.batches,
      sizeBytes: result.sizeBytes,
      firstOffset: result.firstOffset,
      lastOffset: result.lastOffset,
      firstBatchTooLarge: result.firstBatchTooLarge,
      highWatermark: this.highWatermarkValue,
      logStartOffset: this.logStartOffsetValue,
      logEndOffset: this.local.logEndOffset,
    };
  }

  // ----- high watermark and log start offset -----

  /** Sets the high watermark, clamped to [logStartOffset, logEndOffset]; returns the value set. */
  updateHighWatermark(offset: number): number {
    this.highWatermarkValue = Math.min(Math.max(offset, this.logStartOffsetValue), this.local.logEndOffset);
    return this.highWatermarkValue;
  }

  /** Raises the high watermark (never lowers it); returns whether it moved. */
  maybeIncrementHighWatermark(offset: number): boolean {
    assert(offset <= this.local.logEndOffset, `high watermark ${offset} beyond log end offset ${this.local.logEndOffset}`);
    if (offset <= this.highWatermarkValue) return false;
    this.highWatermarkValue = offset;
    return true;
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (<= high watermark, else
   * OffsetOutOfRangeError), removes segments wholly below it, and checkpoints it before resolving.
   */
  async deleteRecordsBefore(offset: number): Promise<number> {
    this.checkUsable();
    if (offset > this.highWatermarkValue) {
      throw new OffsetOutOfRangeError(offset, this.logStartOffsetValue, this.highWatermarkValue, `cannot move the log start offset to ${offset}, above the high watermark ${this.highWatermarkValue}`);
    }
    const moved = await this.lock.run(async () => {
      this.checkUsable();
      if (offset <= this.logStartOffsetValue) return false;
      this.logStartOffsetValue = offset;
      this.epochCache.truncateFromStart(offset);
      await this.deleteSegmentsLocked(await this.deletableSegments(async (_segment, next) => next !== null && next.baseOffset <= this.logStartOffsetValue));
      return true;
    });
    if (moved) {
      try {
        await this.epochCache.flush();
        await this.env.onLogStartOffsetChanged?.(this);
      } catch (error) {
        throw this.failure(error, "checkpoint log start offset");
      }
    }
    return this.logStartOffsetValue;
  }

  // ----- retention -----

  /**
   * Kafka's deleteOldSegments: with cleanup.policy "delete", segments past retention.ms (by their
   * largest timestamp) or beyond retention.bytes (oldest first), and in every case segments wholly
   * below the log start offset. Only segments below the high watermark go; deleting every segment
   * rolls first so one always remains. Returns how many segments were deleted.
   */
  async deleteOldSegments(): Promise<number> {
    if (this.closed || this.offlineError !== null) return 0;
    return this.lock.run(async () => {
      if (this.closed || this.offlineError !== null) return 0;
      const config = this.local.config;
      let deleted = await this.deleteSegmentsLocked(await this.deletableSegments(async (_segment, next) => next !== null && next.baseOffset <= this.logStartOffsetValue));
      if (config.cleanupPolicy.includes("delete")) {
        if (config.retentionBytes >= 0) {
          let excess = this.local.sizeBytes - config.retentionBytes;
          deleted += await this.deleteSegmentsLocked(
            await this.deletableSegments(async (segment) => {
              if (excess - segment.sizeBytes < 0) return false;
              excess -= segment.sizeBytes;
              return true;
            }),
          );
        }
        if (config.retentionMs >= 0) {
          const nowMs = this.env.clock.nowMs();
          deleted += await this.deleteSegmentsLocked(
            await this.deletableSegments(async (segment) => nowMs - (await this.largestTimestampOf(segment)) > config.retentionMs),
          );
        }
      }
      return deleted;
    });
  }

  private async largestTimestampOf(segment: LogSegment): Promise<number> {
    try {
      return await segment.largestTimestamp();
    } catch (error) {
      throw this.failure(error, "read time index");
    }
  }

  /** Oldest-first run of segments satisfying predicate, all below the high watermark (Kafka's deletableSegments). */
  private async deletableSegments(predicate: (segment: LogSegment, next: LogSegment | null) => Promise<boolean>): Promise<LogSegment[]> {
    const segments = this.local.segments;
    const deletable: LogSegment[] = [];
    for (let index = 0; index < segments.length; index += 1) {
      const segment = segments[index];
      const next = index + 1 < segments.length ? segments[index + 1] : null;
      const upperBoundOffset = next !== null ? next.baseOffset : this.local.logEndOffset;
      const lastAndEmpty = next === null && segment.sizeBytes === 0;
      if (this.highWatermarkValue >= upperBoundOffset && !lastAndEmpty && (await predicate(segment, next))) deletable.push(segment);
      else break;
    }
    return deletable;
  }

  private async deleteSegmentsLocked(segments: LogSegment[]): Promise<number> {
    if (segments.length === 0) return 0;
    try {
      if (segments.length === this.local.segments.length) {
        await this.ensureProducerState();
        await this.local.roll();
        this.snapshotProducerStateAtRoll();
      }
      await this.local.deleteSegments(segments);
      await this.producerState.deleteSnapshotsBelow(this.local.segments[0].baseOffset);
    } catch (error) {
      throw this.failure(error, "delete segments");
    }
    const firstBase = this.local.segments[0].baseOffset;
    if (firstBase > this.logStartOffsetValue) {
      this.logStartOffsetValue = firstBase;
      this.epochCache.truncateFromStart(firstBase);
    }
    this.highWatermarkValue = Math.max(this.highWatermarkValue, this.logStartOffsetValue);
    this.logger("info", "deleted old segments", {
      partition: this.local.context.name,
      segments: segments.map((segment) => segment.baseOffset),
      logStartOffset: this.logStartOffsetValue,
    });
    return segments.length;
  }

  // ----- truncation (followers) -----

  /** Removes everything from the batch holding targetOffset on; returns whether anything was removed. */
  async truncateTo(targetOffset: number): Promise<boolean> {
    this.checkUsable();
    assert(targetOffset >= 0, `cannot truncate to negative offset ${targetOffset}`);
    return this.lock.run(async () => {
      this.checkUsable();
      try {
        await this.ensureProducerState();
        if (targetOffset >= this.local.nextOffset) {
          await this.local.drain();
          if (targetOffset >= this.local.nextOffset) return false;
        }
        if (targetOffset < this.local.segments[0].baseOffset) {
          await this.truncateFullyLocked(targetOffset);
          return true;
        }
        const truncated = await this.local.truncateTo(targetOffset);
        if (!truncated) return false;
        const end = this.local.logEndOffset;
        this.epochCache.truncateFromEnd(end);
        this.logStartOffsetValue = Math.min(this.logStartOffsetValue, end);
        this.highWatermarkValue = Math.min(this.highWatermarkValue, end);
        await this.epochCache.flush();
        await this.producerState.truncateAndReload({
          logStartOffset: this.logStartOffsetValue,
          logEndOffset: end,
          segmentBaseOffsets: this.segmentBaseOffsets,
          replay: replayFrom(this.local),
        });
        return true;
      } catch (error) {
        throw this.failure(error, "truncate");
      }
    });
  }

  /** Deletes all data and restarts the log at newOffset (a follower far behind the leader's start). */
  async truncateFullyAndStartAt(newOffset: number): Promise<void> {
    this.checkUsable();
    await this.lock.run(async () => {
      this.checkUsable();
      try {
        await this.truncateFullyLocked(newOffset);
      } catch (error) {
        throw this.failure(error, "truncate fully");
      }
    });
  }

  private async truncateFullyLocked(newOffset: number): Promise<void> {
    await this.local.truncateFullyAndStartAt(newOffset);
    this.epochCache.clear();
    this.logStartOffsetValue = newOffset;
    this.highWatermarkValue = newOffset;
    await this.epochCache.flush();
    await this.producerState.truncateFullyAndStartAt(newOffset);
    this.producerStateToLoad = null;
  }

  // ----- producer state -----

  /**
   * Forgets producers idle for producer.id.expiration.ms (LogManager runs this every
   * PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS). Returns how many were removed.
   */
  async removeExpiredProducers(): Promise<number> {
    if (this.closed || this.offlineError !== null || this.producerStateToLoad !== null) return 0;
    return this.lock.run(async () => {
      // Not loaded yet: nothing to expire in memory, and loading skips expired entries.
      if (this.closed || this.offlineError !== null || this.producerStateToLoad !== null) return 0;
      // Appends accepted before the lock was taken must be written (or undone) first.
      await this.local.drain();
      if (this.local.pipelineBroken) return 0;
      return this.producerState.removeExpiredProducers(this.env.clock.nowMs());
    });
  }

  // ----- leader epochs -----

  /** A new leader epoch starts at startOffset (a leader calls this with its log end offset on election). */
  async assignEpochStartOffset(epoch: number, startOffset: number): Promise<void> {
    this.checkUsable();
    if (this.epochCache.assign(epoch, startOffset)) {
      try {
        await this.epochCache.flush();
      } catch (error) {
        throw this.failure(error, "write leader epoch checkpoint");
      }
    }
  }

  /** OffsetForLeaderEpoch: the largest epoch <= requested and its end offset; null when unknown. */
  endOffsetForEpoch(epoch: number): EpochEndOffset | null {
    const result = this.epochCache.endOffsetFor(epoch, this.local.logEndOffset);
    return result.endOffset < 0 ? null : result;
  }

  /** The epoch that wrote offset (ListOffsets answers), -1 when unknown. */
  leaderEpochForOffset(offset: number): number {
    return this.epochCache.epochForOffset(offset);
  }

  // ----- timestamps -----

  /**
   * ListOffsets by timestamp: the first offset at or after the log start offset whose record
   * timestamp is >= timestampMs, or null when every record is older.
   */
  async offsetForTimestamp(timestampMs: number): Promise<TimestampOffsetResult | null> {
    this.checkUsable();
    assert(timestampMs >= 0, `timestamp ${timestampMs} is not a real timestamp (-1/-2/-3 are handled by the caller)`);
    const segments = this.local.segments;
    try {
      for (const segment of segments) {
        if ((await segment.largestTimestamp()) < timestampMs) continue;
        const found = await segment.findOffsetByTimestamp(timestampMs, this.logStartOffsetValue, this.env.decompress);
        if (found !== null && found.offset < this.local.logEndOffset) return { offset: found.offset, timestamp: found.timestamp, leaderEpoch: found.leaderEpoch };
      }
    } catch (error) {
      throw this.failure(error, "offset for timestamp");
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP (-3): the record with the largest timestamp, or null for an empty log. */
  async maxTimestampOffset(): Promise<TimestampOffsetResult | null> {
    this.checkUsable();
    try {
      let best: LogSegment | null = null;
      let bestTimestamp = NO_TIMESTAMP;
      for (const segment of this.local.segments) {
        const timestamp = await segment.largestTimestamp();
        if (timestamp > bestTimestamp) {
          best = segment;
          bestTimestamp = timestamp;
        }
      }
      if (best === null) return null;
      const found = await best.maxTimestampRecord(this.env.decompress);
      if (found === null || found.offset < this.logStartOffsetValue) return null;
      return { offset: found.offset, timestamp: found.timestamp, leaderEpoch: found.leaderEpoch };
    } catch (error) {
      throw this.failure(error, "max timestamp offset");
    }
  }

  // ----- flush, config, lifecycle -----

  /** fsyncs everything written so far and raises the recovery point. */
  async flush(): Promise<void> {
    this.checkUsable();
    await this.flushTo(this.local.logEndOffset);
  }

  private async flushTo(offset: number): Promise<void> {
    try {
      await this.local.flush(offset);
      await this.epochCache.flush();
    } catch (error) {
      throw this.failure(error, "flush");
    }
  }

  /** flush.ms: flushes when unflushed data is older than the configured interval. */
  async flushIfDue(nowMs: number): Promise<void> {
    if (this.closed || this.offlineError !== null) return;
    if (this.local.logEndOffset > this.local.recoveryPoint && this.timeSinceLastFlushMs(nowMs) >= this.local.config.flushMs) await this.flushTo(this.local.logEndOffset);
  }

  /** New topic config; takes effect for the next append, roll and retention run. */
  updateConfig(config: LogConfig): void {
    this.local.config = config;
  }

  /** Clean close: pending writes finished, data and indexes flushed, files trimmed and closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.lock.run(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.offlineError !== null) {
        await this.local.closeHandles().catch(() => {});
        return;
      }
      try {
        await this.local.close();
        // Kafka's close snapshot: the next start finds the state at the log end and reads nothing.
        // A state never loaded saw no append: the files are as they were, and still right.
        if (this.producerStateToLoad === null) await this.producerState.takeSnapshot(this.local.logEndOffset);
        await this.producerState.settled();
        await this.epochCache.flush();
      } catch (error) {
        throw this.failure(error, "close");
      }
    });
  }

  /** Closes without flushing or trimming anything: the partition is being deleted. */
  async closeForDeletion(): Promise<void> {
    if (this.closed) return;
    await this.lock.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.local.drain();
      // No snapshot write may land in the directory once it is renamed for deletion.
      await this.producerState.settled();
      await this.local.closeHandles().catch((error: unknown) => {
        this.logger("warn", "closing files of a deleted log failed", { partition: this.local.context.name, error: error instanceof Error ? error.message : String(error) });
      });
    });
  }

  /** The log directory failed: refuse everything from now on and release the files. */
  markOffline(error: StorageError): void {
    if (this.offlineError !== null) return;
    this.offlineError = error;
    void this.local.closeHandles().catch(() => {});
  }

  private checkUsable(): void {
    if (this.offlineError !== null) {
      throw new StorageError(`log directory ${this.logDir} is offline`, this.logDir, "OFFLINE", true, { cause: this.offlineError });
    }
    if (this.closed) throw new LogClosedError(`log ${this.local.context.name} is closed`);
  }

  /**
   * Turns a failure into what the caller should see. Typed storage outcomes pass through; file
   * system errors become StorageError, and unless the disk is merely full the directory goes offline.
   */
  failure(error: unknown, operation: string): Error {
    if (
      error instanceof LogValidationError ||
      error instanceof OffsetOutOfRangeError ||
      error instanceof CorruptRecordError ||
      error instanceof LogClosedError ||
      error instanceof StorageError ||
      error instanceof AssertionError
    ) {
      return error;
    }
    // The log was closed or deleted under the operation: whatever failed, that is the cause.
    if (this.closed) return new LogClosedError(`log ${this.local.context.name} was closed during ${operation}`);
    const code = fsErrorCode(error);
    if (code === undefined) return error instanceof Error ? error : new Error(String(error));
    const outOfSpace = isOutOfSpace(error);
    const message = `${operation} failed for ${this.local.context.name}: ${error instanceof Error ? error.message : String(error)}`;
    const storageError = new StorageError(message, this.logDir, code, !outOfSpace, { cause: error });
    if (!outOfSpace) this.reportOffline(storageError);
    else this.logger("warn", "disk full", { partition: this.local.context.name, operation });
    return storageError;
  }

  private reportOffline(error: StorageError): void {
    if (this.offlineError !== null) return;
    this.logger("error", "I/O error; taking the log directory offline", { partition: this.local.context.name, logDir: this.logDir, error: error.message });
    if (this.env.onStorageFailure !== undefined) this.env.onStorageFailure(error);
    else this.markOffline(error);
  }

  /** @internal For LogManager's pipeline-broken hook. */
  onPipelineBroken(error: unknown): void {
    const code = fsErrorCode(error) ?? "EIO";
    this.reportOffline(new StorageError(`write repair failed for ${this.local.context.name}`, this.logDir, code, true, { cause: error }));
  }

  /** @internal */
  epochSnapshot(): readonly EpochEntry[] {
    return this.epochCache.snapshot();
  }

  /** @internal */
  restoreEpochs(entries: readonly EpochEntry[]): void {
    this.epochCache.restore(entries);
  }

  /** @internal What an append changes outside the segment, captured to undo a failed write. */
  captureUndoState(): UndoState {
    return { epochs: this.epochCache.snapshot(), producerRestorePoint: this.producerState.restorePoint() };
  }

  /** @internal */
  restoreUndoState(state: UndoState): void {
    this.epochCache.restore(state.epochs);
    this.producerState.restore(state.producerRestorePoint);
  }

  /** @internal Appends below endOffset reached the OS. */
  onAppendWritten(endOffset: number): void {
    this.producerState.onWritten(endOffset);
  }

  /** Kafka's UNDEFINED_EPOCH, for callers comparing epochs. */
  static readonly UNDEFINED_EPOCH = UNDEFINED_EPOCH;
}

function hooksFor(log: () => PartitionLog | null): LocalLogHooks {
  return {
    captureExtra: () => log()?.captureUndoState() ?? null,
    restoreExtra: (state) => {
      if (state !== null) log()?.restoreUndoState(state as UndoState);
    },
    onWritten: (endOffset) => log()?.onAppendWritten(endOffset),
    onBroken: (error) => log()?.onPipelineBroken(error),
  };
}

function producerStateFor(env: PartitionLogEnvironment, dir: string, name: string, logger: StorageLogger): ProducerStateManager {
  return new ProducerStateManager({
    fs: env.fs,
    dir,
    name,
    logger,
    clock: env.clock,
    producerIdExpirationMs: env.producerIdExpirationMs ?? (() => DEFAULT_PRODUCER_ID_EXPIRATION_MS),
  });
}

/** Reads the log's batches for the producer state, header by header (no CRC check: recovery did that). */
function replayFrom(local: LocalLog): LogReplay {
  return async (fromOffset, toOffset, visit) => {
    const cursor = new BatchCursor();
    let offset = fromOffset;
    while (offset < toOffset) {
      const result = await local.read(offset, REPLAY_READ_BYTES, toOffset, true, false);
      if (result.batches.length === 0) return;
      for (const bytes of result.batches) {
        cursor.reset(bytes);
        while (cursor.next() === "batch") if (cursor.lastOffset >= fromOffset) visit(cursor);
      }
      offset = result.lastOffset + 1;
    }
  };
}
