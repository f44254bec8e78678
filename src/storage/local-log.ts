// The ordered segments of a partition on one disk (Kafka's LocalLog): where appends go (through
// the group-commit pipeline), rolling to a new segment, truncation, flushing and the recovery
// point, reads across segments, and removal of segments (renamed `.deleted`, unlinked after
// file.delete.delay.ms once no reader holds them).
//
// Offsets: `nextOffset` is the next offset to assign (it counts appends still being written);
// `logEndOffset` only counts bytes already handed to the OS, and is what readers, the high
// watermark and the outside world see. `recoveryPoint` is the offset below which everything was
// fsynced: an unclean restart rescans from there.
//
// Callers (PartitionLog) hold the partition lock for appendAccepted, roll, truncate and
// deleteSegments. Reads and flushes run without it.

import { assert } from "../lib/assert.js";
import type { AppendPipelineSink } from "./append-pipeline.js";
import { AppendPipeline } from "./append-pipeline.js";
import type { LogConfig } from "./log-config.js";
import { DELETED_FILE_SUFFIX } from "./log-file-names.js";
import type { SegmentContext, SegmentReadResult, SegmentState } from "./log-segment.js";
import { LogSegment } from "./log-segment.js";
import { allocateReadBuffer, type ReadBufferAllocator } from "./segment-io.js";

interface AppendRestore {
  readonly segment: SegmentState;
  readonly nextOffset: number;
  readonly extra: unknown;
}

/**
 * Below this average size per buffer, copying a group into one buffer is cheaper than handing
 * writev many small buffers (Node spends about 0.3 µs of main-thread time per writev buffer; a
 * 1 KiB copy costs a fraction of that).
 */
const COPY_BELOW_AVERAGE_BUFFER_BYTES = 8 * 1024;

function shouldCopyIntoOneBuffer(buffers: readonly Buffer[]): boolean {
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  return total < COPY_BELOW_AVERAGE_BUFFER_BYTES * buffers.length;
}

export interface LocalLogHooks {
  /** State outside the log an append changes (leader epoch cache, producer state), captured to undo a failed write. */
  captureExtra(): unknown;
  restoreExtra(state: unknown): void;
  /** Everything below endOffset reached the OS: those appends can no longer be undone. */
  onWritten(endOffset: number): void;
  /** A write could not be undone: the log's tail is unknown, take the directory offline. */
  onBroken(error: unknown): void;
}

export interface LocalLogReadResult extends SegmentReadResult {
  /** The segment the batches came from, -1 when none. */
  readonly segmentBaseOffset: number;
}

const EMPTY_READ: LocalLogReadResult = Object.freeze({
  batches: [],
  sizeBytes: 0,
  firstOffset: -1,
  lastOffset: -1,
  firstBatchTooLarge: false,
  segmentBaseOffset: -1,
});

export class LocalLog {
  private readonly pipeline: AppendPipeline<LogSegment, AppendRestore>;
  private segmentList: LogSegment[];
  private readonly pendingDeletions = new Set<LogSegment>();
  private readonly deletionTimers = new Map<LogSegment, ReturnType<SegmentContext["clock"]["setTimeout"]>>();
  private flushing: Promise<void> | null = null;
  private flushingTarget = -1;
  /** Bumped by truncations: a flush that overlapped one must not raise the recovery point. */
  private truncationEpoch = 0;
  /** Directory entries changed (segment created, renamed, removed) since the last directory fsync. */
  private directoryDirty = false;
  nextOffset: number;
  logEndOffset: number;
  recoveryPoint: number;
  lastFlushMs: number;

  constructor(
    readonly context: SegmentContext,
    private configValue: LogConfig,
    segments: LogSegment[],
    nextOffset: number,
    recoveryPoint: number,
    private readonly hooks: LocalLogHooks,
    private readonly random: () => number,
  ) {
    assert(segments.length > 0, "a log needs at least one segment");
    this.segmentList = segments;
    this.nextOffset = nextOffset;
    this.logEndOffset = nextOffset;
    this.recoveryPoint = Math.min(recoveryPoint, nextOffset);
    this.lastFlushMs = context.clock.nowMs();
    const sink: AppendPipelineSink<LogSegment, AppendRestore> = {
      write: async (segment, buffers, position) => {
        const handle = await segment.logFile();
        if (buffers.length === 1) await handle.write(buffers[0], position);
        else if (shouldCopyIntoOneBuffer(buffers)) await handle.write(Buffer.concat(buffers), position);
        else await handle.writev(buffers, position);
      },
      truncate: async (segment, sizeBytes) => {
        const handle = await segment.logFile();
        await handle.truncate(sizeBytes);
      },
      onWritten: (segment, endPosition, endOffset) => {
        segment.writtenBytes = endPosition;
        this.logEndOffset = endOffset;
        this.hooks.onWritten(endOffset);
      },
      onFailed: (segment, error, restore) => {
        segment.restoreState(restore.segment);
        this.nextOffset = restore.nextOffset;
        this.hooks.restoreExtra(restore.extra);
        this.context.logger("warn", "append write failed; undone", {
          partition: this.context.name,
          segment: segment.logPath,
          error: error instanceof Error ? error.message : String(error),
        });
      },
      onBroken: (_segment, error) => this.hooks.onBroken(error),
    };
    this.pipeline = new AppendPipeline(sink);
  }

  get config(): LogConfig {
    return this.configValue;
  }

  set config(config: LogConfig) {
    this.configValue = config;
  }

  get segments(): readonly LogSegment[] {
    return this.segmentList;
  }

  get activeSegment(): LogSegment {
    return this.segmentList[this.segmentList.length - 1];
  }

  get sizeBytes(): number {
    let total = 0;
    for (const segment of this.segmentList) total += segment.sizeBytes;
    return total;
  }

  get pipelineBroken(): boolean {
    return this.pipeline.broken;
  }

  /** Random part of segment.ms for a new segment (segment.jitter.ms), as Kafka draws it. */
  rollJitterMs(): number {
    const { segmentJitterMs, segmentMs } = this.configValue;
    if (segmentJitterMs <= 0) return 0;
    return Math.floor(this.random() * Math.min(segmentJitterMs, segmentMs));
  }

  /** The segment holding offset: the last one whose base offset is <= offset (the first when below all). */
  segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segmentList.length - 1;
    let found = 0;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.segmentList[middle].baseOffset <= offset) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  // ----- appends -----

  shouldRoll(messagesBytes: number, maxTimestampInMessages: number, maxOffsetInMessages: number, nowMs: number): boolean {
    const active = this.activeSegment;
    if (active.sizeBytes === 0) return !active.canHoldOffset(maxOffsetInMessages);
    return active.shouldRoll({
      messagesBytes,
      maxTimestampInMessages,
      maxOffsetInMessages,
      nowMs,
      segmentBytes: this.configValue.segmentBytes,
      segmentMs: this.configValue.segmentMs,
    });
  }

  /**
   * Accepts validated, offset-assigned batches at the end of the active segment. Synchronous up to
   * the returned promise, which settles when the bytes were written (or the write failed and the
   * append was undone).
   */
  appendAccepted(records: Buffer, nextOffset: number): Promise<void> {
    const active = this.activeSegment;
    // The restore point is taken before the segment changes, and only when a new write group opens
    // (a failure undoes whole groups).
    const restore: AppendRestore | null = this.pipeline.willOpenGroup(active, active.sizeBytes, records.length)
      ? { segment: active.captureState(), nextOffset: this.nextOffset, extra: this.hooks.captureExtra() }
      : null;
    const position = active.appendBatches(records, this.configValue.indexIntervalBytes);
    this.nextOffset = nextOffset;
    return this.pipeline.enqueue(active, records, position, nextOffset, () => {
      assert(restore !== null, "append pipeline opened a group without a restore point");
      return restore;
    });
  }

  /** Resolves when every accepted append was written or undone. */
  drain(): Promise<void> {
    return this.pipeline.drain();
  }

  /**
   * Starts a new active segment at max(expectedNextOffset, nextOffset) (Kafka's roll). The old one
   * gets its final time index entry and trimmed index files; flushing it is left to the caller.
   */
  async roll(expectedNextOffset = 0): Promise<LogSegment> {
    await this.pipeline.drain();
    const newOffset = Math.max(expectedNextOffset, this.nextOffset);
    const active = this.activeSegment;
    if (active.baseOffset === newOffset) return active;
    const created = await LogSegment.create(this.context, newOffset, this.configValue.segmentIndexBytes, this.configValue.indexIntervalBytes, this.rollJitterMs());
    this.directoryDirty = true;
    if (active.sizeBytes === 0) {
      // An empty active segment cannot hold the new offsets (a replicated gap): replace it.
      this.segmentList = [...this.segmentList.slice(0, -1), created];
      await this.removeSegmentFiles([active]);
    } else {
      try {
        await active.onBecomeInactive();
      } catch (error) {
        await created.closeHandles().catch(() => {});
        await created.deleteFiles().catch(() => {});
        throw error;
      }
      this.segmentList = [...this.segmentList, created];
    }
    this.nextOffset = newOffset;
    this.logEndOffset = Math.max(this.logEndOffset, newOffset);
    this.context.logger("debug", "rolled to a new segment", { partition: this.context.name, baseOffset: newOffset });
    return created;
  }

  // ----- flush -----

  /**
   * fsyncs everything written up to `upToOffset` (default: all written data) and raises the
   * recovery point. Concurrent calls share one flush when its target covers theirs.
   */
  async flush(upToOffset = this.logEndOffset): Promise<void> {
    for (;;) {
      // Never wait for more than was written (a truncation may have lowered the end meanwhile).
      const wanted = Math.min(upToOffset, this.logEndOffset);
      if (wanted <= this.recoveryPoint && !this.directoryDirty) return;
      if (this.flushing === null) {
        const target = this.logEndOffset;
        this.flushingTarget = target;
        const run = this.flushOnce(target);
        this.flushing = run;
        try {
          await run;
        } finally {
          if (this.flushing === run) this.flushing = null;
        }
        if (target >= wanted) return;
        continue;
      }
      const inFlight = this.flushing;
      if (this.flushingTarget >= wanted) return inFlight;
      await inFlight.catch(() => {});
    }
  }

  private async flushOnce(target: number): Promise<void> {
    const truncationEpoch = this.truncationEpoch;
    const from = this.recoveryPoint;
    const segments = this.segmentList;
    const toFlush: LogSegment[] = [];
    for (let index = 0; index < segments.length; index += 1) {
      const segment = segments[index];
      const nextBase = index + 1 < segments.length ? segments[index + 1].baseOffset : Number.MAX_SAFE_INTEGER;
      if (nextBase > from && segment.baseOffset < target) toFlush.push(segment);
    }
    for (const segment of toFlush) segment.acquire();
    try {
      for (const segment of toFlush) await segment.flush();
    } finally {
      for (const segment of toFlush) segment.release();
    }
    if (this.directoryDirty || toFlush.some((segment) => segment.baseOffset >= from)) {
      this.directoryDirty = false;
      await this.context.fs.fsyncDirectory(this.context.dir);
    }
    if (this.truncationEpoch === truncationEpoch) this.recoveryPoint = Math.max(this.recoveryPoint, Math.min(target, this.logEndOffset));
    this.lastFlushMs = this.context.clock.nowMs();
  }

  // ----- reads -----

  /** Reads from the segment holding fetchOffset, moving on to later segments while they hold nothing at or after it. */
  async read(
    fetchOffset: number,
    maxBytes: number,
    maxOffset: number,
    minOneBatch: boolean,
    verifyCrc: boolean,
    allocate: ReadBufferAllocator = allocateReadBuffer,
  ): Promise<LocalLogReadResult> {
    const segments = this.segmentList;
    const first = this.segmentIndexFor(fetchOffset);
    for (let index = first; index < segments.length; index += 1) segments[index].acquire();
    try {
      for (let index = first; index < segments.length; index += 1) {
        const segment = segments[index];
        const result = await segment.read(Math.max(fetchOffset, segment.baseOffset), maxBytes, maxOffset, minOneBatch, verifyCrc, allocate);
        if (result !== null) return { ...result, segmentBaseOffset: segment.baseOffset };
      }
      return EMPTY_READ;
    } finally {
      for (let index = first; index < segments.length; index += 1) segments[index].release();
    }
  }

  // ----- truncation and deletion -----

  /**
   * Removes everything from the batch holding targetOffset on (Kafka's truncateTo). Returns false
   * when targetOffset is at or past the end. Requires targetOffset >= the first segment's base.
   */
  async truncateTo(targetOffset: number): Promise<boolean> {
    await this.pipeline.drain();
    if (targetOffset >= this.nextOffset) return false;
    assert(targetOffset >= this.segmentList[0].baseOffset, `truncation to ${targetOffset} is below the first segment`);
    this.truncationEpoch += 1;
    const keep = this.segmentList.filter((segment) => segment.baseOffset <= targetOffset);
    const drop = this.segmentList.filter((segment) => segment.baseOffset > targetOffset);
    this.segmentList = keep;
    if (drop.length > 0) await this.removeSegmentFiles(drop);
    const active = this.activeSegment;
    await active.truncateTo(targetOffset, this.configValue.segmentIndexBytes);
    const next = await active.readNextOffset();
    assert(next !== null, `segment ${active.logPath} is unreadable after truncation`);
    await active.loadRollingBasedTimestamp();
    // Make the truncation itself durable (Kafka leaves it to the next flush): otherwise a power
    // loss could bring the removed batches back under offsets that are then reused.
    await active.flush();
    await this.context.fs.fsyncDirectory(this.context.dir);
    this.directoryDirty = false;
    this.nextOffset = next;
    this.logEndOffset = next;
    this.recoveryPoint = Math.min(this.recoveryPoint, next);
    this.context.logger("info", "truncated log", { partition: this.context.name, targetOffset, logEndOffset: next });
    return true;
  }

  /** Deletes every segment and starts an empty one at newOffset. */
  async truncateFullyAndStartAt(newOffset: number): Promise<void> {
    await this.pipeline.drain();
    this.truncationEpoch += 1;
    const old = this.segmentList;
    await this.removeSegmentFiles(old);
    const created = await LogSegment.create(this.context, newOffset, this.configValue.segmentIndexBytes, this.configValue.indexIntervalBytes, this.rollJitterMs());
    await this.context.fs.fsyncDirectory(this.context.dir);
    this.directoryDirty = false;
    this.segmentList = [created];
    this.nextOffset = newOffset;
    this.logEndOffset = newOffset;
    this.recoveryPoint = newOffset;
    this.context.logger("info", "truncated log fully", { partition: this.context.name, newOffset });
  }

  /** Removes these (non-active) segments from the log; their files go after file.delete.delay.ms. */
  async deleteSegments(segments: readonly LogSegment[]): Promise<void> {
    if (segments.length === 0) return;
    const doomed = new Set(segments);
    assert(!doomed.has(this.activeSegment), "the active segment cannot be deleted; roll first");
    this.segmentList = this.segmentList.filter((segment) => !doomed.has(segment));
    await this.removeSegmentFiles(segments);
  }

  /** Renames the segments' files to `.deleted` now and unlinks them later. */
  private async removeSegmentFiles(segments: readonly LogSegment[]): Promise<void> {
    for (const segment of segments) {
      await segment.markDeleted(DELETED_FILE_SUFFIX);
      this.directoryDirty = true;
      this.pendingDeletions.add(segment);
      const timer = this.context.clock.setTimeout(() => {
        this.deletionTimers.delete(segment);
        void this.deleteNow(segment);
      }, this.configValue.fileDeleteDelayMs);
      this.deletionTimers.set(segment, timer);
    }
  }

  private async deleteNow(segment: LogSegment): Promise<void> {
    try {
      await segment.deleteFiles();
    } catch (error) {
      this.context.logger("warn", "could not delete segment files", {
        partition: this.context.name,
        segment: segment.logPath,
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      this.pendingDeletions.delete(segment);
    }
  }

  // ----- lifecycle -----

  /** Clean close: drain, flush, final index entries, trimmed index files, handles closed. */
  async close(): Promise<void> {
    await this.pipeline.drain();
    await this.flush();
    await this.activeSegment.onBecomeInactive();
    await this.activeSegment.flush();
    await this.closeHandles();
  }

  /** Closes every handle without writing anything (log directory offline, or after close). */
  async closeHandles(): Promise<void> {
    for (const timer of this.deletionTimers.values()) this.context.clock.clearTimeout(timer);
    this.deletionTimers.clear();
    let firstError: unknown = null;
    for (const segment of this.segmentList) {
      try {
        await segment.close();
      } catch (error) {
        firstError ??= error;
      }
    }
    while (this.pendingDeletions.size > 0) {
      const [segment] = this.pendingDeletions;
      await this.deleteNow(segment);
    }
    if (firstError !== null) throw firstError;
  }
}
