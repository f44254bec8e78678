// The KIP-848 consumer group records of __consumer_offsets, byte for byte as Kafka 3.7-4.x
// writes them. Keys are non-flexible; their int16 "version" is the record type:
//
//   3 ConsumerGroupMetadataKey                 group string
//   4 ConsumerGroupPartitionMetadataKey        group string
//   5 ConsumerGroupMemberMetadataKey           group string, member string
//   6 ConsumerGroupTargetAssignmentMetadataKey group string
//   7 ConsumerGroupTargetAssignmentMemberKey   group string, member string
//   8 ConsumerGroupCurrentMemberAssignmentKey  group string, member string
//
// Values are version 0 and flexible (compact strings/arrays, tagged fields after every struct):
//
//   ConsumerGroupMetadataValue                 epoch int32
//   ConsumerGroupPartitionMetadataValue        topics [topicId uuid, topicName string,
//                                              numPartitions int32, partitionMetadata
//                                              [partition int32, racks [string]]]
//   ConsumerGroupMemberMetadataValue           instanceId string?, rackId string?, clientId,
//                                              clientHost, subscribedTopicNames [string],
//                                              subscribedTopicRegex string?, rebalanceTimeoutMs
//                                              int32, serverAssignor string?; tag 0 holds the
//                                              classic-protocol metadata of upgraded members
//   ConsumerGroupTargetAssignmentMetadataValue assignmentEpoch int32
//   ConsumerGroupTargetAssignmentMemberValue   topicPartitions [topicId uuid, partitions [int32]]
//   ConsumerGroupCurrentMemberAssignmentValue  memberEpoch int32, previousMemberEpoch int32,
//                                              state int8, assignedPartitions [topicId uuid,
//                                              partitions [int32]], partitionsPendingRevocation
//                                              (same)
//
// Tagged fields newer Kafka versions add (metadata hash, creation time, classic member
// metadata) are skipped on read and never written: we run no mixed classic/consumer groups.

import { Reader } from "../../../protocol/primitives/reader.js";
import { Writer } from "../../../protocol/primitives/writer.js";
import {
  expectEnd,
  readArray,
  readNullableString,
  readString,
  skipTaggedFields,
  UnknownRecordVersionError,
  writeArray,
  writeNoTaggedFields,
  writeNullableString,
  writeString,
} from "./record-fields.js";

export const ConsumerGroupRecordType = {
  Metadata: 3,
  PartitionMetadata: 4,
  MemberMetadata: 5,
  TargetAssignmentMetadata: 6,
  TargetAssignmentMember: 7,
  CurrentMemberAssignment: 8,
} as const;
export type ConsumerGroupRecordType = (typeof ConsumerGroupRecordType)[keyof typeof ConsumerGroupRecordType];

const VALUE_VERSION = 0;
const FLEXIBLE = true;
const INITIAL_VALUE_BYTES = 128;

export interface TopicPartitionsValue {
  readonly topicId: string;
  readonly partitions: readonly number[];
}

export interface ConsumerGroupMetadataValue {
  readonly epoch: number;
}

export interface PartitionMetadataTopicValue {
  readonly topicId: string;
  readonly topicName: string;
  readonly numPartitions: number;
}

export interface ConsumerGroupPartitionMetadataValue {
  readonly topics: readonly PartitionMetadataTopicValue[];
}

export interface ConsumerGroupMemberMetadataValue {
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly serverAssignor: string | null;
}

export interface ConsumerGroupTargetAssignmentMetadataValue {
  readonly assignmentEpoch: number;
}

export interface ConsumerGroupTargetAssignmentMemberValue {
  readonly topicPartitions: readonly TopicPartitionsValue[];
}

export interface ConsumerGroupCurrentMemberAssignmentValue {
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  /** MemberState: 0 stable, 1 unrevoked partitions, 2 unreleased partitions, 127 unknown. */
  readonly state: number;
  readonly assignedPartitions: readonly TopicPartitionsValue[];
  readonly partitionsPendingRevocation: readonly TopicPartitionsValue[];
}

export function isConsumerGroupRecordType(version: number): version is ConsumerGroupRecordType {
  return version >= ConsumerGroupRecordType.Metadata && version <= ConsumerGroupRecordType.CurrentMemberAssignment;
}

/** Whether the key of this record type names a member as well as the group. */
export function hasMemberKey(type: ConsumerGroupRecordType): boolean {
  return (
    type === ConsumerGroupRecordType.MemberMetadata ||
    type === ConsumerGroupRecordType.TargetAssignmentMember ||
    type === ConsumerGroupRecordType.CurrentMemberAssignment
  );
}

export function encodeConsumerGroupKey(type: ConsumerGroupRecordType, groupId: string, memberId: string | null): Buffer {
  const writer = new Writer(64);
  writer.int16(type).string(groupId);
  if (hasMemberKey(type)) writer.string(memberId ?? "");
  return writer.toBuffer();
}

export function decodeConsumerGroupKeyFields(type: ConsumerGroupRecordType, reader: Reader): { groupId: string; memberId: string | null } {
  const groupId = reader.string();
  const memberId = hasMemberKey(type) ? reader.string() : null;
  expectEnd(reader, `consumer group key type ${type}`);
  return { groupId, memberId };
}

function startValue(): Writer {
  const writer = new Writer(INITIAL_VALUE_BYTES);
  writer.int16(VALUE_VERSION);
  return writer;
}

function finishValue(writer: Writer): Buffer {
  writeNoTaggedFields(writer);
  return writer.toBuffer();
}

function openValue(bytes: Buffer, name: string): Reader {
  const reader = new Reader(bytes);
  const version = reader.int16();
  // Kafka may add versions later; version 0 is all 4.x writes.
  if (version !== VALUE_VERSION) throw new UnknownRecordVersionError(`unknown ${name} version ${version}`);
  return reader;
}

function closeValue(reader: Reader, name: string): void {
  skipTaggedFields(reader);
  expectEnd(reader, name);
}

function writeTopicPartitions(writer: Writer, topics: readonly TopicPartitionsValue[]): void {
  writeArray(writer, topics, FLEXIBLE, (topic) => {
    writer.uuid(topic.topicId);
    writeArray(writer, topic.partitions, FLEXIBLE, (partition) => writer.int32(partition));
    writeNoTaggedFields(writer);
  });
}

function readTopicPartitions(reader: Reader): TopicPartitionsValue[] {
  return readArray(reader, FLEXIBLE, () => {
    const topicId = reader.uuid();
    const partitions = readArray(reader, FLEXIBLE, () => reader.int32());
    skipTaggedFields(reader);
    return { topicId, partitions };
  });
}

export function encodeConsumerGroupMetadataValue(value: ConsumerGroupMetadataValue): Buffer {
  const writer = startValue();
  writer.int32(value.epoch);
  return finishValue(writer);
}

export function decodeConsumerGroupMetadataValue(bytes: Buffer): ConsumerGroupMetadataValue {
  const reader = openValue(bytes, "ConsumerGroupMetadataValue");
  const epoch = reader.int32();
  closeValue(reader, "ConsumerGroupMetadataValue");
  return { epoch };
}

export function encodeConsumerGroupPartitionMetadataValue(value: ConsumerGroupPartitionMetadataValue): Buffer {
  const writer = startValue();
  writeArray(writer, value.topics, FLEXIBLE, (topic) => {
    writer.uuid(topic.topicId);
    writeString(writer, topic.topicName, FLEXIBLE);
    writer.int32(topic.numPartitions);
    // Per-partition racks: Kafka 4.0 stopped using them and writes an empty list.
    writeArray(writer, [], FLEXIBLE, () => undefined);
    writeNoTaggedFields(writer);
  });
  return finishValue(writer);
}

export function decodeConsumerGroupPartitionMetadataValue(bytes: Buffer): ConsumerGroupPartitionMetadataValue {
  const reader = openValue(bytes, "ConsumerGroupPartitionMetadataValue");
  const topics = readArray(reader, FLEXIBLE, (): PartitionMetadataTopicValue => {
    const topicId = reader.uuid();
    const topicName = readString(reader, FLEXIBLE);
    const numPartitions = reader.int32();
    readArray(reader, FLEXIBLE, () => {
      reader.int32();
      readArray(reader, FLEXIBLE, () => readString(reader, FLEXIBLE));
      skipTaggedFields(reader);
    });
    skipTaggedFields(reader);
    return { topicId, topicName, numPartitions };
  });
  closeValue(reader, "ConsumerGroupPartitionMetadataValue");
  return { topics };
}

export function encodeConsumerGroupMemberMetadataValue(value: ConsumerGroupMemberMetadataValue): Buffer {
  const writer = startValue();
  writeNullableString(writer, value.instanceId, FLEXIBLE);
  writeNullableString(writer, value.rackId, FLEXIBLE);
  writeString(writer, value.clientId, FLEXIBLE);
  writeString(writer, value.clientHost, FLEXIBLE);
  writeArray(writer, value.subscribedTopicNames, FLEXIBLE, (name) => writeString(writer, name, FLEXIBLE));
  writeNullableString(writer, value.subscribedTopicRegex, FLEXIBLE);
  writer.int32(value.rebalanceTimeoutMs);
  writeNullableString(writer, value.serverAssignor, FLEXIBLE);
  return finishValue(writer);
}

export function decodeConsumerGroupMemberMetadataValue(bytes: Buffer): ConsumerGroupMemberMetadataValue {
  const reader = openValue(bytes, "ConsumerGroupMemberMetadataValue");
  const instanceId = readNullableString(reader, FLEXIBLE);
  const rackId = readNullableString(reader, FLEXIBLE);
  const clientId = readString(reader, FLEXIBLE);
  const clientHost = readString(reader, FLEXIBLE);
  const subscribedTopicNames = readArray(reader, FLEXIBLE, () => readString(reader, FLEXIBLE));
  const subscribedTopicRegex = readNullableString(reader, FLEXIBLE);
  const rebalanceTimeoutMs = reader.int32();
  const serverAssignor = readNullableString(reader, FLEXIBLE);
  closeValue(reader, "ConsumerGroupMemberMetadataValue");
  return { instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor };
}

export function encodeConsumerGroupTargetAssignmentMetadataValue(value: ConsumerGroupTargetAssignmentMetadataValue): Buffer {
  const writer = startValue();
  writer.int32(value.assignmentEpoch);
  return finishValue(writer);
}

export function decodeConsumerGroupTargetAssignmentMetadataValue(bytes: Buffer): ConsumerGroupTargetAssignmentMetadataValue {
  const reader = openValue(bytes, "ConsumerGroupTargetAssignmentMetadataValue");
  const assignmentEpoch = reader.int32();
  closeValue(reader, "ConsumerGroupTargetAssignmentMetadataValue");
  return { assignmentEpoch };
}

export function encodeConsumerGroupTargetAssignmentMemberValue(value: ConsumerGroupTargetAssignmentMemberValue): Buffer {
  const writer = startValue();
  writeTopicPartitions(writer, value.topicPartitions);
  return finishValue(writer);
}

export function decodeConsumerGroupTargetAssignmentMemberValue(bytes: Buffer): ConsumerGroupTargetAssignmentMemberValue {
  const reader = openValue(bytes, "ConsumerGroupTargetAssignmentMemberValue");
  const topicPartitions = readTopicPartitions(reader);
  closeValue(reader, "ConsumerGroupTargetAssignmentMemberValue");
  return { topicPartitions };
}

export function encodeConsumerGroupCurrentMemberAssignmentValue(value: ConsumerGroupCurrentMemberAssignmentValue): Buffer {
  const writer = startValue();
  writer.int32(value.memberEpoch).int32(value.previousMemberEpoch).int8(value.state);
  writeTopicPartitions(writer, value.assignedPartitions);
  writeTopicPartitions(writer, value.partitionsPendingRevocation);
  return finishValue(writer);
}

export function decodeConsumerGroupCurrentMemberAssignmentValue(bytes: Buffer): ConsumerGroupCurrentMemberAssignmentValue {
  const reader = openValue(bytes, "ConsumerGroupCurrentMemberAssignmentValue");
  const memberEpoch = reader.int32();
  const previousMemberEpoch = reader.int32();
  const state = reader.int8();
  const assignedPartitions = readTopicPartitions(reader);
  const partitionsPendingRevocation = readTopicPartitions(reader);
  closeValue(reader, "ConsumerGroupCurrentMemberAssignmentValue");
  return { memberEpoch, previousMemberEpoch, state, assignedPartitions, partitionsPendingRevocation };
}
