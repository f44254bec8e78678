// The leader epoch cache of one partition (Kafka's LeaderEpochFileCache) and its file,
// `leader-epoch-checkpoint` (checkpoint format: "0", count, then "epoch startOffset" lines).
// Each entry says: from startOffset on, records were written by the leader of this epoch.
// Followers use it (OffsetForLeaderEpoch) to find where their log diverges from the leader's.
//
// Entries are kept in an immutable array replaced on every change, so a snapshot taken before an
// append (to undo it if the write fails) is just a reference. Every change is written to the file
// atomically; writes are serialized and coalesced (the newest state wins).

import type { EpochEntry } from "./checkpoint-file.js";
import { formatEpochCheckpoint, MalformedCheckpointError, parseEpochCheckpoint } from "./checkpoint-file.js";
import type { FileSystem } from "./io/file-system.js";
import { isNotFound, writeFileAtomically } from "./io/file-system.js";

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

export class LeaderEpochCache {
  private entries: readonly EpochEntry[];
  private writing: Promise<void> | null = null;
  private writeAgain = false;
  /** The file may not hold the current entries. */
  private dirty = false;

  private constructor(
    private readonly fs: FileSystem,
    readonly path: string,
    entries: readonly EpochEntry[],
  ) {
    this.entries = entries;
  }

  /** Reads the checkpoint (missing: empty). A malformed file yields an empty cache and `malformed`. */
  static async load(fs: FileSystem, path: string): Promise<{ cache: LeaderEpochCache; malformed: string | null }> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(path);
    } catch (error) {
      if (isNotFound(error)) return { cache: new LeaderEpochCache(fs, path, []), malformed: null };
      throw error;
    }
    try {
      const entries = parseEpochCheckpoint(bytes.toString("utf8"), path);
      for (let index = 1; index < entries.length; index += 1) {
        if (entries[index].epoch <= entries[index - 1].epoch || entries[index].startOffset < entries[index - 1].startOffset) {
          throw new MalformedCheckpointError(`${path}: entries are not increasing`);
        }
      }
      return { cache: new LeaderEpochCache(fs, path, entries), malformed: null };
    } catch (error) {
      if (!(error instanceof MalformedCheckpointError)) throw error;
      return { cache: new LeaderEpochCache(fs, path, []), malformed: error.message };
    }
  }

  static empty(fs: FileSystem, path: string): LeaderEpochCache {
    return new LeaderEpochCache(fs, path, []);
  }

  get epochEntries(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1].epoch;
  }

  /** Quick check for the append path: would assign(epoch, offset) change anything? */
  needsAssign(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const latest = this.entries.length === 0 ? undefined : this.entries[this.entries.length - 1];
    return latest === undefined || epoch !== latest.epoch || startOffset < latest.startOffset;
  }

  /**
   * Records that `epoch` starts at `startOffset`; later or conflicting entries (epoch >= this one, or
   * starting at or after this offset) are removed first. Returns whether anything changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!this.needsAssign(epoch, startOffset) || startOffset < 0) return false;
    const kept = this.entries.filter((entry) => entry.epoch < epoch && entry.startOffset < startOffset);
    kept.push({ epoch, startOffset });
    this.replace(kept);
    return true;
  }

  /** Kafka's endOffsetFor: the largest epoch <= requested and where it ended (OffsetForLeaderEpoch). */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedResult = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH) return undefinedResult;
    if (this.entries.length > 0 && this.latestEpoch === requestedEpoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.entries.find((entry) => entry.epoch > requestedEpoch);
    if (higher === undefined) return undefinedResult;
    let floor: EpochEntry | undefined;
    for (const entry of this.entries) if (entry.epoch <= requestedEpoch) floor = entry;
    if (floor === undefined) return { leaderEpoch: requestedEpoch, endOffset: higher.startOffset };
    return { leaderEpoch: floor.epoch, endOffset: higher.startOffset };
  }

  /** The epoch that wrote `offset`, or UNDEFINED_EPOCH. */
  epochForOffset(offset: number): number {
    let previous = UNDEFINED_EPOCH;
    for (const entry of this.entries) {
      if (entry.startOffset === offset) return entry.epoch;
      if (entry.startOffset > offset) return previous;
      previous = entry.epoch;
    }
    return previous;
  }

  /** Removes entries starting at or after endOffset (log truncated to endOffset). */
  truncateFromEnd(endOffset: number): void {
    if (endOffset < 0 || this.entries.length === 0 || this.entries[this.entries.length - 1].startOffset < endOffset) return;
    this.replace(this.entries.filter((entry) => entry.startOffset < endOffset));
  }

  /** Log start offset moved to startOffset: drop older entries, the last of them now starts there. */
  truncateFromStart(startOffset: number): void {
    const removed = this.entries.filter((entry) => entry.startOffset <= startOffset);
    if (removed.length === 0) return;
    const last = removed[removed.length - 1];
    if (removed.length === 1 && last.startOffset === startOffset) return;
    this.replace([{ epoch: last.epoch, startOffset }, ...this.entries.filter((entry) => entry.startOffset > startOffset)]);
  }

  clear(): void {
    if (this.entries.length > 0) this.replace([]);
  }

  snapshot(): readonly EpochEntry[] {
    return this.entries;
  }

  /** Puts back a snapshot (a failed append is undone). */
  restore(entries: readonly EpochEntry[]): void {
    if (entries !== this.entries) this.replace(entries);
  }

  /** Resolves when the file holds the current entries; throws if writing them failed. */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing.catch(() => {});
    if (this.dirty) {
      this.scheduleWrite();
      if (this.writing !== null) await this.writing;
    }
  }

  private replace(entries: readonly EpochEntry[]): void {
    this.entries = entries;
    this.dirty = true;
    this.scheduleWrite();
  }

  private scheduleWrite(): void {
    if (this.writing !== null) {
      this.writeAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.writeAgain = false;
          const entries = this.entries;
          await writeFileAtomically(this.fs, this.path, formatEpochCheckpoint(entries));
          if (entries === this.entries) this.dirty = false;
        } while (this.writeAgain);
      } finally {
        this.writing = null;
      }
    };
    this.writing = run();
    // Background writes report through flush(); never as an unhandled rejection.
    this.writing.catch(() => {});
  }
}
