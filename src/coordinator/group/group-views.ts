// How groups look from the outside: ListGroups entries, DescribeGroups (classic groups) and
// ConsumerGroupDescribe (KIP-848 groups), built from a partition's in-memory groups with
// Kafka's state names and its conventions for unknown groups.

import { ErrorCode } from "../../protocol/error-codes.js";
import type { ListedGroup } from "../../protocol/generated/list-groups.js";
import type { DescribedGroup } from "../../protocol/generated/describe-groups.js";
import type {
  Assignment,
  DescribedGroup as ConsumerDescribedGroup,
  Member as ConsumerDescribedMember,
} from "../../protocol/generated/consumer-group-describe.js";
import { CONSUMER_PROTOCOL_TYPE } from "./classic/classic-group.js";
import type { TopicPartitionSets } from "./consumer/topic-partitions.js";
import { EMPTY_TOPIC_PARTITIONS, toTopicPartitionsList } from "./consumer/topic-partitions.js";
import type { Group, TopicImage } from "./shard-context.js";

export type GroupType = "classic" | "consumer";

/** The state name Kafka reports (ListGroups, DescribeGroups, ConsumerGroupDescribe). */
export function groupStateName(group: Group): string {
  return group.type === "classic" ? group.state : group.state();
}

export function listedGroup(group: Group): ListedGroup {
  return {
    groupId: group.groupId,
    protocolType: group.type === "classic" ? (group.protocolType ?? "") : CONSUMER_PROTOCOL_TYPE,
    groupState: groupStateName(group),
    groupType: group.type,
  };
}

/** ListGroups filters: states and types compare case-insensitively; an empty filter passes all. */
export function matchesListFilters(group: Group, statesFilter: readonly string[], typesFilter: readonly string[]): boolean {
  const states = new Set(statesFilter.map((state) => state.trim().toLowerCase()));
  const types = new Set(typesFilter.map((type) => type.trim().toLowerCase()));
  if (states.size > 0 && !states.has(groupStateName(group).toLowerCase())) return false;
  if (types.size > 0 && !types.has(group.type)) return false;
  return true;
}

/** DescribeGroups: an unknown (or non-classic) group is reported "Dead" without an error, as Kafka does. */
export function describeClassicGroup(groupId: string, group: Group | undefined, authorizedOperations: number): DescribedGroup {
  if (group === undefined || group.type !== "classic") {
    return { errorCode: ErrorCode.NONE, groupId, groupState: "Dead", protocolType: "", protocolData: "", members: [], authorizedOperations };
  }
  const stable = group.is("Stable") && group.protocolName !== null;
  const protocolName = group.protocolName ?? "";
  return {
    errorCode: ErrorCode.NONE,
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? "",
    protocolData: stable ? protocolName : "",
    members: [...group.allMembers()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      memberMetadata: stable ? member.metadata(protocolName) : Buffer.alloc(0),
      memberAssignment: stable ? member.assignment : Buffer.alloc(0),
    })),
    authorizedOperations,
  };
}

function describedAssignment(assignment: TopicPartitionSets, topics: TopicImage): Assignment {
  const topicPartitions = [];
  for (const { topicId, partitions } of toTopicPartitionsList(assignment)) {
    const topic = topics.topicById(topicId);
    // Partitions of a deleted topic are left out, as Kafka does.
    if (topic !== undefined) topicPartitions.push({ topicId, topicName: topic.name, partitions: [...partitions] });
  }
  return { topicPartitions };
}

export function describeConsumerGroup(
  groupId: string,
  group: Group | undefined,
  defaultAssignorName: string,
  topics: TopicImage,
  authorizedOperations: number,
): ConsumerDescribedGroup {
  if (group === undefined || group.type !== "consumer") {
    return {
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: group === undefined ? `Group ${groupId} not found.` : `Group ${groupId} is not a consumer group.`,
      groupId,
      groupState: "",
      groupEpoch: 0,
      assignmentEpoch: 0,
      assignorName: "",
      members: [],
      authorizedOperations,
    };
  }
  const members: ConsumerDescribedMember[] = [...group.members.values()].map((member) => ({
    memberId: member.memberId,
    instanceId: member.instanceId,
    rackId: member.rackId,
    memberEpoch: member.memberEpoch,
    clientId: member.clientId,
    clientHost: member.clientHost,
    subscribedTopicNames: [...member.subscribedTopicNames],
    subscribedTopicRegex: member.subscribedTopicRegex,
    assignment: describedAssignment(member.assignedPartitions, topics),
    targetAssignment: describedAssignment(group.targetAssignment.get(member.memberId) ?? EMPTY_TOPIC_PARTITIONS, topics),
  }));
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId,
    groupState: group.state(),
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.targetAssignmentEpoch,
    assignorName: group.preferredServerAssignor() ?? defaultAssignorName,
    members,
    authorizedOperations,
  };
}
