// The classic group record of __consumer_offsets, byte for byte as Kafka writes it:
//
//   key   int16 version = 2, group string
//   value int16 version (0-4), protocolType string, generation int32, protocol nullable string,
//         leader nullable string, currentStateTimestamp int64 (v2+), members array of:
//           memberId string, groupInstanceId nullable string (v3+), clientId string,
//           clientHost string, rebalanceTimeout int32 (v1+), sessionTimeout int32,
//           subscription bytes, assignment bytes
//         v4 is the same, flexible (compact strings/arrays/bytes, tagged fields per struct).
//
// Kafka 2.3+ writes value version 3, as we do. A null value (tombstone) deletes the group.

import { Reader } from "../../../protocol/primitives/reader.js";
import { Writer } from "../../../protocol/primitives/writer.js";
import {
  expectEnd,
  readArray,
  readBytes,
  readNullableString,
  readString,
  skipTaggedFields,
  UnknownRecordVersionError,
  writeArray,
  writeBytes,
  writeNullableString,
  writeString,
} from "./record-fields.js";

export const GROUP_METADATA_KEY_VERSION = 2;
export const GROUP_METADATA_VALUE_VERSION = 3;
const VALUE_VERSION_MAX = 4;
const FIRST_FLEXIBLE_VALUE_VERSION = 4;
const INITIAL_VALUE_BYTES = 256;

export interface GroupMetadataMemberValue {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** -1 when the record (v0) did not carry it. */
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly subscription: Buffer;
  readonly assignment: Buffer;
}

export interface GroupMetadataValue {
  readonly protocolType: string;
  readonly generation: number;
  readonly protocol: string | null;
  readonly leader: string | null;
  /** -1 when unknown (value versions 0 and 1). */
  readonly currentStateTimestampMs: number;
  readonly members: readonly GroupMetadataMemberValue[];
}

export function encodeGroupMetadataKey(groupId: string): Buffer {
  const writer = new Writer(32);
  writer.int16(GROUP_METADATA_KEY_VERSION).string(groupId);
  return writer.toBuffer();
}

export function decodeGroupMetadataKeyFields(reader: Reader): string {
  const groupId = reader.string();
  expectEnd(reader, "GroupMetadataKey");
  return groupId;
}

export function encodeGroupMetadataValue(value: GroupMetadataValue, version = GROUP_METADATA_VALUE_VERSION): Buffer {
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const writer = new Writer(INITIAL_VALUE_BYTES);
  writer.int16(version);
  writeString(writer, value.protocolType, flexible);
  writer.int32(value.generation);
  writeNullableString(writer, value.protocol, flexible);
  writeNullableString(writer, value.leader, flexible);
  if (version >= 2) writer.int64(value.currentStateTimestampMs);
  writeArray(writer, value.members, flexible, (member) => {
    writeString(writer, member.memberId, flexible);
    if (version >= 3) writeNullableString(writer, member.groupInstanceId, flexible);
    writeString(writer, member.clientId, flexible);
    writeString(writer, member.clientHost, flexible);
    if (version >= 1) writer.int32(member.rebalanceTimeoutMs);
    writer.int32(member.sessionTimeoutMs);
    writeBytes(writer, member.subscription, flexible);
    writeBytes(writer, member.assignment, flexible);
    if (flexible) writer.unsignedVarint(0);
  });
  if (flexible) writer.unsignedVarint(0);
  return writer.toBuffer();
}

export function decodeGroupMetadataValue(bytes: Buffer): GroupMetadataValue {
  const reader = new Reader(bytes);
  const version = reader.int16();
  if (version < 0 || version > VALUE_VERSION_MAX) throw new UnknownRecordVersionError(`unknown GroupMetadataValue version ${version}`);
  const flexible = version >= FIRST_FLEXIBLE_VALUE_VERSION;
  const protocolType = readString(reader, flexible);
  const generation = reader.int32();
  const protocol = readNullableString(reader, flexible);
  const leader = readNullableString(reader, flexible);
  const currentStateTimestampMs = version >= 2 ? reader.int64() : -1;
  const members = readArray(reader, flexible, (): GroupMetadataMemberValue => {
    const memberId = readString(reader, flexible);
    const groupInstanceId = version >= 3 ? readNullableString(reader, flexible) : null;
    const clientId = readString(reader, flexible);
    const clientHost = readString(reader, flexible);
    const rebalanceTimeoutMs = version >= 1 ? reader.int32() : -1;
    const sessionTimeoutMs = reader.int32();
    const subscription = readBytes(reader, flexible);
    const assignment = readBytes(reader, flexible);
    if (flexible) skipTaggedFields(reader);
    return { memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs, sessionTimeoutMs, subscription, assignment };
  });
  if (flexible) skipTaggedFields(reader);
  expectEnd(reader, `GroupMetadataValue v${version}`);
  return { protocolType, generation, protocol, leader, currentStateTimestampMs, members };
}
