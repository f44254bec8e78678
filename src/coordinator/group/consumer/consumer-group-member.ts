// One member of a KIP-848 consumer group, as an immutable value: its subscription (persisted in
// ConsumerGroupMemberMetadata records) and its current assignment and epochs (persisted in
// ConsumerGroupCurrentMemberAssignment records). Changes build a new value; replaying the
// records is what puts it in the group.

import type {
  ConsumerGroupCurrentMemberAssignmentValue,
  ConsumerGroupMemberMetadataValue,
} from "../records/consumer-group-records.js";
import { EMPTY_TOPIC_PARTITIONS, fromTopicPartitionsList, toTopicPartitionsList, type TopicPartitionSets } from "./topic-partitions.js";

/** Kafka's MemberState codes, stored in the current assignment record. */
export const MemberState = {
  Stable: 0,
  UnrevokedPartitions: 1,
  UnreleasedPartitions: 2,
  Unknown: 127,
} as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

export function memberStateOf(code: number): MemberState {
  return code === MemberState.Stable || code === MemberState.UnrevokedPartitions || code === MemberState.UnreleasedPartitions
    ? code
    : MemberState.Unknown;
}

/** Member epochs with a meaning of their own in ConsumerGroupHeartbeat. */
export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  /** -1 until the member names one. */
  readonly rebalanceTimeoutMs: number;
  readonly serverAssignorName: string | null;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  readonly assignedPartitions: TopicPartitionSets;
  readonly partitionsPendingRevocation: TopicPartitionSets;
}

export function newConsumerGroupMember(memberId: string): ConsumerGroupMember {
  return {
    memberId,
    instanceId: null,
    rackId: null,
    clientId: "",
    clientHost: "",
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    rebalanceTimeoutMs: -1,
    serverAssignorName: null,
    memberEpoch: 0,
    previousMemberEpoch: -1,
    state: MemberState.Stable,
    assignedPartitions: EMPTY_TOPIC_PARTITIONS,
    partitionsPendingRevocation: EMPTY_TOPIC_PARTITIONS,
  };
}

/** The member moved to a new epoch: the old one is remembered for a lost-response retry. */
export function withMemberEpoch(member: ConsumerGroupMember, memberEpoch: number): ConsumerGroupMember {
  return { ...member, previousMemberEpoch: member.memberEpoch, memberEpoch };
}

export function isReconciledTo(member: ConsumerGroupMember, targetAssignmentEpoch: number): boolean {
  return member.state === MemberState.Stable && member.memberEpoch === targetAssignmentEpoch;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

export function sameSubscription(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return sameStrings(a.subscribedTopicNames, b.subscribedTopicNames) && a.subscribedTopicRegex === b.subscribedTopicRegex;
}

/** Whether anything a ConsumerGroupMemberMetadata record holds differs. */
export function sameMemberMetadata(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return (
    a.instanceId === b.instanceId &&
    a.rackId === b.rackId &&
    a.clientId === b.clientId &&
    a.clientHost === b.clientHost &&
    sameSubscription(a, b) &&
    a.rebalanceTimeoutMs === b.rebalanceTimeoutMs &&
    a.serverAssignorName === b.serverAssignorName
  );
}

export function memberMetadataValue(member: ConsumerGroupMember): ConsumerGroupMemberMetadataValue {
  return {
    instanceId: member.instanceId,
    rackId: member.rackId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    subscribedTopicNames: member.subscribedTopicNames,
    subscribedTopicRegex: member.subscribedTopicRegex,
    rebalanceTimeoutMs: member.rebalanceTimeoutMs,
    serverAssignor: member.serverAssignorName,
  };
}

export function withMemberMetadata(member: ConsumerGroupMember, value: ConsumerGroupMemberMetadataValue): ConsumerGroupMember {
  return {
    ...member,
    instanceId: value.instanceId,
    rackId: value.rackId,
    clientId: value.clientId,
    clientHost: value.clientHost,
    subscribedTopicNames: [...value.subscribedTopicNames],
    subscribedTopicRegex: value.subscribedTopicRegex,
    rebalanceTimeoutMs: value.rebalanceTimeoutMs,
    serverAssignorName: value.serverAssignor,
  };
}

export function currentAssignmentValue(member: ConsumerGroupMember): ConsumerGroupCurrentMemberAssignmentValue {
  return {
    memberEpoch: member.memberEpoch,
    previousMemberEpoch: member.previousMemberEpoch,
    state: member.state,
    assignedPartitions: toTopicPartitionsList(member.assignedPartitions),
    partitionsPendingRevocation: toTopicPartitionsList(member.partitionsPendingRevocation),
  };
}

export function withCurrentAssignment(member: ConsumerGroupMember, value: ConsumerGroupCurrentMemberAssignmentValue): ConsumerGroupMember {
  return {
    ...member,
    memberEpoch: value.memberEpoch,
    previousMemberEpoch: value.previousMemberEpoch,
    state: memberStateOf(value.state),
    assignedPartitions: fromTopicPartitionsList(value.assignedPartitions),
    partitionsPendingRevocation: fromTopicPartitionsList(value.partitionsPendingRevocation),
  };
}
