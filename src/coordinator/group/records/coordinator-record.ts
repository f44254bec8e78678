// One record of __consumer_offsets as the group coordinator reads and writes it: a typed key and
// a value (null for a tombstone). The int16 at the start of every key says which record it is
// (0/1 offset commit, 2 classic group, 3-8 KIP-848 consumer group); this module maps between
// the typed form and the key/value bytes of a log record. Record types we do not know (share
// and streams groups of newer Kafka versions) decode to null and are skipped by the loader.

import { Reader } from "../../../protocol/primitives/reader.js";
import { assertNever } from "../../../lib/assert.js";
import {
  decodeOffsetCommitKeyFields,
  decodeOffsetCommitValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  isOffsetCommitKeyVersion,
  type OffsetCommitKey,
  type OffsetCommitValue,
} from "./offset-commit-record.js";
import {
  GROUP_METADATA_KEY_VERSION,
  decodeGroupMetadataKeyFields,
  decodeGroupMetadataValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  type GroupMetadataValue,
} from "./group-metadata-record.js";
import {
  ConsumerGroupRecordType,
  decodeConsumerGroupCurrentMemberAssignmentValue,
  decodeConsumerGroupKeyFields,
  decodeConsumerGroupMemberMetadataValue,
  decodeConsumerGroupMetadataValue,
  decodeConsumerGroupPartitionMetadataValue,
  decodeConsumerGroupTargetAssignmentMemberValue,
  decodeConsumerGroupTargetAssignmentMetadataValue,
  encodeConsumerGroupCurrentMemberAssignmentValue,
  encodeConsumerGroupKey,
  encodeConsumerGroupMemberMetadataValue,
  encodeConsumerGroupMetadataValue,
  encodeConsumerGroupPartitionMetadataValue,
  encodeConsumerGroupTargetAssignmentMemberValue,
  encodeConsumerGroupTargetAssignmentMetadataValue,
  isConsumerGroupRecordType,
  type ConsumerGroupCurrentMemberAssignmentValue,
  type ConsumerGroupMemberMetadataValue,
  type ConsumerGroupMetadataValue,
  type ConsumerGroupPartitionMetadataValue,
  type ConsumerGroupTargetAssignmentMemberValue,
  type ConsumerGroupTargetAssignmentMetadataValue,
} from "./consumer-group-records.js";

export type CoordinatorRecord =
  | { readonly type: "OffsetCommit"; readonly key: OffsetCommitKey; readonly value: OffsetCommitValue | null }
  | { readonly type: "GroupMetadata"; readonly groupId: string; readonly value: GroupMetadataValue | null }
  | { readonly type: "ConsumerGroupMetadata"; readonly groupId: string; readonly value: ConsumerGroupMetadataValue | null }
  | {
      readonly type: "ConsumerGroupPartitionMetadata";
      readonly groupId: string;
      readonly value: ConsumerGroupPartitionMetadataValue | null;
    }
  | {
      readonly type: "ConsumerGroupMemberMetadata";
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerGroupMemberMetadataValue | null;
    }
  | {
      readonly type: "ConsumerGroupTargetAssignmentMetadata";
      readonly groupId: string;
      readonly value: ConsumerGroupTargetAssignmentMetadataValue | null;
    }
  | {
      readonly type: "ConsumerGroupTargetAssignmentMember";
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerGroupTargetAssignmentMemberValue | null;
    }
  | {
      readonly type: "ConsumerGroupCurrentMemberAssignment";
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerGroupCurrentMemberAssignmentValue | null;
    };

export interface EncodedCoordinatorRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

function encodeValue<T>(value: T | null, encode: (value: T) => Buffer): Buffer | null {
  return value === null ? null : encode(value);
}

export function encodeCoordinatorRecord(record: CoordinatorRecord): EncodedCoordinatorRecord {
  switch (record.type) {
    case "OffsetCommit":
      return { key: encodeOffsetCommitKey(record.key), value: encodeValue(record.value, (value) => encodeOffsetCommitValue(value)) };
    case "GroupMetadata":
      return { key: encodeGroupMetadataKey(record.groupId), value: encodeValue(record.value, (value) => encodeGroupMetadataValue(value)) };
    case "ConsumerGroupMetadata":
      return {
        key: encodeConsumerGroupKey(ConsumerGroupRecordType.Metadata, record.groupId, null),
        value: encodeValue(record.value, encodeConsumerGroupMetadataValue),
      };
    case "ConsumerGroupPartitionMetadata":
      return {
        key: encodeConsumerGroupKey(ConsumerGroupRecordType.PartitionMetadata, record.groupId, null),
        value: encodeValue(record.value, encodeConsumerGroupPartitionMetadataValue),
      };
    case "ConsumerGroupMemberMetadata":
      return {
        key: encodeConsumerGroupKey(ConsumerGroupRecordType.MemberMetadata, record.groupId, record.memberId),
        value: encodeValue(record.value, encodeConsumerGroupMemberMetadataValue),
      };
    case "ConsumerGroupTargetAssignmentMetadata":
      return {
        key: encodeConsumerGroupKey(ConsumerGroupRecordType.TargetAssignmentMetadata, record.groupId, null),
        value: encodeValue(record.value, encodeConsumerGroupTargetAssignmentMetadataValue),
      };
    case "ConsumerGroupTargetAssignmentMember":
      return {
        key: encodeConsumerGroupKey(ConsumerGroupRecordType.TargetAssignmentMember, record.groupId, record.memberId),
        value: encodeValue(record.value, encodeConsumerGroupTargetAssignmentMemberValue),
      };
    case "ConsumerGroupCurrentMemberAssignment":
      return {
        key: encodeConsumerGroupKey(ConsumerGroupRecordType.CurrentMemberAssignment, record.groupId, record.memberId),
        value: encodeValue(record.value, encodeConsumerGroupCurrentMemberAssignmentValue),
      };
    default:
      return assertNever(record, "unknown coordinator record");
  }
}

function decodeValue<T>(value: Buffer | null, decode: (bytes: Buffer) => T): T | null {
  return value === null ? null : decode(value);
}

/**
 * The typed record for a log record's key and value, or null for a record type this broker does
 * not know. Malformed bytes throw DecodeError.
 */
export function decodeCoordinatorRecord(key: Buffer, value: Buffer | null): CoordinatorRecord | null {
  const reader = new Reader(key);
  const version = reader.int16();
  if (isOffsetCommitKeyVersion(version)) {
    return { type: "OffsetCommit", key: decodeOffsetCommitKeyFields(reader), value: decodeValue(value, decodeOffsetCommitValue) };
  }
  if (version === GROUP_METADATA_KEY_VERSION) {
    return { type: "GroupMetadata", groupId: decodeGroupMetadataKeyFields(reader), value: decodeValue(value, decodeGroupMetadataValue) };
  }
  if (!isConsumerGroupRecordType(version)) return null;
  const { groupId, memberId } = decodeConsumerGroupKeyFields(version, reader);
  switch (version) {
    case ConsumerGroupRecordType.Metadata:
      return { type: "ConsumerGroupMetadata", groupId, value: decodeValue(value, decodeConsumerGroupMetadataValue) };
    case ConsumerGroupRecordType.PartitionMetadata:
      return { type: "ConsumerGroupPartitionMetadata", groupId, value: decodeValue(value, decodeConsumerGroupPartitionMetadataValue) };
    case ConsumerGroupRecordType.MemberMetadata:
      return {
        type: "ConsumerGroupMemberMetadata",
        groupId,
        memberId: memberId ?? "",
        value: decodeValue(value, decodeConsumerGroupMemberMetadataValue),
      };
    case ConsumerGroupRecordType.TargetAssignmentMetadata:
      return {
        type: "ConsumerGroupTargetAssignmentMetadata",
        groupId,
        value: decodeValue(value, decodeConsumerGroupTargetAssignmentMetadataValue),
      };
    case ConsumerGroupRecordType.TargetAssignmentMember:
      return {
        type: "ConsumerGroupTargetAssignmentMember",
        groupId,
        memberId: memberId ?? "",
        value: decodeValue(value, decodeConsumerGroupTargetAssignmentMemberValue),
      };
    case ConsumerGroupRecordType.CurrentMemberAssignment:
      return {
        type: "ConsumerGroupCurrentMemberAssignment",
        groupId,
        memberId: memberId ?? "",
        value: decodeValue(value, decodeConsumerGroupCurrentMemberAssignmentValue),
      };
    default:
      return assertNever(version, "unknown consumer group record type");
  }
}

/** The group a record belongs to (every record of __consumer_offsets belongs to one). */
export function groupIdOf(record: CoordinatorRecord): string {
  return record.type === "OffsetCommit" ? record.key.groupId : record.groupId;
}
