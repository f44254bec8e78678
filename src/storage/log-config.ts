// The typed settings one partition log runs with: Kafka's topic-level configs (retention.ms,
// segment.bytes, ...) after broker defaults and topic overrides are resolved by src/config.
// Storage reads only this; it never parses config names itself.

export type CleanupPolicy = "delete" | "compact" | "compact,delete";
export type TimestampTypeName = "CreateTime" | "LogAppendTime";

export interface LogConfig {
  /** segment.bytes: roll the active segment when it would exceed this size. */
  readonly segmentBytes: number;
  /** segment.ms: roll when the active segment's first record is older than this. */
  readonly segmentMs: number;
  /** segment.jitter.ms: random amount subtracted from segmentMs per segment, to spread rolls. */
  readonly segmentJitterMs: number;
  /** segment.index.bytes: size the .index and .timeindex files are preallocated to. */
  readonly segmentIndexBytes: number;
  /** index.interval.bytes: bytes appended between two sparse index entries. */
  readonly indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest record is older than this; -1 keeps forever. */
  readonly retentionMs: number;
  /** retention.bytes: delete oldest segments while the partition is larger; -1 is no limit. */
  readonly retentionBytes: number;
  /** flush.messages: fsync after this many messages; Number.MAX_SAFE_INTEGER leaves it to the OS. */
  readonly flushMessages: number;
  /** flush.ms: fsync when unflushed data is older than this; Number.MAX_SAFE_INTEGER leaves it to the OS. */
  readonly flushMs: number;
  /** max.message.bytes: the largest record batch (after compression) the log accepts. */
  readonly maxMessageBytes: number;
  /** message.timestamp.type */
  readonly messageTimestampType: TimestampTypeName;
  /** message.timestamp.before.max.ms: how far in the past a CreateTime timestamp may be. */
  readonly messageTimestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms: how far in the future a CreateTime timestamp may be. */
  readonly messageTimestampAfterMaxMs: number;
  /** file.delete.delay.ms: how long a segment renamed .deleted is kept before removal. */
  readonly fileDeleteDelayMs: number;
  /** cleanup.policy */
  readonly cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long tombstones are kept in a compacted log. */
  readonly deleteRetentionMs: number;
  /** min.compaction.lag.ms */
  readonly minCompactionLagMs: number;
  /** max.compaction.lag.ms */
  readonly maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio */
  readonly minCleanableDirtyRatio: number;
  /** preallocate: preallocate segment files (accepted; the OS allocates lazily either way). */
  readonly preallocate: boolean;
}

const LONG_MAX_AS_NUMBER = Number.MAX_SAFE_INTEGER;

/** Apache Kafka 4.0's defaults for every topic-level setting above. */
export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentJitterMs: 0,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  flushMessages: LONG_MAX_AS_NUMBER,
  flushMs: LONG_MAX_AS_NUMBER,
  maxMessageBytes: 1048588,
  messageTimestampType: "CreateTime",
  messageTimestampBeforeMaxMs: LONG_MAX_AS_NUMBER,
  messageTimestampAfterMaxMs: 3600000,
  fileDeleteDelayMs: 60000,
  cleanupPolicy: "delete",
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: LONG_MAX_AS_NUMBER,
  minCleanableDirtyRatio: 0.5,
  preallocate: false,
});
