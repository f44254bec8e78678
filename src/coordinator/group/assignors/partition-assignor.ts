// The contract of a server-side assignor of the consumer protocol (KIP-848): given each member's
// subscription (as topic ids) and its current target, and the partition count of each topic,
// return every member's new target. Assignors are pure functions of their input.

import type { TopicPartitionSets } from "../consumer/topic-partitions.js";

export interface AssignmentMemberSpec {
  readonly rackId: string | null;
  readonly subscribedTopicIds: ReadonlySet<string>;
  /** The member's previous target: assignors keep what they can (stickiness). */
  readonly currentAssignment: TopicPartitionSets;
}

export interface AssignmentGroupSpec {
  readonly members: ReadonlyMap<string, AssignmentMemberSpec>;
}

export interface SubscribedTopicDescriber {
  /** Partition count of a subscribed topic, or -1 when the topic is unknown. */
  numPartitions(topicId: string): number;
}

export type GroupAssignment = Map<string, Map<string, Set<number>>>;

export interface ConsumerGroupPartitionAssignor {
  readonly name: string;
  assign(group: AssignmentGroupSpec, topics: SubscribedTopicDescriber): GroupAssignment;
}

/** An empty assignment for every member, the starting point of every assignor. */
export function emptyAssignment(group: AssignmentGroupSpec): GroupAssignment {
  const result: GroupAssignment = new Map();
  for (const memberId of group.members.keys()) result.set(memberId, new Map());
  return result;
}

export function addPartition(assignment: GroupAssignment, memberId: string, topicId: string, partition: number): void {
  const topics = assignment.get(memberId);
  if (topics === undefined) return;
  let partitions = topics.get(topicId);
  if (partitions === undefined) {
    partitions = new Set();
    topics.set(topicId, partitions);
  }
  partitions.add(partition);
}

export function removePartition(assignment: GroupAssignment, memberId: string, topicId: string, partition: number): void {
  const partitions = assignment.get(memberId)?.get(topicId);
  if (partitions === undefined) return;
  partitions.delete(partition);
  if (partitions.size === 0) assignment.get(memberId)?.delete(topicId);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
