// Applies one KIP-848 consumer group record to the groups of a partition: at load, and right
// after an operation computed it. A value creates or updates; a tombstone deletes. Records for
// a group id that holds a classic group replace it (its empty shell is what a conversion leaves).

import type { CoordinatorRecord } from "../records/coordinator-record.js";
import type { Group } from "../shard-context.js";
import { ConsumerGroup } from "./consumer-group.js";
import {
  LEAVE_GROUP_MEMBER_EPOCH,
  newConsumerGroupMember,
  withCurrentAssignment,
  withMemberMetadata,
} from "./consumer-group-member.js";
import { EMPTY_TOPIC_PARTITIONS, fromTopicPartitionsList } from "./topic-partitions.js";

type ConsumerGroupRecord = Exclude<CoordinatorRecord, { type: "OffsetCommit" } | { type: "GroupMetadata" }>;

function existing(groups: Map<string, Group>, groupId: string): ConsumerGroup | undefined {
  const group = groups.get(groupId);
  return group?.type === "consumer" ? group : undefined;
}

function getOrCreate(groups: Map<string, Group>, groupId: string): ConsumerGroup {
  const found = existing(groups, groupId);
  if (found !== undefined) return found;
  const group = new ConsumerGroup(groupId);
  groups.set(groupId, group);
  return group;
}

export function replayConsumerGroupRecord(groups: Map<string, Group>, record: ConsumerGroupRecord): void {
  const groupId = record.groupId;
  switch (record.type) {
    case "ConsumerGroupMetadata": {
      if (record.value !== null) {
        getOrCreate(groups, groupId).groupEpoch = record.value.epoch;
      } else if (existing(groups, groupId) !== undefined) {
        groups.delete(groupId);
      }
      return;
    }
    case "ConsumerGroupPartitionMetadata": {
      const group = record.value !== null ? getOrCreate(groups, groupId) : existing(groups, groupId);
      if (group === undefined) return;
      const metadata = new Map<string, { topicId: string; name: string; numPartitions: number }>();
      for (const topic of record.value?.topics ?? []) {
        metadata.set(topic.topicName, { topicId: topic.topicId, name: topic.topicName, numPartitions: topic.numPartitions });
      }
      group.subscriptionMetadata = metadata;
      return;
    }
    case "ConsumerGroupMemberMetadata": {
      if (record.value !== null) {
        const group = getOrCreate(groups, groupId);
        const member = group.member(record.memberId) ?? newConsumerGroupMember(record.memberId);
        group.updateMember(withMemberMetadata(member, record.value));
      } else {
        existing(groups, groupId)?.removeMember(record.memberId);
      }
      return;
    }
    case "ConsumerGroupTargetAssignmentMetadata": {
      if (record.value !== null) {
        getOrCreate(groups, groupId).targetAssignmentEpoch = record.value.assignmentEpoch;
      } else {
        const group = existing(groups, groupId);
        if (group !== undefined) group.targetAssignmentEpoch = -1;
      }
      return;
    }
    case "ConsumerGroupTargetAssignmentMember": {
      if (record.value !== null) {
        getOrCreate(groups, groupId).updateTargetAssignment(record.memberId, fromTopicPartitionsList(record.value.topicPartitions));
      } else {
        existing(groups, groupId)?.removeTargetAssignment(record.memberId);
      }
      return;
    }
    case "ConsumerGroupCurrentMemberAssignment": {
      if (record.value !== null) {
        const group = getOrCreate(groups, groupId);
        const member = group.member(record.memberId) ?? newConsumerGroupMember(record.memberId);
        group.updateMember(withCurrentAssignment(member, record.value));
      } else {
        // The member is leaving: it holds nothing from here on (its metadata tombstone follows).
        const group = existing(groups, groupId);
        const member = group?.member(record.memberId);
        if (group === undefined || member === undefined) return;
        group.updateMember({
          ...member,
          memberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
          previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
          assignedPartitions: EMPTY_TOPIC_PARTITIONS,
          partitionsPendingRevocation: EMPTY_TOPIC_PARTITIONS,
        });
      }
      return;
    }
  }
}
