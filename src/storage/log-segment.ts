// One segment of a partition log: `<base offset>.log` with its sparse `.index` and `.timeindex`
// (formats in offset-index.ts and time-index.ts), as Kafka's LogSegment. The .log file holds
// record batches end to end exactly as appended; base offset and leader epoch were set in place
// before they got here, and nothing is ever re-encoded.
//
// Not concurrency-safe on its own: LocalLog serializes appends, truncation and roll. Reads may run
// at any time; they are bounded by `writtenBytes` (bytes handed to the OS), hold a reference so the
// files are not closed under them, and retry when a truncation happened while they read.
//
// Indexes are opened lazily: an inactive segment's index files are read (and checked) on first
// use; if missing or corrupt they are rebuilt from the log. The active segment's indexes live in
// memory and reach the files on flush, roll and close: on an unclean stop the active segment is
// always recovered (rescanned), so index entries never need to be written before the data's fsync.

import type { Clock } from "../lib/clock.js";
import { assert } from "../lib/assert.js";
import { AsyncMutex } from "../lib/async-mutex.js";
import {
  BASE_OFFSET_OFFSET,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  RECORD_BATCH_OVERHEAD,
} from "../protocol/records/batch-header.js";
import type { BatchCursor } from "./batch-cursor.js";
import { CorruptRecordError } from "./errors.js";
import type { FileHandle, FileSystem } from "./io/file-system.js";
import { isNotFound, joinPath } from "./io/file-system.js";
import { indexFileName, logFileName, timeIndexFileName, txnIndexFileName } from "./log-file-names.js";
import type { StorageLogger } from "./logger.js";
import { CorruptIndexError, OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from "./offset-index.js";
import type { IndexEntries } from "./index-entries.js";
import type { RecordsDecompressor } from "./record-scan.js";
import { findRecordAtOrAfterTimestamp, offsetOfMaxTimestamp } from "./record-scan.js";
import { NO_TIMESTAMP, TIME_INDEX_ENTRY_BYTES, TimeIndex } from "./time-index.js";
import type { ScanOutcome, ScanVerdict, SegmentReadResult } from "./segment-io.js";
import { allocateReadBuffer, readBatches, scanBatches, type ReadBufferAllocator } from "./segment-io.js";

export type { SegmentReadResult } from "./segment-io.js";

/** A read that keeps colliding with truncations gives up after this many attempts. */
const MAX_READ_ATTEMPTS = 4;

const TWO_POW_32 = 0x1_0000_0000;

/** An int64 timestamp from a header not yet checked: NO_TIMESTAMP when it is not a safe integer. */
function readSafeTimestamp(buffer: Buffer, at: number): number {
  const high = buffer.readInt32BE(at);
  if (high >= 0x20_0000 || high < -0x20_0000) return NO_TIMESTAMP;
  return high * TWO_POW_32 + buffer.readUInt32BE(at + 4);
}

/** An int64 header field already checked (by validation or a cursor) to fit a safe integer. */
function readSafeInt64(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * TWO_POW_32 + buffer.readUInt32BE(at + 4);
}

export interface SegmentContext {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  readonly dir: string;
  /** "topic-partition", for log lines. */
  readonly name: string;
}

/** In-memory state an append changes, captured so a failed write can be undone. */
export interface SegmentState {
  readonly sizeBytes: number;
  readonly offsetIndexEntries: number;
  readonly timeIndexEntries: number;
  readonly maxTimestampSoFar: number;
  readonly offsetOfMaxTimestampSoFar: number;
  readonly bytesSinceLastIndexEntry: number;
  readonly rollingBasedTimestamp: number;
}

export interface RecoveryResult {
  readonly validBytes: number;
  readonly truncatedBytes: number;
  /** Offset after the last valid batch (the base offset when empty). */
  readonly nextOffset: number;
  /** Why scanning stopped early, when it did. */
  readonly invalidReason: string | null;
}

/** Called for each valid batch during recovery with its leader epoch and base offset. */
export type EpochObserver = (partitionLeaderEpoch: number, baseOffset: number) => void;

export interface TimestampLookup {
  readonly timestamp: number;
  readonly offset: number;
  /** Partition leader epoch of the batch, -1 when unknown. */
  readonly leaderEpoch: number;
}

interface FoundBatch {
  readonly bytes: Buffer;
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly attributes: number;
  readonly recordCount: number;
  readonly leaderEpoch: number;
}

export class LogSegment {
  private fileSuffix = "";
  private logHandlePromise: Promise<FileHandle> | null = null;
  /** Serializes work on the index files (persist, trim, rewrite, sync, close): flushes run outside the partition lock. */
  private readonly indexFileLock = new AsyncMutex();
  private offsetIndexHandle: FileHandle | null = null;
  private timeIndexHandle: FileHandle | null = null;
  private indexFilesDirty = false;
  private indexesPreallocatedBytes = -1;
  private offsetIndexValue: OffsetIndex | null = null;
  private timeIndexValue: TimeIndex | null = null;
  private indexLoad: Promise<void> | null = null;

  /** Bytes accepted, including those still queued for writing. */
  sizeBytes: number;
  /** Bytes handed to the OS: what readers may see. */
  writtenBytes: number;
  /** Largest batch max timestamp in the segment; null until loaded (from the time index). */
  private maxTimestamp: number | null = null;
  private offsetOfMaxTimestamp = -1;
  private bytesSinceLastIndexEntry = 0;
  /** Max timestamp of the first batch (segment.ms rolls from it); null unknown, -1 none. */
  private rollingBasedTimestamp: number | null = null;
  private createdMs: number;
  private references = 0;
  private unreferencedWaiters: (() => void)[] = [];
  private truncations = 0;
  private closed = false;
  /** Set when data corruption was found in this (flushed) segment; reported once. */
  private corruptionReported = false;

  private constructor(
    private readonly context: SegmentContext,
    readonly baseOffset: number,
    sizeBytes: number,
    private maxIndexBytes: number,
    /** index.interval.bytes used when the indexes have to be rebuilt. */
    public indexIntervalBytes: number,
    readonly rollJitterMs: number,
  ) {
    this.sizeBytes = sizeBytes;
    this.writtenBytes = sizeBytes;
    this.createdMs = context.clock.nowMs();
  }

  /** A new, empty segment: creates the .log file and the preallocated index files. */
  static async create(context: SegmentContext, baseOffset: number, maxIndexBytes: number, indexIntervalBytes: number, rollJitterMs: number): Promise<LogSegment> {
    const segment = new LogSegment(context, baseOffset, 0, maxIndexBytes, indexIntervalBytes, rollJitterMs);
    const handle = await context.fs.open(segment.logPath, "create");
    try {
      if ((await handle.sizeBytes()) > 0) {
        context.logger("warn", "new segment file already existed; emptying it", { segment: segment.logPath });
        await handle.truncate(0);
      }
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    segment.logHandlePromise = Promise.resolve(handle);
    segment.offsetIndexValue = new OffsetIndex(baseOffset, maxIndexBytes);
    segment.timeIndexValue = new TimeIndex(baseOffset, maxIndexBytes);
    segment.indexLoad = Promise.resolve();
    segment.maxTimestamp = NO_TIMESTAMP;
    segment.offsetOfMaxTimestamp = baseOffset;
    segment.rollingBasedTimestamp = NO_TIMESTAMP;
    await segment.preallocateIndexFiles(true);
    await segment.closeIndexHandlesLocked();
    return segment;
  }

  /** A segment found on disk; nothing is opened until needed. */
  static existing(context: SegmentContext, baseOffset: number, sizeBytes: number, maxIndexBytes: number, indexIntervalBytes: number, rollJitterMs: number): LogSegment {
    return new LogSegment(context, baseOffset, sizeBytes, maxIndexBytes, indexIntervalBytes, rollJitterMs);
  }

  get logPath(): string {
    return joinPath(this.context.dir, logFileName(this.baseOffset) + this.fileSuffix);
  }

  get offsetIndexPath(): string {
    return joinPath(this.context.dir, indexFileName(this.baseOffset) + this.fileSuffix);
  }

  get timeIndexPath(): string {
    return joinPath(this.context.dir, timeIndexFileName(this.baseOffset) + this.fileSuffix);
  }

  private get txnIndexPath(): string {
    return joinPath(this.context.dir, txnIndexFileName(this.baseOffset) + this.fileSuffix);
  }

  get isDeleted(): boolean {
    return this.fileSuffix !== "";
  }

  /** Bumped by every truncation, so a read overlapping one can notice and retry. */
  get truncationCount(): number {
    return this.truncations;
  }

  get offsetIndex(): OffsetIndex {
    assert(this.offsetIndexValue !== null, `offset index of segment ${this.baseOffset} is not loaded`);
    return this.offsetIndexValue;
  }

  get timeIndex(): TimeIndex {
    assert(this.timeIndexValue !== null, `time index of segment ${this.baseOffset} is not loaded`);
    return this.timeIndexValue;
  }

  get indexesLoaded(): boolean {
    return this.offsetIndexValue !== null && this.timeIndexValue !== null;
  }

  /** Largest timestamp seen; requires the indexes to be loaded (see ensureIndexes). */
  get maxTimestampSoFar(): number {
    assert(this.maxTimestamp !== null, `max timestamp of segment ${this.baseOffset} is not loaded`);
    return this.maxTimestamp;
  }

  get offsetOfMaxTimestampSoFar(): number {
    return this.offsetOfMaxTimestamp;
  }

  // ----- references (reads, flushes) keep files open -----

  acquire(): void {
    this.references += 1;
  }

  release(): void {
    assert(this.references > 0, "segment reference released twice");
    this.references -= 1;
    if (this.references === 0) {
      const waiters = this.unreferencedWaiters;
      this.unreferencedWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  private whenUnreferenced(): Promise<void> {
    if (this.references === 0) return Promise.resolve();
    return new Promise((resolve) => this.unreferencedWaiters.push(resolve));
  }

  // ----- files -----

  logFile(): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new Error(`segment ${this.logPath} is closed`));
    if (this.logHandlePromise === null) {
      const opening = this.context.fs.open(this.logPath, "read-write");
      this.logHandlePromise = opening;
      opening.catch(() => {
        if (this.logHandlePromise === opening) this.logHandlePromise = null;
      });
    }
    return this.logHandlePromise;
  }

  /** Loads the index files (checking them) or rebuilds them from the log when missing or corrupt. */
  ensureIndexes(nextBaseOffset?: number): Promise<void> {
    if (this.indexLoad === null) {
      const loading = this.loadIndexes(nextBaseOffset);
      this.indexLoad = loading;
      loading.catch(() => {
        if (this.indexLoad === loading) this.indexLoad = null;
      });
    }
    return this.indexLoad;
  }

  private async loadIndexes(nextBaseOffset: number | undefined): Promise<void> {
    const { fs } = this.context;
    try {
      const offsetBytes = await fs.readFile(this.offsetIndexPath);
      const timeBytes = await fs.readFile(this.timeIndexPath);
      const offsetIndex = OffsetIndex.load(this.baseOffset, offsetBytes, this.maxIndexBytes, this.writtenBytes, nextBaseOffset);
      const timeIndex = TimeIndex.load(this.baseOffset, timeBytes, this.maxIndexBytes, nextBaseOffset);
      this.offsetIndexValue = offsetIndex;
      this.timeIndexValue = timeIndex;
      this.indexesPreallocatedBytes = -1;
      if (this.maxTimestamp === null) {
        const last = timeIndex.lastEntry;
        this.maxTimestamp = last.timestamp;
        this.offsetOfMaxTimestamp = last.offset;
        if (last.timestamp === NO_TIMESTAMP && this.writtenBytes > 0) await this.loadMaxTimestampFromLog();
      }
      return;
    } catch (error) {
      if (!(error instanceof CorruptIndexError) && !isNotFound(error)) throw error;
      this.context.logger("warn", "index file missing or corrupt; rebuilding it from the log", {
        partition: this.context.name,
        segment: this.logPath,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    await this.rebuildIndexes();
  }

  /**
   * Rebuilds both indexes by scanning the log, without changing the log. Invalid bytes found on
   * the way are reported (reads will refuse them) but not removed: that is recovery's job.
   */
  async rebuildIndexes(indexIntervalBytes = this.indexIntervalBytes): Promise<void> {
    const offsetIndex = new OffsetIndex(this.baseOffset, Math.max(this.maxIndexBytes, OFFSET_INDEX_ENTRY_BYTES));
    const timeIndex = new TimeIndex(this.baseOffset, Math.max(this.maxIndexBytes, 2 * TIME_INDEX_ENTRY_BYTES));
    let maxTimestamp = NO_TIMESTAMP;
    let offsetOfMax = this.baseOffset;
    let lastIndexedPosition = 0;
    const outcome = await this.scan(0, this.writtenBytes, (cursor, position) => {
      if (cursor.maxTimestamp > maxTimestamp) {
        maxTimestamp = cursor.maxTimestamp;
        offsetOfMax = cursor.lastOffset;
      }
      if (position - lastIndexedPosition > indexIntervalBytes && offsetIndex.canAppendOffset(cursor.lastOffset) && !offsetIndex.isFull) {
        offsetIndex.append(cursor.lastOffset, position);
        if (!timeIndex.isFull) timeIndex.maybeAppend(maxTimestamp, offsetOfMax);
        lastIndexedPosition = position;
      }
      return "continue";
    });
    if (outcome.status !== "end") this.reportCorruption(outcome.endPosition, outcome.reason || outcome.status);
    if (maxTimestamp !== NO_TIMESTAMP) timeIndex.maybeAppend(maxTimestamp, offsetOfMax, true);
    this.offsetIndexValue = offsetIndex;
    this.timeIndexValue = timeIndex;
    this.maxTimestamp = maxTimestamp;
    this.offsetOfMaxTimestamp = offsetOfMax;
    this.indexLoad = Promise.resolve();
    await this.rewriteIndexFiles();
  }

  /** The first batch's max timestamp (what segment.ms is measured from), loaded once. */
  async loadRollingBasedTimestamp(): Promise<void> {
    if (this.rollingBasedTimestamp !== null) return;
    let first = NO_TIMESTAMP;
    if (this.writtenBytes >= RECORD_BATCH_OVERHEAD) {
      const header = Buffer.alloc(RECORD_BATCH_OVERHEAD);
      const handle = await this.logFile();
      if ((await handle.read(header, 0, RECORD_BATCH_OVERHEAD, 0)) === RECORD_BATCH_OVERHEAD) first = readSafeTimestamp(header, MAX_TIMESTAMP_OFFSET);
    }
    this.rollingBasedTimestamp = first;
  }

  private async loadMaxTimestampFromLog(): Promise<void> {
    let maxTimestamp = NO_TIMESTAMP;
    let offsetOfMax = this.baseOffset;
    await this.scan(0, this.writtenBytes, (cursor) => {
      if (cursor.maxTimestamp > maxTimestamp) {
        maxTimestamp = cursor.maxTimestamp;
        offsetOfMax = cursor.lastOffset;
      }
      return "continue";
    });
    this.maxTimestamp = maxTimestamp;
    this.offsetOfMaxTimestamp = offsetOfMax;
  }

  /** Makes the segment ready to take appends: indexes, timestamps and index capacity loaded. */
  async prepareForAppends(maxIndexBytes: number): Promise<void> {
    await this.ensureIndexes();
    await this.loadRollingBasedTimestamp();
    this.resizeIndexes(maxIndexBytes);
  }

  resizeIndexes(maxIndexBytes: number): void {
    this.maxIndexBytes = maxIndexBytes;
    this.offsetIndex.resize(maxIndexBytes);
    this.timeIndex.resize(maxIndexBytes);
  }

  // ----- appends (LocalLog holds the lock) -----

  captureState(): SegmentState {
    return {
      sizeBytes: this.sizeBytes,
      offsetIndexEntries: this.offsetIndex.entries,
      timeIndexEntries: this.timeIndex.entries,
      maxTimestampSoFar: this.maxTimestampSoFar,
      offsetOfMaxTimestampSoFar: this.offsetOfMaxTimestamp,
      bytesSinceLastIndexEntry: this.bytesSinceLastIndexEntry,
      rollingBasedTimestamp: this.rollingBasedTimestamp ?? NO_TIMESTAMP,
    };
  }

  restoreState(state: SegmentState): void {
    this.sizeBytes = state.sizeBytes;
    this.offsetIndex.truncateToEntries(Math.min(state.offsetIndexEntries, this.offsetIndex.entries));
    this.timeIndex.truncateToEntries(Math.min(state.timeIndexEntries, this.timeIndex.entries));
    this.maxTimestamp = state.maxTimestampSoFar;
    this.offsetOfMaxTimestamp = state.offsetOfMaxTimestampSoFar;
    this.bytesSinceLastIndexEntry = state.bytesSinceLastIndexEntry;
    this.rollingBasedTimestamp = state.rollingBasedTimestamp;
  }

  /** Whether the next append (of this size, timestamps and offsets) belongs in a new segment (Kafka's shouldRoll). */
  shouldRoll(params: { messagesBytes: number; maxTimestampInMessages: number; maxOffsetInMessages: number; nowMs: number; segmentBytes: number; segmentMs: number }): boolean {
    const rolling = this.rollingBasedTimestamp ?? NO_TIMESTAMP;
    const waitedMs = rolling >= 0 ? params.maxTimestampInMessages - rolling : params.nowMs - this.createdMs;
    const reachedRollMs = waitedMs > params.segmentMs - this.rollJitterMs;
    return (
      this.sizeBytes > params.segmentBytes - params.messagesBytes ||
      (this.sizeBytes > 0 && reachedRollMs) ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull ||
      !this.offsetIndex.canAppendOffset(params.maxOffsetInMessages)
    );
  }

  canHoldOffset(offset: number): boolean {
    return this.offsetIndex.canAppendOffset(offset);
  }

  /**
   * Records the batches of `records` (already validated and offset-assigned) as appended at the
   * current end: index entries every index.interval.bytes, max timestamp, size. The caller queues
   * the bytes for writing at the returned position.
   */
  appendBatches(records: Buffer, indexIntervalBytes: number): number {
    this.indexIntervalBytes = indexIntervalBytes;
    const start = this.sizeBytes;
    let maxTimestamp = this.maxTimestampSoFar;
    // The batches were validated: read just the fields the indexes need.
    let position = 0;
    while (position < records.length) {
      const sizeBytes = records.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
      const lastOffset = readSafeInt64(records, position + BASE_OFFSET_OFFSET) + records.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
      const batchMaxTimestamp = readSafeInt64(records, position + MAX_TIMESTAMP_OFFSET);
      const physicalPosition = start + position;
      if (physicalPosition === 0) this.rollingBasedTimestamp = batchMaxTimestamp;
      if (batchMaxTimestamp > maxTimestamp) {
        maxTimestamp = batchMaxTimestamp;
        this.maxTimestamp = maxTimestamp;
        this.offsetOfMaxTimestamp = lastOffset;
      }
      if (this.bytesSinceLastIndexEntry > indexIntervalBytes) {
        this.offsetIndex.append(lastOffset, physicalPosition);
        this.timeIndex.maybeAppend(maxTimestamp, this.offsetOfMaxTimestamp);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += sizeBytes;
      position += sizeBytes;
    }
    assert(position === records.length, "appended bytes are not whole batches");
    this.sizeBytes = start + records.length;
    return start;
  }

  // ----- persistence -----

  private async indexHandle(kind: "offset" | "time"): Promise<FileHandle> {
    if (kind === "offset") {
      this.offsetIndexHandle ??= await this.context.fs.open(this.offsetIndexPath, "create");
      return this.offsetIndexHandle;
    }
    this.timeIndexHandle ??= await this.context.fs.open(this.timeIndexPath, "create");
    return this.timeIndexHandle;
  }

  /** Extends the index files to their capacity (sparse), as Kafka preallocates them. */
  private async preallocateIndexFiles(fresh: boolean): Promise<void> {
    if (this.indexesPreallocatedBytes === this.maxIndexBytes) return;
    const offsetHandle = await this.indexHandle("offset");
    const timeHandle = await this.indexHandle("time");
    if (fresh) {
      await offsetHandle.truncate(0);
      await timeHandle.truncate(0);
    }
    await offsetHandle.truncate(Math.floor(this.maxIndexBytes / OFFSET_INDEX_ENTRY_BYTES) * OFFSET_INDEX_ENTRY_BYTES);
    await timeHandle.truncate(Math.floor(this.maxIndexBytes / TIME_INDEX_ENTRY_BYTES) * TIME_INDEX_ENTRY_BYTES);
    this.indexesPreallocatedBytes = this.maxIndexBytes;
  }

  /** Writes index entries not yet in the files. */
  persistIndexes(): Promise<void> {
    return this.indexFileLock.runExclusive(() => this.persistIndexesLocked());
  }

  private async persistIndexesLocked(): Promise<void> {
    if (!this.indexesLoaded) return;
    await this.persistNewEntries(this.offsetIndex, "offset");
    await this.persistNewEntries(this.timeIndex, "time");
  }

  /** Writes the entries the index file does not have yet. */
  private async persistNewEntries(index: IndexEntries, kind: "offset" | "time"): Promise<void> {
    if (index.persistedEntries >= index.entries) return;
    // Entries may be removed (truncation, an undone append) while the write is in flight; the
    // generation check keeps such a write from being counted as persisted.
    const from = index.persistedEntries;
    const count = index.entries;
    const generation = index.generation;
    const bytes = Buffer.from(index.entryBytes(from));
    const handle = await this.indexHandle(kind);
    await handle.write(bytes, from * index.entryBytesEach);
    if (index.generation === generation) index.persistedEntries = Math.max(index.persistedEntries, count);
    this.indexFilesDirty = true;
  }

  /** Rewrites both index files from memory, trimmed to their entries. */
  private rewriteIndexFiles(): Promise<void> {
    return this.indexFileLock.runExclusive(() => this.rewriteIndexFilesLocked());
  }

  private async rewriteIndexFilesLocked(): Promise<void> {
    const offsetHandle = await this.indexHandle("offset");
    const timeHandle = await this.indexHandle("time");
    await offsetHandle.truncate(0);
    await timeHandle.truncate(0);
    this.offsetIndex.persistedEntries = 0;
    this.timeIndex.persistedEntries = 0;
    this.indexesPreallocatedBytes = -1;
    await this.persistIndexesLocked();
    await this.closeIndexHandlesLocked();
  }

  /** fsync of the log and index files (index entries are written first). */
  async flush(): Promise<void> {
    const handle = await this.logFile();
    await handle.datasync();
    await this.indexFileLock.runExclusive(async () => {
      await this.persistIndexesLocked();
      if (this.indexFilesDirty) {
        this.indexFilesDirty = false;
        if (this.offsetIndexHandle !== null) await this.offsetIndexHandle.datasync();
        if (this.timeIndexHandle !== null) await this.timeIndexHandle.datasync();
      }
      await this.closeIndexHandlesLocked();
    });
  }

  /**
   * Index files are opened only while being written: a broker with many partitions would
   * otherwise hold three descriptors per partition instead of one (the .log).
   */
  private async closeIndexHandlesLocked(): Promise<void> {
    const handles = [this.offsetIndexHandle, this.timeIndexHandle];
    this.offsetIndexHandle = null;
    this.timeIndexHandle = null;
    for (const handle of handles) if (handle !== null) await handle.close();
  }

  /**
   * Roll or close: record the final max timestamp, write the indexes, trim and sync the index
   * files, and close their handles (an inactive segment's indexes are only read, from memory).
   */
  onBecomeInactive(): Promise<void> {
    return this.indexFileLock.runExclusive(() => this.onBecomeInactiveLocked());
  }

  private async onBecomeInactiveLocked(): Promise<void> {
    if (!this.indexesLoaded) return;
    if (this.maxTimestamp !== null && this.maxTimestamp !== NO_TIMESTAMP) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    }
    await this.persistIndexesLocked();
    const offsetHandle = await this.indexHandle("offset");
    const timeHandle = await this.indexHandle("time");
    await offsetHandle.truncate(this.offsetIndex.sizeBytes);
    await timeHandle.truncate(this.timeIndex.sizeBytes);
    await offsetHandle.datasync();
    await timeHandle.datasync();
    this.offsetIndexHandle = null;
    this.timeIndexHandle = null;
    this.indexFilesDirty = false;
    this.indexesPreallocatedBytes = -1;
    await offsetHandle.close();
    await timeHandle.close();
    this.offsetIndex.resize(this.offsetIndex.sizeBytes);
    this.timeIndex.resize(this.timeIndex.sizeBytes);
  }

  // ----- scanning -----

  /** Visits the batches between two file positions in order (see scanBatches). */
  private async scan(fromPosition: number, toPosition: number, visit: (cursor: BatchCursor, position: number) => ScanVerdict): Promise<ScanOutcome> {
    return scanBatches(await this.logFile(), fromPosition, toPosition, visit);
  }

  /**
   * The file position of the first batch whose last offset is >= offset, or null when the
   * segment has none (Kafka's translateOffset).
   */
  async translateOffset(offset: number): Promise<{ position: number; baseOffset: number } | null> {
    await this.ensureIndexes();
    const start = this.offsetIndex.lookup(offset).position;
    let found: { position: number; baseOffset: number } | null = null;
    await this.scan(start, this.writtenBytes, (cursor, position) => {
      if (cursor.lastOffset < offset) return "continue";
      found = { position, baseOffset: cursor.baseOffset };
      return "stop";
    });
    return found;
  }

  /**
   * The offset after the last batch, scanning from the last index entry (Kafka's readNextOffset).
   * null when the tail does not end on a whole valid batch (the segment needs recovery).
   */
  async readNextOffset(): Promise<number | null> {
    await this.ensureIndexes();
    const index = this.offsetIndex;
    const start = index.entries === 0 ? 0 : index.positionAt(index.entries - 1);
    let next = index.entries === 0 ? this.baseOffset : index.lastOffset + 1;
    const outcome = await this.scan(start, this.writtenBytes, (cursor, position) => {
      // Scanning from the start anyway: note what segment.ms rolls are measured from.
      if (position === 0 && this.rollingBasedTimestamp === null) this.rollingBasedTimestamp = cursor.maxTimestamp;
      next = cursor.lastOffset + 1;
      return "continue";
    });
    if (outcome.status !== "end") return null;
    this.bytesSinceLastIndexEntry = this.writtenBytes - start;
    return next;
  }

  // ----- recovery -----

  /**
   * Kafka's LogSegment.recover: rescans the whole segment, checking every batch (sizes, magic,
   * CRC, offsets increasing and within the segment), rebuilds both indexes, and truncates
   * everything from the first invalid byte on. Returns how many bytes were cut and why.
   */
  async recover(indexIntervalBytes: number, maxIndexBytes: number, observeEpoch: EpochObserver | null): Promise<RecoveryResult> {
    this.indexIntervalBytes = indexIntervalBytes;
    const handle = await this.logFile();
    const fileBytes = await handle.sizeBytes();
    this.sizeBytes = fileBytes;
    this.writtenBytes = fileBytes;
    this.maxIndexBytes = maxIndexBytes;
    const offsetIndex = new OffsetIndex(this.baseOffset, maxIndexBytes);
    const timeIndex = new TimeIndex(this.baseOffset, maxIndexBytes);
    let maxTimestamp = NO_TIMESTAMP;
    let offsetOfMax = this.baseOffset;
    let lastIndexedPosition = 0;
    let previousLastOffset = this.baseOffset - 1;
    let nextOffset = this.baseOffset;
    let invalidReason: string | null = null;
    let firstTimestamp = NO_TIMESTAMP;
    const outcome = await this.scan(0, fileBytes, (cursor, position) => {
      if (!cursor.isCrcValid()) {
        invalidReason = "CRC mismatch";
        return "stop";
      }
      if (cursor.baseOffset <= previousLastOffset) {
        invalidReason = `base offset ${cursor.baseOffset} does not follow ${previousLastOffset}`;
        return "stop";
      }
      if (!offsetIndex.canAppendOffset(cursor.lastOffset)) {
        invalidReason = `offset ${cursor.lastOffset} does not fit the segment`;
        return "stop";
      }
      if (position === 0) firstTimestamp = cursor.maxTimestamp;
      if (cursor.maxTimestamp > maxTimestamp) {
        maxTimestamp = cursor.maxTimestamp;
        offsetOfMax = cursor.lastOffset;
      }
      if (position - lastIndexedPosition > indexIntervalBytes && !offsetIndex.isFull) {
        offsetIndex.append(cursor.lastOffset, position);
        if (!timeIndex.isFull) timeIndex.maybeAppend(maxTimestamp, offsetOfMax);
        lastIndexedPosition = position;
      }
      if (observeEpoch !== null && cursor.partitionLeaderEpoch >= 0) observeEpoch(cursor.partitionLeaderEpoch, cursor.baseOffset);
      previousLastOffset = cursor.lastOffset;
      nextOffset = cursor.lastOffset + 1;
      return "continue";
    });
    // A stop means the visitor refused that batch: valid data ends where it begins.
    const validBytes = outcome.endPosition;
    if (outcome.status === "corrupt" || outcome.status === "incomplete") invalidReason = outcome.reason;
    const truncatedBytes = fileBytes - validBytes;
    if (truncatedBytes > 0) {
      await handle.truncate(validBytes);
      this.sizeBytes = validBytes;
      this.writtenBytes = validBytes;
      this.truncations += 1;
    }
    if (maxTimestamp !== NO_TIMESTAMP) timeIndex.maybeAppend(maxTimestamp, offsetOfMax, true);
    this.offsetIndexValue = offsetIndex;
    this.timeIndexValue = timeIndex;
    this.indexLoad = Promise.resolve();
    this.maxTimestamp = maxTimestamp;
    this.offsetOfMaxTimestamp = offsetOfMax;
    this.rollingBasedTimestamp = firstTimestamp;
    this.bytesSinceLastIndexEntry = validBytes - lastIndexedPosition;
    await this.rewriteIndexFiles();
    return { validBytes, truncatedBytes, nextOffset, invalidReason: truncatedBytes > 0 ? (invalidReason ?? "invalid bytes") : null };
  }

  // ----- truncation -----

  /** Removes every batch whose last offset is >= offset (Kafka's truncateTo). Returns bytes removed. */
  async truncateTo(offset: number, maxIndexBytes: number): Promise<number> {
    const mapping = await this.translateOffset(offset);
    this.offsetIndex.truncateToOffset(offset);
    this.timeIndex.truncateToOffset(offset);
    this.maxIndexBytes = maxIndexBytes;
    this.offsetIndex.resize(maxIndexBytes);
    this.timeIndex.resize(maxIndexBytes);
    let removed = 0;
    if (mapping !== null) {
      removed = this.sizeBytes - mapping.position;
      const handle = await this.logFile();
      this.truncations += 1;
      this.sizeBytes = mapping.position;
      this.writtenBytes = mapping.position;
      await handle.truncate(mapping.position);
    }
    // Zero what the index files held beyond the kept entries, then preallocate again.
    await this.indexFileLock.runExclusive(async () => {
      const offsetHandle = await this.indexHandle("offset");
      const timeHandle = await this.indexHandle("time");
      await offsetHandle.truncate(this.offsetIndex.persistedEntries * OFFSET_INDEX_ENTRY_BYTES);
      await timeHandle.truncate(this.timeIndex.persistedEntries * TIME_INDEX_ENTRY_BYTES);
      this.indexesPreallocatedBytes = -1;
      await this.preallocateIndexFiles(false);
      await this.closeIndexHandlesLocked();
    });
    if (this.sizeBytes === 0) {
      this.createdMs = this.context.clock.nowMs();
      this.rollingBasedTimestamp = NO_TIMESTAMP;
    }
    this.bytesSinceLastIndexEntry = 0;
    await this.reloadLargestTimestamp();
    return removed;
  }

  /** After truncation: the time index's last entry, then a scan of the batches after it. */
  private async reloadLargestTimestamp(): Promise<void> {
    const last = this.timeIndex.lastEntry;
    let maxTimestamp = last.timestamp;
    let offsetOfMax = last.offset;
    const start = this.offsetIndex.lookup(last.offset).position;
    await this.scan(start, this.writtenBytes, (cursor) => {
      if (cursor.maxTimestamp > maxTimestamp) {
        maxTimestamp = cursor.maxTimestamp;
        offsetOfMax = cursor.lastOffset;
      }
      return "continue";
    });
    this.maxTimestamp = maxTimestamp;
    this.offsetOfMaxTimestamp = maxTimestamp === NO_TIMESTAMP ? this.baseOffset : offsetOfMax;
  }

  // ----- reads -----

  /**
   * Whole batches starting with the one holding startOffset (or the first after it), up to maxBytes
   * (at least one batch when minOneBatch), none with base offset >= maxOffset, never beyond the bytes
   * written. null when the segment holds nothing at or after startOffset. With verifyCrc, a batch
   * failing its CRC is never returned: if it is the first, CorruptRecordError.
   */
  async read(
    startOffset: number,
    maxBytes: number,
    maxOffset: number,
    minOneBatch: boolean,
    verifyCrc: boolean,
    allocate: ReadBufferAllocator = allocateReadBuffer,
  ): Promise<SegmentReadResult | null> {
    assert(maxBytes >= 0, `maxBytes ${maxBytes} is negative`);
    this.acquire();
    try {
      for (let attempt = 1; ; attempt += 1) {
        const truncations = this.truncations;
        try {
          const result = await this.readOnce(startOffset, maxBytes, maxOffset, minOneBatch, verifyCrc, allocate, true);
          if (this.truncations === truncations) return result;
        } catch (error) {
          if (this.truncations === truncations || attempt >= MAX_READ_ATTEMPTS) throw error;
        }
        if (attempt >= MAX_READ_ATTEMPTS) throw new Error(`read of ${this.logPath} kept colliding with truncations`);
      }
    } finally {
      this.release();
    }
  }

  private async readOnce(
    startOffset: number,
    maxBytes: number,
    maxOffset: number,
    minOneBatch: boolean,
    verifyCrc: boolean,
    allocate: ReadBufferAllocator,
    mayRepairIndex: boolean,
  ): Promise<SegmentReadResult | null> {
    await this.ensureIndexes();
    const limit = this.writtenBytes;
    const entry = this.offsetIndex.lookup(startOffset);
    // An entry past the written end indexes a batch still queued: nothing readable at startOffset.
    if (entry.position >= limit) return null;
    const outcome = await readBatches(await this.logFile(), {
      segmentBaseOffset: this.baseOffset,
      limitBytes: limit,
      indexEntry: entry,
      startOffset,
      maxBytes,
      maxOffset,
      minOneBatch,
      verifyCrc,
      allocate,
    });
    switch (outcome.kind) {
      case "none":
        return null;
      case "batches":
        if (outcome.stoppedAt !== null) this.reportCorruption(outcome.stoppedAt.position, outcome.stoppedAt.reason);
        return outcome.result;
      case "corrupt":
        throw this.corruption(outcome.position, outcome.reason);
      case "bad-index":
        if (!mayRepairIndex) throw this.corruption(entry.position, outcome.reason);
        this.context.logger("warn", "offset index does not match the log; rebuilding it", { partition: this.context.name, segment: this.logPath, reason: outcome.reason });
        await this.rebuildIndexes();
        return this.readOnce(startOffset, maxBytes, maxOffset, minOneBatch, verifyCrc, allocate, false);
    }
  }

  private corruption(position: number, reason: string): CorruptRecordError {
    this.reportCorruption(position, reason);
    return new CorruptRecordError(`corrupt record batch in ${this.logPath} at byte ${position}: ${reason}`, this.logPath, position);
  }

  private reportCorruption(position: number, reason: string): void {
    if (this.corruptionReported) return;
    this.corruptionReported = true;
    this.context.logger("error", "corrupt data found in log segment; it will not be served", {
      partition: this.context.name,
      segment: this.logPath,
      position,
      reason,
    });
  }

  // ----- timestamps -----

  /** Largest timestamp in the segment (retention by time); loads the time index if needed. */
  async largestTimestamp(): Promise<number> {
    await this.ensureIndexes();
    return this.maxTimestampSoFar;
  }

  /** The first batch (from a file position) matching `accept`, with what record-scan needs. */
  private async findBatch(fromPosition: number, accept: (cursor: BatchCursor) => boolean): Promise<FoundBatch | null> {
    let found: FoundBatch | null = null;
    this.acquire();
    try {
      await this.scan(fromPosition, this.writtenBytes, (cursor) => {
        if (!accept(cursor)) return "continue";
        found = {
          bytes: cursor.batchBytes(),
          baseOffset: cursor.baseOffset,
          baseTimestamp: cursor.baseTimestamp,
          maxTimestamp: cursor.maxTimestamp,
          attributes: cursor.attributes,
          recordCount: cursor.recordCount,
          leaderEpoch: cursor.partitionLeaderEpoch,
        };
        return "stop";
      });
    } finally {
      this.release();
    }
    return found;
  }

  /**
   * Kafka's findOffsetByTimestamp: the first record at or after startingOffset with timestamp >=
   * target, found from the time index, the offset index, then a scan.
   */
  async findOffsetByTimestamp(timestampMs: number, startingOffset: number, decompress: RecordsDecompressor | undefined): Promise<TimestampLookup | null> {
    await this.ensureIndexes();
    const indexed = this.timeIndex.lookup(timestampMs);
    const start = this.offsetIndex.lookup(Math.max(indexed.offset, startingOffset)).position;
    const batch = await this.findBatch(start, (cursor) => cursor.maxTimestamp >= timestampMs && cursor.lastOffset >= startingOffset);
    if (batch === null) return null;
    const record = await findRecordAtOrAfterTimestamp(batch.bytes, batch, timestampMs, startingOffset, decompress);
    if (record === null) return null;
    return { timestamp: record.timestamp, offset: record.offset, leaderEpoch: batch.leaderEpoch };
  }

  /** The record holding the segment's max timestamp (ListOffsets MAX_TIMESTAMP). */
  async maxTimestampRecord(decompress: RecordsDecompressor | undefined): Promise<TimestampLookup | null> {
    await this.ensureIndexes();
    const target = this.maxTimestampSoFar;
    if (target === NO_TIMESTAMP) return null;
    const start = this.offsetIndex.lookup(this.offsetOfMaxTimestamp).position;
    let batch = await this.findBatch(start, (cursor) => cursor.maxTimestamp === target);
    // The offset index may place the start after the batch (an entry for a later batch of the same chunk).
    batch ??= await this.findBatch(0, (cursor) => cursor.maxTimestamp === target);
    if (batch === null) return null;
    const offset = await offsetOfMaxTimestamp(batch.bytes, batch, decompress);
    return { timestamp: target, offset, leaderEpoch: batch.leaderEpoch };
  }

  // ----- lifecycle -----

  /** Renames every file of the segment to carry `.deleted` (Kafka's changeFileSuffixes). */
  async markDeleted(suffix: string): Promise<void> {
    const { fs } = this.context;
    const renames: [string, string][] = [this.logPath, this.offsetIndexPath, this.timeIndexPath, this.txnIndexPath].map((path) => [path, path + suffix]);
    for (const [from, to] of renames) {
      try {
        await fs.rename(from, to);
      } catch (error) {
        if (!isNotFound(error) || from === renames[0][0]) throw error;
      }
    }
    this.fileSuffix = suffix;
  }

  /** Closes handles once no reader holds the segment, then unlinks its files. */
  async deleteFiles(): Promise<void> {
    await this.whenUnreferenced();
    await this.closeHandles();
    const { fs } = this.context;
    for (const path of [this.logPath, this.offsetIndexPath, this.timeIndexPath, this.txnIndexPath]) {
      try {
        await fs.unlink(path);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  /** Closes file handles (no persistence: callers run onBecomeInactive/flush first as needed). */
  async closeHandles(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handles: (FileHandle | null)[] = await this.indexFileLock.runExclusive(() => {
      const indexHandles = [this.offsetIndexHandle, this.timeIndexHandle];
      this.offsetIndexHandle = null;
      this.timeIndexHandle = null;
      return indexHandles;
    });
    if (this.logHandlePromise !== null) {
      const logHandle = await this.logHandlePromise.catch(() => null);
      handles.push(logHandle);
      this.logHandlePromise = null;
    }
    let firstError: unknown = null;
    for (const handle of handles) {
      if (handle === null) continue;
      try {
        await handle.close();
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== null) throw firstError;
  }

  /** Waits for in-flight reads, then closes handles. */
  async close(): Promise<void> {
    await this.whenUnreferenced();
    await this.closeHandles();
  }
}
