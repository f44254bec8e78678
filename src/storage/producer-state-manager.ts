// The producer state of one partition (Kafka's ProducerStateManager, idempotence only): the
// entry of every producer id that wrote to it and has not expired, kept in step with the log.
//
// Appends. The partition checks an append against the state and applies it in the same
// synchronous step that assigns its offsets (prepareAppend, then apply), so appends that follow
// one another before the first is written are checked against each other, as Kafka checks them
// under its log lock. Until its bytes reach the OS an applied append can still fail; each applied
// change is therefore recorded with the entry it replaced (the undo log), dropped once written
// (onWritten) and put back when the write fails (restore, driven by the append pipeline's
// restore point). So what the state says is always what the log holds or is about to hold, and a
// failed write leaves no trace. Appends without producer ids never reach this class.
//
// Snapshots. `<offset>.snapshot` files (producer-snapshot-file.ts) hold the state as it was at
// `offset`: one is written at every segment roll (new segment base offset) and at clean shutdown
// (log end offset). Opening the log deletes snapshots beyond the recovered log end (state of
// batches a crash took away); loading reads the newest valid snapshot and replays the log's
// batches from its offset to the end. The partition loads lazily, before its first append (or
// roll, truncation, ...), so a broker with thousands of partitions starts without reading them.
// With no snapshot after a clean shutdown (a log from before producer state existed) the log is
// not scanned, as Kafka does on upgrade. Truncation drops the snapshots above the new end and
// rebuilds the same way; retention deletes snapshots below the first segment. Snapshot file
// writes and deletions run one at a time, in the order they were asked for, so a later deletion
// never races an earlier write.
//
// Expiry: a producer whose last batch's timestamp is producer.id.expiration.ms old is forgotten
// (removeExpiredProducers, run by LogManager; snapshots skip expired entries when loaded).

import type { Clock } from "../lib/clock.js";
import { assert } from "../lib/assert.js";
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_LENGTH_OFFSET,
  CONTROL_FLAG_MASK,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
} from "../protocol/records/batch-header.js";
import type { BatchCursor } from "./batch-cursor.js";
import { LogValidationError } from "./errors.js";
import type { FileSystem } from "./io/file-system.js";
import { isNotFound, joinPath } from "./io/file-system.js";
import { producerSnapshotFileName } from "./log-file-names.js";
import type { AppendOrigin } from "./log-validator.js";
import type { StorageLogger } from "./logger.js";
import { CorruptSnapshotError, decodeProducerSnapshot, encodeProducerSnapshot } from "./producer-snapshot-file.js";
import type { BatchMetadata, ProducerBatch, ProducerStateEntry } from "./producer-state.js";
import { appendBatch, findDuplicateBatch, incrementSequence, isProducerExpired } from "./producer-state.js";

/** producer.id.expiration.ms default: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;
/** Kafka's producer.id.expiration.check.interval.ms default (an internal setting there too). */
export const PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 10 * 60 * 1000;

const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word of an int64 that is still a safe integer. */
const MAX_SAFE_HIGH_WORD = 0x20_0000;

export interface ProducerStateManagerParams {
  readonly fs: FileSystem;
  /** The partition directory. */
  readonly dir: string;
  /** `<topic>-<partition>`, for messages. */
  readonly name: string;
  readonly logger: StorageLogger;
  readonly clock: Clock;
  /** producer.id.expiration.ms, read when used (it is a dynamic broker config). */
  readonly producerIdExpirationMs: () => number;
}

/** Reads the log's batches with base offsets in [fromOffset, toOffset), oldest first. */
export type LogReplay = (fromOffset: number, toOffset: number, visit: (cursor: BatchCursor) => void) => Promise<void>;

export interface RebuildParams {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Base offsets of the segments, oldest first: snapshots are also taken at the last two. */
  readonly segmentBaseOffsets: readonly number[];
  readonly replay: LogReplay;
}

export interface LoadParams extends RebuildParams {
  /** The last stop was clean (decides what no snapshot at all means). */
  readonly hadCleanShutdown: boolean;
}

/** The outcome of checking an append: a duplicate of a retained batch, or the entries after it. */
export type PreparedProducerAppend =
  | { readonly duplicate: BatchMetadata; readonly updates?: undefined }
  | { readonly duplicate?: undefined; readonly updates: readonly ProducerStateEntry[] };

interface UndoRecord {
  readonly id: number;
  readonly producerId: number;
  readonly previous: ProducerStateEntry | undefined;
  /** The log end offset once the append that made this change is written. */
  readonly endOffset: number;
}

/**
 * The producer fields of the batch at `at` in `bytes` (already validated: sizes, magic, offsets
 * and timestamps within range), or null for batches outside producer state.
 */
export function producerBatchAt(bytes: Buffer, at: number, firstOffset: number, logAppendTimeMs: number): ProducerBatch | null {
  const high = bytes.readInt32BE(at + PRODUCER_ID_OFFSET);
  // Control batches (transaction markers) change transactional state only, which is not kept here.
  if (high < 0 || (bytes.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_FLAG_MASK) !== 0) return null;
  if (high >= MAX_SAFE_HIGH_WORD) throw new LogValidationError("invalid-record", "a batch has a producer id beyond 2^53", -1);
  const lastOffsetDelta = bytes.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET);
  const firstSequence = bytes.readInt32BE(at + BASE_SEQUENCE_OFFSET);
  return {
    producerId: high * TWO_POW_32 + bytes.readUInt32BE(at + PRODUCER_ID_OFFSET + 4),
    producerEpoch: bytes.readInt16BE(at + PRODUCER_EPOCH_OFFSET),
    firstSequence,
    lastSequence: incrementSequence(firstSequence, lastOffsetDelta),
    firstOffset,
    lastOffset: firstOffset + lastOffsetDelta,
    timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : bytes.readInt32BE(at + MAX_TIMESTAMP_OFFSET) * TWO_POW_32 + bytes.readUInt32BE(at + MAX_TIMESTAMP_OFFSET + 4),
  };
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  private undoLog: UndoRecord[] = [];
  private nextUndoId = 0;
  /** Offsets of the snapshot files, ascending (including ones still being written). */
  private snapshotOffsets: number[] = [];
  /** Snapshot file writes and deletions, one at a time in order. */
  private fileWork: Promise<void> = Promise.resolve();
  /**
   * No snapshot is worth writing at or below this offset: the state there is already in a
   * snapshot, or known to be empty (the log start of a new or fully truncated log). Kafka's
   * lastSnapOffset.
   */
  private snapshotFloor = 0;

  constructor(private readonly params: ProducerStateManagerParams) {}

  /** Offsets of the snapshot files, oldest first. */
  get snapshots(): readonly number[] {
    return this.snapshotOffsets;
  }

  get latestSnapshotOffset(): number | null {
    return this.snapshotOffsets.length > 0 ? this.snapshotOffsets[this.snapshotOffsets.length - 1] : null;
  }

  activeProducers(): ReadonlyMap<number, ProducerStateEntry> {
    return this.producers;
  }

  // ----- appends -----

  /**
   * Checks the batches of an append (throws OutOfOrderSequenceError / InvalidProducerEpochError,
   * nothing changed). Leader appends pass the first offset the append will get (batches follow
   * one another from it); replicated ones pass -1 and keep the offsets they carry. For client
   * appends, a batch with the epoch and sequence range of a retained batch is a duplicate: the
   * whole append is then answered with that batch, as Kafka does.
   */
  prepareAppend(records: Buffer, origin: AppendOrigin, firstOffset: number, logAppendTimeMs: number): PreparedProducerAppend {
    let nextOffset = firstOffset;
    // Almost every append holds one batch of one producer: no map for that.
    const updates: ProducerStateEntry[] = [];
    // The append was validated whole: its batches can be walked by their lengths alone.
    for (let at = 0; at < records.length; at += records.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD) {
      const batchFirstOffset = firstOffset >= 0 ? nextOffset : records.readInt32BE(at + BASE_OFFSET_OFFSET) * TWO_POW_32 + records.readUInt32BE(at + BASE_OFFSET_OFFSET + 4);
      const batch = producerBatchAt(records, at, batchFirstOffset, logAppendTimeMs);
      nextOffset = batchFirstOffset + records.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET) + 1;
      if (batch === null) continue;
      const before = this.producers.get(batch.producerId);
      if (origin === "client") {
        const duplicate = findDuplicateBatch(before, batch);
        if (duplicate !== undefined) return { duplicate };
      }
      const index = updates.findIndex((entry) => entry.producerId === batch.producerId);
      const updated = appendBatch(before, index >= 0 ? updates[index] : before, batch, origin, this.params.name);
      if (index >= 0) updates[index] = updated;
      else updates.push(updated);
    }
    return { updates };
  }

  /** Applies checked entries; undone by restore() until onWritten(endOffset). */
  apply(updates: readonly ProducerStateEntry[], endOffset: number): void {
    for (const entry of updates) {
      this.undoLog.push({ id: this.nextUndoId, producerId: entry.producerId, previous: this.producers.get(entry.producerId), endOffset });
      this.nextUndoId += 1;
      this.producers.set(entry.producerId, entry);
    }
  }

  /** A token for the state now; restore(token) puts back everything applied after it. */
  restorePoint(): number {
    return this.nextUndoId;
  }

  restore(point: number): void {
    while (this.undoLog.length > 0 && this.undoLog[this.undoLog.length - 1].id >= point) {
      const record = this.undoLog.pop()!;
      if (record.previous === undefined) this.producers.delete(record.producerId);
      else this.producers.set(record.producerId, record.previous);
    }
  }

  /** The log is written up to endOffset: appends ending there can no longer be undone. */
  onWritten(endOffset: number): void {
    if (this.undoLog.length === 0) return;
    let count = 0;
    while (count < this.undoLog.length && this.undoLog[count].endOffset <= endOffset) count += 1;
    if (count === this.undoLog.length) this.undoLog = [];
    else if (count > 0) this.undoLog.splice(0, count);
  }

  // ----- expiry -----

  /** Forgets producers idle for producer.id.expiration.ms; returns how many. Call with no append in flight. */
  removeExpiredProducers(nowMs: number): number {
    assert(this.undoLog.length === 0, "producer expiry ran with appends in flight");
    const expirationMs = this.params.producerIdExpirationMs();
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      if (isProducerExpired(entry, nowMs, expirationMs)) {
        this.producers.delete(producerId);
        removed += 1;
      }
    }
    return removed;
  }

  // ----- loading, truncation -----

  /**
   * Opening the log: takes the snapshot files the log loader found, and at once deletes those
   * beyond the recovered log end (state of batches a crash took away: once the log grows past
   * them again they would look valid) or below the log start.
   */
  adoptSnapshots(offsets: readonly number[], logStartOffset: number, logEndOffset: number): Promise<void> {
    this.snapshotOffsets = [...offsets].sort((a, b) => a - b);
    return this.deleteSnapshotsOutside(logStartOffset, logEndOffset);
  }

  /**
   * The state at the log end, from the newest usable snapshot and the log after it. Runs once,
   * after adoptSnapshots, with no append in flight; until then the log may only have grown by
   * batches without producer ids.
   */
  async load(params: LoadParams): Promise<void> {
    if (this.snapshotOffsets.length === 0 && params.hadCleanShutdown) {
      // A clean stop leaves a snapshot whenever there was anything to snapshot, so this log
      // predates producer state: nothing to rebuild. Empty snapshots mark that, so a later
      // unclean stop does not scan the whole log.
      this.snapshotFloor = params.logStartOffset;
      for (const offset of checkpointOffsets(params)) await this.takeSnapshot(offset, false);
      return;
    }
    await this.rebuild(params);
  }

  /** After a truncation to logEndOffset: the snapshots above it go and the state is rebuilt below it. */
  async truncateAndReload(params: RebuildParams): Promise<void> {
    await this.fileWork;
    await this.deleteSnapshotsOutside(params.logStartOffset, params.logEndOffset);
    await this.rebuild(params);
  }

  /** The log restarted empty at offset: no state, no snapshots. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.clearState();
    this.snapshotFloor = offset;
    await this.deleteSnapshots(this.snapshotOffsets.slice());
    this.params.logger("info", "producer state cleared", { partition: this.params.name, offset });
  }

  private clearState(): void {
    assert(this.undoLog.length === 0, "producer state reloaded with appends in flight");
    this.producers.clear();
  }

  private async rebuild(params: RebuildParams): Promise<void> {
    this.clearState();
    this.snapshotFloor = params.logStartOffset;
    const loadedAt = await this.loadLatestSnapshot();
    let position = Math.max(loadedAt ?? params.logStartOffset, params.logStartOffset);
    const replayed = position;
    const visit = (cursor: BatchCursor): void => {
      const batch = producerBatchAt(cursor.bytes, cursor.batchPosition, cursor.baseOffset, -1);
      if (batch === null) return;
      const current = this.producers.get(batch.producerId);
      this.producers.set(batch.producerId, appendBatch(current, current, batch, "replication", this.params.name));
    };
    for (const checkpoint of checkpointOffsets(params)) {
      if (checkpoint < position) continue;
      if (checkpoint > position) {
        await params.replay(position, checkpoint, visit);
        position = checkpoint;
      }
      // Not synced: a snapshot lost to a power failure only means a longer replay next time.
      await this.takeSnapshot(checkpoint, false);
    }
    const expired = this.removeExpiredProducers(this.params.clock.nowMs());
    if (replayed < params.logEndOffset) {
      this.params.logger("info", "loaded producer state", {
        partition: this.params.name,
        snapshotOffset: loadedAt,
        replayedFrom: replayed < params.logEndOffset ? replayed : null,
        logEndOffset: params.logEndOffset,
        producers: this.producers.size,
        expired,
      });
    }
  }

  // ----- snapshots -----

  /**
   * Writes the state as it is now as the snapshot at offset (the caller guarantees the state is
   * exactly the log below offset). Nothing is written at or below the latest snapshot (or the
   * offset where the state is known to be empty), as Kafka skips "not a new offset". The state
   * is captured at the call; the promise settles once the file is written, and with `durable`
   * also fdatasynced (as Kafka forces it; the directory entry is left to the file system, as
   * there). A snapshot torn or lost by a crash fails its size or CRC check when loaded and an
   * older one (or the log) takes its place, so it is written in place, in one write.
   */
  takeSnapshot(offset: number, durable = true): Promise<void> {
    if (offset <= Math.max(this.latestSnapshotOffset ?? -1, this.snapshotFloor)) return Promise.resolve();
    const bytes = encodeProducerSnapshot(this.producers.values());
    this.snapshotOffsets.push(offset);
    return this.enqueueFileWork(async () => {
      try {
        await writeSnapshotFile(this.params.fs, this.snapshotPath(offset), bytes, durable);
      } catch (error) {
        // Not on disk: a reload must not look for it.
        this.snapshotOffsets = this.snapshotOffsets.filter((candidate) => candidate !== offset);
        throw error;
      }
    });
  }

  /** Retention: snapshots below the first segment describe nothing left in the log. */
  deleteSnapshotsBelow(offset: number): Promise<void> {
    return this.deleteSnapshots(this.snapshotOffsets.filter((candidate) => candidate < offset));
  }

  /** Resolves once every snapshot write and deletion asked for so far is done (whatever its outcome). */
  async settled(): Promise<void> {
    await this.fileWork;
  }

  private snapshotPath(offset: number): string {
    return joinPath(this.params.dir, producerSnapshotFileName(offset));
  }

  private enqueueFileWork(task: () => Promise<void>): Promise<void> {
    const run = this.fileWork.then(task);
    this.fileWork = run.catch(() => undefined);
    return run;
  }

  /**
   * Snapshots above the log end hold state of batches the log no longer has (a crash or a
   * truncation took them); ones below the log start describe data retention removed.
   */
  private deleteSnapshotsOutside(logStartOffset: number, logEndOffset: number): Promise<void> {
    return this.deleteSnapshots(this.snapshotOffsets.filter((offset) => offset > logEndOffset || offset < logStartOffset));
  }

  private deleteSnapshots(offsets: readonly number[]): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    const doomed = new Set(offsets);
    this.snapshotOffsets = this.snapshotOffsets.filter((offset) => !doomed.has(offset));
    return this.enqueueFileWork(async () => {
      for (const offset of offsets) {
        try {
          await this.params.fs.unlink(this.snapshotPath(offset));
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
    });
  }

  /** Loads the newest readable snapshot (corrupt ones are deleted on the way); its offset, or null. */
  private async loadLatestSnapshot(): Promise<number | null> {
    await this.fileWork;
    const nowMs = this.params.clock.nowMs();
    const expirationMs = this.params.producerIdExpirationMs();
    while (this.snapshotOffsets.length > 0) {
      const offset = this.snapshotOffsets[this.snapshotOffsets.length - 1];
      const path = this.snapshotPath(offset);
      try {
        const entries = decodeProducerSnapshot(await this.params.fs.readFile(path), path);
        for (const entry of entries) if (!isProducerExpired(entry, nowMs, expirationMs)) this.producers.set(entry.producerId, entry);
        return offset;
      } catch (error) {
        if (!(error instanceof CorruptSnapshotError) && !isNotFound(error)) throw error;
        this.params.logger("warn", "producer state snapshot unusable; trying an older one", {
          partition: this.params.name,
          file: path,
          reason: error instanceof Error ? error.message : String(error),
        });
        await this.deleteSnapshots([offset]);
      }
    }
    return null;
  }
}

async function writeSnapshotFile(fs: FileSystem, path: string, data: Buffer, durable: boolean): Promise<void> {
  const handle = await fs.open(path, "create");
  try {
    await handle.truncate(0);
    await handle.write(data, 0);
    if (durable) await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Where Kafka takes snapshots while rebuilding: the bases of the last two segments and the log
 * end, so a later truncation or unclean stop finds one close by. Ascending, within the log.
 */
function checkpointOffsets(params: RebuildParams): number[] {
  const bases = params.segmentBaseOffsets;
  const candidates = [...bases.slice(-2), params.logEndOffset].filter((offset) => offset >= params.logStartOffset && offset <= params.logEndOffset);
  return [...new Set(candidates)].sort((a, b) => a - b);
}
