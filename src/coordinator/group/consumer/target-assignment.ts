// Computes a consumer group's next target assignment (Kafka's TargetAssignmentBuilder): the
// assignor sees every member (with the joining or updated one in its new form, a replaced
// static member's target passed on to its successor), and only members whose target changed
// get a record, followed by the new assignment epoch.

import type { CoordinatorRecord } from "../records/coordinator-record.js";
import type { ConsumerGroupPartitionAssignor, AssignmentMemberSpec } from "../assignors/partition-assignor.js";
import type { TopicImage } from "../shard-context.js";
import type { ConsumerGroup, SubscribedTopicMetadata } from "./consumer-group.js";
import type { ConsumerGroupMember } from "./consumer-group-member.js";
import { targetAssignmentEpochRecord, targetAssignmentRecord } from "./consumer-group-records-builder.js";
import { EMPTY_TOPIC_PARTITIONS, topicPartitionsEqual, type TopicPartitionSets } from "./topic-partitions.js";

export interface TargetAssignmentResult {
  readonly records: CoordinatorRecord[];
  readonly assignment: ReadonlyMap<string, TopicPartitionSets>;
}

export function computeTargetAssignment(options: {
  readonly group: ConsumerGroup;
  readonly groupEpoch: number;
  readonly assignor: ConsumerGroupPartitionAssignor;
  readonly subscriptionMetadata: ReadonlyMap<string, SubscribedTopicMetadata>;
  readonly topics: TopicImage;
  /** The member being added or changed (null: none). */
  readonly updatedMember: ConsumerGroupMember | null;
  /** A member being removed, e.g. the static member the updated one replaces. */
  readonly removedMemberId: string | null;
}): TargetAssignmentResult {
  const { group, updatedMember, removedMemberId } = options;
  const members = new Map<string, ConsumerGroupMember>(group.members);
  if (removedMemberId !== null) members.delete(removedMemberId);
  if (updatedMember !== null) members.set(updatedMember.memberId, updatedMember);

  const topicIdByName = new Map<string, string>();
  const partitionsById = new Map<string, number>();
  for (const topic of options.subscriptionMetadata.values()) {
    topicIdByName.set(topic.name, topic.topicId);
    partitionsById.set(topic.topicId, topic.numPartitions);
  }

  const specs = new Map<string, AssignmentMemberSpec>();
  for (const [memberId, member] of members) {
    let currentAssignment = group.targetAssignment.get(memberId) ?? EMPTY_TOPIC_PARTITIONS;
    // A static member that replaces a departed instance inherits its target.
    if (member === updatedMember && member.instanceId !== null && !group.targetAssignment.has(memberId)) {
      const previousId = group.staticMembers.get(member.instanceId);
      if (previousId !== undefined && previousId !== memberId) currentAssignment = group.targetAssignment.get(previousId) ?? EMPTY_TOPIC_PARTITIONS;
    }
    const subscribedTopicIds = new Set<string>();
    for (const name of member.subscribedTopicNames) {
      const topicId = topicIdByName.get(name);
      if (topicId !== undefined) subscribedTopicIds.add(topicId);
    }
    specs.set(memberId, { rackId: member.rackId, subscribedTopicIds, currentAssignment });
  }

  const computed = options.assignor.assign({ members: specs }, { numPartitions: (topicId) => partitionsById.get(topicId) ?? -1 });
  const records: CoordinatorRecord[] = [];
  const assignment = new Map<string, TopicPartitionSets>();
  for (const memberId of [...specs.keys()].sort()) {
    const next: TopicPartitionSets = computed.get(memberId) ?? EMPTY_TOPIC_PARTITIONS;
    assignment.set(memberId, next);
    const previous = group.targetAssignment.get(memberId);
    if (previous === undefined || !topicPartitionsEqual(previous, next)) records.push(targetAssignmentRecord(group.groupId, memberId, next));
  }
  records.push(targetAssignmentEpochRecord(group.groupId, options.groupEpoch));
  return { records, assignment };
}
