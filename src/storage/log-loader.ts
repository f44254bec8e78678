// Opens one partition directory at start-up (Kafka's LogLoader). Recovery is this one explicit
// step:
//
// 1. Leftovers of interrupted work are removed: `.deleted` segments (retention or truncation that
//    had not unlinked yet), `.cleaned`/`.swap` (compaction output; no cleaner yet), `.tmp` files
//    (checkpoints being replaced), index files whose .log is gone.
// 2. Segments are listed from their file names and sizes only; their indexes are opened lazily.
// 3. After an unclean stop (no clean-shutdown marker), every segment from the one holding the
//    recovery point on is rescanned: each batch's size, magic, CRC and offsets checked, indexes
//    rebuilt, and the log cut at the first invalid byte (a torn or corrupt tail), with later
//    segments deleted. Each cut is logged with the segment, position, bytes removed and reason.
// 4. After a clean stop only the active segment's tail is read (from its last index entry) to find
//    the log end offset; if that tail is not whole, the segment is recovered after all.
// 5. The leader epoch cache is read and trimmed to [log start offset, log end offset).
// The producer state snapshots found on the way are listed for the producer state manager, which
// loads them (and replays the log after them) once the log is open: see producer-state-manager.ts.

import type { Clock } from "../lib/clock.js";
import { LeaderEpochCache } from "./leader-epoch-cache.js";
import type { FileSystem } from "./io/file-system.js";
import { isNotFound, joinPath } from "./io/file-system.js";
import type { LogConfig } from "./log-config.js";
import {
  CLEANED_FILE_SUFFIX,
  DELETED_FILE_SUFFIX,
  INDEX_FILE_SUFFIX,
  LEADER_EPOCH_CHECKPOINT_FILE,
  LOG_FILE_SUFFIX,
  parseSegmentFileName,
  PRODUCER_SNAPSHOT_FILE_SUFFIX,
  SWAP_FILE_SUFFIX,
  TIME_INDEX_FILE_SUFFIX,
  TMP_FILE_SUFFIX,
  TXN_INDEX_FILE_SUFFIX,
} from "./log-file-names.js";
import type { SegmentContext } from "./log-segment.js";
import { LogSegment } from "./log-segment.js";
import type { StorageLogger } from "./logger.js";

export interface LoadLogParams {
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  readonly dir: string;
  readonly name: string;
  readonly config: LogConfig;
  /** From recovery-point-offset-checkpoint; 0 when absent. */
  readonly recoveryPoint: number;
  /** From log-start-offset-checkpoint; null when absent. */
  readonly logStartOffset: number | null;
  readonly hadCleanShutdown: boolean;
  readonly random: () => number;
}

export interface LoadedLog {
  readonly context: SegmentContext;
  readonly segments: LogSegment[];
  readonly nextOffset: number;
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
  readonly epochCache: LeaderEpochCache;
  /** Bytes cut from the log by recovery (0 when none). */
  readonly truncatedBytes: number;
  /** Offsets of the producer state snapshot files in the directory, ascending. */
  readonly producerSnapshotOffsets: readonly number[];
}

const SEGMENT_FILE_KINDS = new Set([LOG_FILE_SUFFIX, INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX]);

function jitter(config: LogConfig, random: () => number): number {
  if (config.segmentJitterMs <= 0) return 0;
  return Math.floor(random() * Math.min(config.segmentJitterMs, config.segmentMs));
}

async function unlinkQuietly(fs: FileSystem, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function loadLog(params: LoadLogParams): Promise<LoadedLog> {
  const { fs, logger, dir, name, config } = params;
  const context: SegmentContext = { fs, clock: params.clock, logger, dir, name };
  const names = await fs.readdir(dir);
  const logFiles = new Map<number, string>();
  const indexNames = new Set<string>();
  const producerSnapshotOffsets: number[] = [];
  for (const fileName of names) {
    if (fileName.endsWith(TMP_FILE_SUFFIX) || fileName.endsWith(DELETED_FILE_SUFFIX) || fileName.endsWith(CLEANED_FILE_SUFFIX)) {
      await unlinkQuietly(fs, joinPath(dir, fileName));
      continue;
    }
    if (fileName.endsWith(SWAP_FILE_SUFFIX)) {
      logger("warn", "removing a compaction swap file (no log cleaner in this version)", { partition: name, file: fileName });
      await unlinkQuietly(fs, joinPath(dir, fileName));
      continue;
    }
    const parsed = parseSegmentFileName(fileName);
    if (parsed !== undefined && parsed.suffix === "" && parsed.kind === PRODUCER_SNAPSHOT_FILE_SUFFIX) producerSnapshotOffsets.push(parsed.baseOffset);
    if (parsed === undefined || parsed.suffix !== "" || !SEGMENT_FILE_KINDS.has(parsed.kind)) continue;
    if (parsed.kind === LOG_FILE_SUFFIX) logFiles.set(parsed.baseOffset, fileName);
    else indexNames.add(fileName);
  }
  for (const indexName of indexNames) {
    const parsed = parseSegmentFileName(indexName);
    if (parsed !== undefined && !logFiles.has(parsed.baseOffset)) {
      logger("info", "removing an index file without its log file", { partition: name, file: indexName });
      await unlinkQuietly(fs, joinPath(dir, indexName));
    }
  }

  const baseOffsets = [...logFiles.keys()].sort((a, b) => a - b);
  const sizes = await Promise.all(baseOffsets.map(async (baseOffset) => (await fs.stat(joinPath(dir, logFiles.get(baseOffset)!))).sizeBytes));
  let segments = baseOffsets.map((baseOffset, index) => LogSegment.existing(context, baseOffset, sizes[index], config.segmentIndexBytes, config.indexIntervalBytes, jitter(config, params.random)));

  const epochPath = joinPath(dir, LEADER_EPOCH_CHECKPOINT_FILE);
  const { cache: epochCache, malformed } = await LeaderEpochCache.load(fs, epochPath);
  if (malformed !== null) logger("warn", "leader epoch checkpoint is malformed; rebuilding it from the log", { partition: name, reason: malformed });

  if (segments.length === 0) {
    segments = [await LogSegment.create(context, Math.max(0, params.logStartOffset ?? 0), config.segmentIndexBytes, config.indexIntervalBytes, jitter(config, params.random))];
    return {
      context,
      segments,
      nextOffset: segments[0].baseOffset,
      recoveryPoint: segments[0].baseOffset,
      logStartOffset: segments[0].baseOffset,
      epochCache,
      truncatedBytes: 0,
      producerSnapshotOffsets: producerSnapshotOffsets.sort((a, b) => a - b),
    };
  }

  let truncatedBytes = 0;
  let needsRecoveryFrom = -1;
  if (!params.hadCleanShutdown || malformed !== null) {
    needsRecoveryFrom = params.hadCleanShutdown ? 0 : floorIndex(segments, params.recoveryPoint);
  } else {
    const active = segments[segments.length - 1];
    const next = await active.readNextOffset();
    if (next === null) {
      logger("warn", "active segment tail is not whole after a clean shutdown; recovering it", { partition: name, segment: active.logPath });
      needsRecoveryFrom = segments.length - 1;
    }
  }
  if (needsRecoveryFrom >= 0) {
    const observe = (epoch: number, baseOffset: number): void => {
      if (epoch > epochCache.latestEpoch) epochCache.assign(epoch, baseOffset);
    };
    logger("info", "recovering unflushed segments", { partition: name, fromSegment: segments[needsRecoveryFrom].baseOffset, segments: segments.length - needsRecoveryFrom });
    for (let index = needsRecoveryFrom; index < segments.length; index += 1) {
      const segment = segments[index];
      const result = await segment.recover(config.indexIntervalBytes, config.segmentIndexBytes, observe);
      if (result.truncatedBytes > 0) {
        truncatedBytes += result.truncatedBytes;
        const dropped = segments.slice(index + 1);
        logger("warn", "corrupt or torn data at the end of the log; truncated", {
          partition: name,
          segment: segment.logPath,
          position: result.validBytes,
          truncatedBytes: result.truncatedBytes,
          reason: result.invalidReason,
          logEndOffset: result.nextOffset,
          deletedSegments: dropped.map((later) => later.baseOffset),
        });
        for (const later of dropped) {
          await later.markDeleted(DELETED_FILE_SUFFIX);
          await later.deleteFiles();
        }
        if (dropped.length > 0) await fs.fsyncDirectory(dir);
        segments = segments.slice(0, index + 1);
        break;
      }
    }
  }
  const active = segments[segments.length - 1];
  const next = await active.readNextOffset();
  if (next === null) throw new Error(`segment ${active.logPath} is still unreadable after recovery`);
  const nextOffset = next;
  await active.prepareForAppends(config.segmentIndexBytes);

  const firstBase = segments[0].baseOffset;
  const logStartOffset = Math.max(params.logStartOffset ?? firstBase, firstBase);
  const recoveryPoint = params.hadCleanShutdown && needsRecoveryFrom < 0 ? nextOffset : Math.min(params.recoveryPoint, nextOffset);
  epochCache.truncateFromEnd(nextOffset);
  epochCache.truncateFromStart(logStartOffset);
  return { context, segments, nextOffset, recoveryPoint, logStartOffset, epochCache, truncatedBytes, producerSnapshotOffsets: producerSnapshotOffsets.sort((a, b) => a - b) };
}

/** Index of the segment holding offset (the first one when offset is below all). */
function floorIndex(segments: readonly LogSegment[], offset: number): number {
  let found = 0;
  for (let index = 0; index < segments.length; index += 1) if (segments[index].baseOffset <= offset) found = index;
  return found;
}
