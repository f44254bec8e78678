// The committed-offset record of __consumer_offsets, byte for byte as Kafka writes it:
//
//   key   int16 version (0 or 1, the same layout), group string, topic string, partition int32
//   value int16 version, then
//         v0  offset int64, metadata string, commitTimestamp int64
//         v1  offset int64, metadata string, commitTimestamp int64, expireTimestamp int64
//         v2  offset int64, metadata string, commitTimestamp int64
//         v3  offset int64, leaderEpoch int32, metadata string, commitTimestamp int64
//         v4  as v3, flexible (compact string, tagged fields)
//
// Kafka 3.x/4.x writes key version 1 and value version 3, or value version 1 when the commit
// carried an explicit retention time (OffsetCommit v2-v4), so the expiry travels with it. We do
// the same. A null value (tombstone) deletes the offset.

import { Reader } from "../../../protocol/primitives/reader.js";
import { Writer } from "../../../protocol/primitives/writer.js";
import { expectEnd, readString, skipTaggedFields, UnknownRecordVersionError, writeString } from "./record-fields.js";

export const OFFSET_COMMIT_KEY_VERSION = 1;
const OFFSET_COMMIT_KEY_VERSIONS = [0, 1];
const VALUE_VERSION_WITH_EXPIRY = 1;
const VALUE_VERSION_CURRENT = 3;
const VALUE_VERSION_MAX = 4;
const FIRST_FLEXIBLE_VALUE_VERSION = 4;
/** Kafka's RecordBatch.NO_PARTITION_LEADER_EPOCH: the commit named no leader epoch. */
const NO_LEADER_EPOCH = -1;

export interface OffsetCommitKey {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
}

export interface OffsetCommitValue {
  readonly offset: number;
  /** -1 when unknown. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Only set for commits with an explicit retention time (value version 1). */
  readonly expireTimestampMs: number | null;
}

export function isOffsetCommitKeyVersion(version: number): boolean {
  return OFFSET_COMMIT_KEY_VERSIONS.includes(version);
}

export function encodeOffsetCommitKey(key: OffsetCommitKey): Buffer {
  const writer = new Writer(64);
  writer.int16(OFFSET_COMMIT_KEY_VERSION);
  writer.string(key.groupId).string(key.topic).int32(key.partition);
  return writer.toBuffer();
}

/** Reads the key fields after the int16 version, which the caller has read. */
export function decodeOffsetCommitKeyFields(reader: Reader): OffsetCommitKey {
  const groupId = reader.string();
  const topic = reader.string();
  const partition = reader.int32();
  expectEnd(reader, "OffsetCommitKey");
  return { groupId, topic, partition };
}

export function offsetCommitValueVersion(value: OffsetCommitValue): number {
  return value.expireTimestampMs === null ? VALUE_VERSION_CURRENT : VALUE_VERSION_WITH_EXPIRY;
}

export function encodeOffsetCommitValue(value: OffsetCommitValue, version = offsetCommitValueVersion(value)): Buffer {
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const writer = new Writer(64);
  writer.int16(version);
  writer.int64(value.offset);
  if (version >= 3) writer.int32(value.leaderEpoch);
  writeString(writer, value.metadata, flexible);
  writer.int64(value.commitTimestampMs);
  if (version === VALUE_VERSION_WITH_EXPIRY) writer.int64(value.expireTimestampMs ?? -1);
  if (flexible) writer.unsignedVarint(0);
  return writer.toBuffer();
}

export function decodeOffsetCommitValue(bytes: Buffer): OffsetCommitValue {
  const reader = new Reader(bytes);
  const version = reader.int16();
  if (version < 0 || version > VALUE_VERSION_MAX) throw new UnknownRecordVersionError(`unknown OffsetCommitValue version ${version}`);
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const offset = reader.int64();
  const leaderEpoch = version >= 3 ? reader.int32() : NO_LEADER_EPOCH;
  const metadata = readString(reader, flexible);
  const commitTimestampMs = reader.int64();
  let expireTimestampMs: number | null = null;
  if (version === VALUE_VERSION_WITH_EXPIRY) {
    const expire = reader.int64();
    expireTimestampMs = expire === -1 ? null : expire;
  }
  if (flexible) skipTaggedFields(reader);
  expectEnd(reader, `OffsetCommitValue v${version}`);
  return { offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs };
}
