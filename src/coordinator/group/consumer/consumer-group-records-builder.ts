// The records a KIP-848 consumer group writes, built from its in-memory values, and their
// tombstones. Deleting a group writes them in Kafka's order (current assignments, target
// assignments, target epoch, subscriptions, partition metadata, group epoch), which is the order
// replay can undo them in.

import type { CoordinatorRecord } from "../records/coordinator-record.js";
import { currentAssignmentValue, memberMetadataValue, type ConsumerGroupMember } from "./consumer-group-member.js";
import type { ConsumerGroup, SubscribedTopicMetadata } from "./consumer-group.js";
import { toTopicPartitionsList, type TopicPartitionSets } from "./topic-partitions.js";

export function memberSubscriptionRecord(groupId: string, member: ConsumerGroupMember): CoordinatorRecord {
  return { type: "ConsumerGroupMemberMetadata", groupId, memberId: member.memberId, value: memberMetadataValue(member) };
}

export function memberSubscriptionTombstone(groupId: string, memberId: string): CoordinatorRecord {
  return { type: "ConsumerGroupMemberMetadata", groupId, memberId, value: null };
}

export function subscriptionMetadataRecord(groupId: string, metadata: ReadonlyMap<string, SubscribedTopicMetadata>): CoordinatorRecord {
  const topics = [...metadata.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((topic) => ({ topicId: topic.topicId, topicName: topic.name, numPartitions: topic.numPartitions }));
  return { type: "ConsumerGroupPartitionMetadata", groupId, value: { topics } };
}

export function subscriptionMetadataTombstone(groupId: string): CoordinatorRecord {
  return { type: "ConsumerGroupPartitionMetadata", groupId, value: null };
}

export function groupEpochRecord(groupId: string, epoch: number): CoordinatorRecord {
  return { type: "ConsumerGroupMetadata", groupId, value: { epoch } };
}

export function groupEpochTombstone(groupId: string): CoordinatorRecord {
  return { type: "ConsumerGroupMetadata", groupId, value: null };
}

export function targetAssignmentRecord(groupId: string, memberId: string, assignment: TopicPartitionSets): CoordinatorRecord {
  return { type: "ConsumerGroupTargetAssignmentMember", groupId, memberId, value: { topicPartitions: toTopicPartitionsList(assignment) } };
}

export function targetAssignmentTombstone(groupId: string, memberId: string): CoordinatorRecord {
  return { type: "ConsumerGroupTargetAssignmentMember", groupId, memberId, value: null };
}

export function targetAssignmentEpochRecord(groupId: string, assignmentEpoch: number): CoordinatorRecord {
  return { type: "ConsumerGroupTargetAssignmentMetadata", groupId, value: { assignmentEpoch } };
}

export function targetAssignmentEpochTombstone(groupId: string): CoordinatorRecord {
  return { type: "ConsumerGroupTargetAssignmentMetadata", groupId, value: null };
}

export function currentAssignmentRecord(groupId: string, member: ConsumerGroupMember): CoordinatorRecord {
  return { type: "ConsumerGroupCurrentMemberAssignment", groupId, memberId: member.memberId, value: currentAssignmentValue(member) };
}

export function currentAssignmentTombstone(groupId: string, memberId: string): CoordinatorRecord {
  return { type: "ConsumerGroupCurrentMemberAssignment", groupId, memberId, value: null };
}

/** A member's three tombstones, in the order replay needs them. */
export function memberTombstones(groupId: string, memberId: string): CoordinatorRecord[] {
  return [currentAssignmentTombstone(groupId, memberId), targetAssignmentTombstone(groupId, memberId), memberSubscriptionTombstone(groupId, memberId)];
}

/** Every record that deletes the group. */
export function consumerGroupTombstones(group: ConsumerGroup): CoordinatorRecord[] {
  const groupId = group.groupId;
  const memberIds = [...group.members.keys()];
  const targetOnly = [...group.targetAssignment.keys()].filter((memberId) => !group.members.has(memberId));
  return [
    ...memberIds.map((memberId) => currentAssignmentTombstone(groupId, memberId)),
    ...[...memberIds, ...targetOnly].map((memberId) => targetAssignmentTombstone(groupId, memberId)),
    targetAssignmentEpochTombstone(groupId),
    ...memberIds.map((memberId) => memberSubscriptionTombstone(groupId, memberId)),
    subscriptionMetadataTombstone(groupId),
    groupEpochTombstone(groupId),
  ];
}
