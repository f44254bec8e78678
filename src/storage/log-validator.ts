// Checks a produced (or replicated) buffer of record batches before anything is written, and
// assigns offsets in place (Kafka's LogValidator, at the batch-header level). Nothing here looks at
// individual records: per-record checks (keys on compacted topics, per-record timestamps and offset
// deltas, the insides of compressed batches) need the record decoder and are left to an optional
// hook the broker can install (RecordValidator), so the hot path stays O(batches).
//
// What is checked, per batch:
// - structure: whole batches end to end, batchLength covering at least the 61-byte header, magic 2
//   (magic 0/1 are refused as INVALID_RECORD, as Kafka 4 does for produce v3+);
// - CRC-32C over [attributes, end);
// - leader appends from clients: size <= max.message.bytes, recordCount > 0 and equal to
//   lastOffsetDelta + 1, no control batches, a sequence for every producer id and a producer id
//   below 2^53, CreateTime timestamps (first and max) within message.timestamp.before/after.max.ms
//   of now;
// - the whole append <= segment.bytes (RECORD_LIST_TOO_LARGE);
// - replicated appends: offsets strictly increasing across batches.
// Whether any batch carries a producer id is noted on the way (one read per batch), so appends
// from producers without idempotence skip the producer state entirely.

import { assert } from "../lib/assert.js";
import {
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_LENGTH_OFFSET,
  CONTROL_FLAG_MASK,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  setLogAppendTime,
  TIMESTAMP_TYPE_MASK,
} from "../protocol/records/batch-header.js";
import type { BatchCursor } from "./batch-cursor.js";
import { LogValidationError } from "./errors.js";
import type { LogConfig } from "./log-config.js";

export type AppendOrigin =
  /** A producer: full validation; offsets, leader epoch and LogAppendTime are set by the log. */
  | "client"
  /** The broker's own coordinators (groups, transactions): may write control batches. */
  | "coordinator"
  /** A follower copying the leader: offsets and epochs are kept as the leader assigned them. */
  | "replication";

/** Optional deep check of one batch (records decoded); throw LogValidationError to refuse it. */
export type RecordValidator = (batch: Buffer, origin: AppendOrigin, config: LogConfig) => void;

export interface AppendAnalysis {
  readonly batchCount: number;
  /** Sum of the batches' recordCount fields. */
  readonly recordCount: number;
  /** Offsets the append occupies: sum of lastOffsetDelta + 1. */
  readonly offsetCount: number;
  readonly sizeBytes: number;
  /** Largest batch max timestamp (before any LogAppendTime rewrite). */
  readonly maxTimestamp: number;
  /** Replicated appends: first base offset and last offset as sent; -1 otherwise. */
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Some batch has a producer id (>= 0): the producer state must see the append. */
  readonly hasProducerIds: boolean;
}

const NO_TIMESTAMP = -1;
const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word of an int64 that is still a safe integer (2^53 / 2^32): producer ids are numbers. */
const MAX_SAFE_HIGH_WORD = 0x20_0000;

function timestampOutOfBounds(timestamp: number, nowMs: number, config: LogConfig): boolean {
  if (timestamp === NO_TIMESTAMP) return false;
  return timestamp - nowMs > config.messageTimestampAfterMaxMs || nowMs - timestamp > config.messageTimestampBeforeMaxMs;
}

function refuse(kind: ConstructorParameters<typeof LogValidationError>[0], message: string, batchIndex: number): never {
  throw new LogValidationError(kind, message, batchIndex);
}

/** Validates `records` (throws LogValidationError); does not modify it. */
export function analyzeAppend(
  records: Buffer,
  cursor: BatchCursor,
  origin: AppendOrigin,
  config: LogConfig,
  nowMs: number,
  recordValidator?: RecordValidator,
): AppendAnalysis {
  const fromLeaderSide = origin !== "replication";
  const checkCreateTime = fromLeaderSide && config.messageTimestampType === "CreateTime";
  cursor.reset(records);
  let batchCount = 0;
  let recordCount = 0;
  let offsetCount = 0;
  let maxTimestamp = NO_TIMESTAMP;
  let firstOffset = -1;
  let lastOffset = -1;
  let hasProducerIds = false;
  for (;;) {
    const status = cursor.next();
    if (status === "end") break;
    const index = batchCount;
    if (status !== "batch") {
      const magicAt = cursor.batchPosition + MAGIC_OFFSET;
      const magic = magicAt < records.length ? records.readInt8(magicAt) : -1;
      if (magic >= 0 && magic < CURRENT_MAGIC) {
        refuse("invalid-record", `batch ${index} has magic ${magic}; only magic ${CURRENT_MAGIC} record batches are accepted`, index);
      }
      if (status === "incomplete") refuse("corrupt-message", `batch ${index} is truncated (${records.length - cursor.batchPosition} bytes left)`, index);
      refuse("corrupt-message", `batch ${index} is malformed: ${cursor.corruptReason}`, index);
    }
    if (fromLeaderSide && cursor.sizeBytes > config.maxMessageBytes) {
      refuse("message-too-large", `batch ${index} is ${cursor.sizeBytes} bytes, above max.message.bytes ${config.maxMessageBytes}`, index);
    }
    if (!cursor.isCrcValid()) refuse("corrupt-message", `batch ${index} fails its CRC-32C check`, index);
    if (origin === "client") {
      if (cursor.recordCount <= 0) refuse("invalid-record", `batch ${index} reports ${cursor.recordCount} records`, index);
      if (cursor.lastOffsetDelta + 1 !== cursor.recordCount) {
        refuse("invalid-record", `batch ${index} has lastOffsetDelta ${cursor.lastOffsetDelta} but ${cursor.recordCount} records`, index);
      }
      if ((cursor.attributes & CONTROL_FLAG_MASK) !== 0) refuse("invalid-record", `batch ${index} is a control batch; clients may not write those`, index);
      const at = cursor.batchPosition;
      const producerIdHigh = records.readInt32BE(at + PRODUCER_ID_OFFSET);
      if (producerIdHigh >= 0 && records.readInt32BE(at + BASE_SEQUENCE_OFFSET) < 0) {
        refuse("invalid-record", `batch ${index} has a producer id but no sequence number`, index);
      }
      if (producerIdHigh >= MAX_SAFE_HIGH_WORD) refuse("invalid-record", `batch ${index} has a producer id beyond 2^53, which no broker hands out`, index);
    }
    if (records.readInt32BE(cursor.batchPosition + PRODUCER_ID_OFFSET) >= 0) hasProducerIds = true;
    if (
      checkCreateTime &&
      (cursor.attributes & TIMESTAMP_TYPE_MASK) === 0 &&
      (timestampOutOfBounds(cursor.baseTimestamp, nowMs, config) || timestampOutOfBounds(cursor.maxTimestamp, nowMs, config))
    ) {
      refuse(
        "invalid-timestamp",
        `batch ${index} timestamps [${cursor.baseTimestamp}, ${cursor.maxTimestamp}] are outside [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms]`,
        index,
      );
    }
    if (origin === "replication") {
      if (cursor.baseOffset <= lastOffset) refuse("unexpected-offset", `batch ${index} base offset ${cursor.baseOffset} does not follow ${lastOffset}`, index);
      if (firstOffset < 0) firstOffset = cursor.baseOffset;
      lastOffset = cursor.lastOffset;
    }
    if (recordValidator !== undefined) recordValidator(cursor.batchBytes(), origin, config);
    if (cursor.maxTimestamp > maxTimestamp) maxTimestamp = cursor.maxTimestamp;
    batchCount += 1;
    recordCount += cursor.recordCount;
    offsetCount += cursor.lastOffsetDelta + 1;
  }
  if (records.length > config.segmentBytes) {
    refuse("record-list-too-large", `append of ${records.length} bytes exceeds segment.bytes ${config.segmentBytes}`, -1);
  }
  return { batchCount, recordCount, offsetCount, sizeBytes: records.length, maxTimestamp, firstOffset, lastOffset, hasProducerIds };
}

/**
 * Leader appends: sets each batch's base offset (consecutive from firstOffset) and partition leader
 * epoch in place, and with LogAppendTime its max timestamp and timestamp type (which, being
 * CRC-covered, recomputes the CRC). Returns the last offset assigned. `records` was validated by
 * analyzeAppend, so only the two header fields needed to walk it are read.
 */
export function assignOffsetsInPlace(records: Buffer, firstOffset: number, leaderEpoch: number, logAppendTimeMs: number): number {
  let next = firstOffset;
  let position = 0;
  while (position < records.length) {
    const sizeBytes = records.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    const high = Math.floor(next / TWO_POW_32);
    records.writeInt32BE(high, position + BASE_OFFSET_OFFSET);
    records.writeUInt32BE(next - high * TWO_POW_32, position + BASE_OFFSET_OFFSET + 4);
    records.writeInt32BE(leaderEpoch, position + PARTITION_LEADER_EPOCH_OFFSET);
    if (logAppendTimeMs >= 0) setLogAppendTime(records.subarray(position, position + sizeBytes), logAppendTimeMs);
    next += records.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET) + 1;
    position += sizeBytes;
  }
  assert(position === records.length, "offset assignment ran over a buffer that was not validated");
  return next - 1;
}
