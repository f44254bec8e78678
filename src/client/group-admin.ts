// Consumer group administration over KafkaClient, as Kafka's AdminClient does it:
//   - listGroups asks every broker (each lists the groups it coordinates) and merges, with the
//     state filter (ListGroups v4+) and type filter (v5+) applied by the brokers;
//   - describeGroup asks the group's coordinator with ConsumerGroupDescribe (KIP-848 groups)
//     and, when that answers GROUP_ID_NOT_FOUND or the broker lacks it, with DescribeGroups
//     (classic groups), whose member assignments are decoded when the protocol type is
//     "consumer";
//   - deleteGroups sends DeleteGroups to each group's coordinator.
// Kafka errors about one group are values in the result; transport failures and exhausted
// retries are thrown.

import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import { ConsumerProtocolAssignmentCodec } from "../protocol/generated/consumer-protocol-assignment.js";
import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, DescribedGroup as DescribedConsumerGroup } from "../protocol/generated/consumer-group-describe.js";
import type { DeleteGroupsRequest, DeleteGroupsResponse } from "../protocol/generated/delete-groups.js";
import type { DescribeGroupsRequest, DescribeGroupsResponse, DescribedGroup as DescribedClassicGroup } from "../protocol/generated/describe-groups.js";
import type { ListGroupsRequest, ListGroupsResponse } from "../protocol/generated/list-groups.js";
import { Reader } from "../protocol/primitives/reader.js";
import { KafkaProtocolError, UnsupportedApiError } from "./errors.js";
import { checkCoordinatorErrors, groupApiVersion, sendGroupRequest, sendToGroupCoordinator, withGroupCoordinator } from "./group-coordinator.js";
import type { KafkaClient } from "./kafka-client.js";
import type { BrokerNode } from "./metadata.js";

/** The protocol type of consumer groups (classic groups of consumers, and every KIP-848 group). */
export const CONSUMER_PROTOCOL_TYPE = "consumer";
/** First ListGroups version that reports states and filters by them. */
const FIRST_LIST_GROUPS_STATES_VERSION = 4;
/** First ListGroups version that reports group types and filters by them. */
const FIRST_LIST_GROUPS_TYPES_VERSION = 5;
/** The newest ConsumerProtocolAssignment version we decode; newer ones only append fields. */
const CONSUMER_ASSIGNMENT_VERSION_MAX = 3;
/** Groups described or deleted at once (each is a few round trips to its coordinator). */
export const GROUP_REQUESTS_IN_FLIGHT_MAX = 8;

export interface GroupListing {
  readonly groupId: string;
  /** "consumer" for consumer groups, "" for groups that only hold committed offsets. */
  readonly protocolType: string;
  /** null when the broker does not say (ListGroups before v4). */
  readonly state: string | null;
  /** "classic" or "consumer"; null when the broker does not say (ListGroups before v5). */
  readonly type: string | null;
}

export interface ListGroupsFilter {
  /** Only groups in these states (compared case-insensitively by the broker). */
  readonly states?: readonly string[];
  /** Only groups of these types ("classic", "consumer"). */
  readonly types?: readonly string[];
}

export interface TopicPartitions {
  readonly topic: string;
  /** Sorted. */
  readonly partitions: readonly number[];
}

export interface GroupMemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  /** As the broker records it, e.g. "/127.0.0.1". */
  readonly clientHost: string;
  /** The partitions the member holds, sorted by topic; empty when unknown or not a consumer. */
  readonly assignment: readonly TopicPartitions[];
  /** KIP-848 groups: the partitions the member is moving toward; null for classic groups. */
  readonly targetAssignment: readonly TopicPartitions[] | null;
  /** KIP-848 groups: the member epoch; null for classic groups. */
  readonly memberEpoch: number | null;
}

export interface GroupDescription {
  readonly groupId: string;
  /** A Kafka error about this group (the group itself not existing is state "Dead", not an error). */
  readonly error: KafkaProtocolError | null;
  /** "classic" (JoinGroup/SyncGroup) or "consumer" (KIP-848). */
  readonly type: "classic" | "consumer";
  /** Kafka's state name: Stable, Empty, PreparingRebalance, ..., "Dead" when the group does not exist. */
  readonly state: string;
  readonly protocolType: string;
  /** The assignor: the chosen protocol of a classic group, the server assignor of a KIP-848 group; "" when none. */
  readonly assignmentStrategy: string;
  readonly coordinator: BrokerNode;
  /** KIP-848 groups only. */
  readonly groupEpoch: number | null;
  readonly assignmentEpoch: number | null;
  readonly members: readonly GroupMemberDescription[];
}

export interface GroupOutcome {
  readonly groupId: string;
  readonly error: KafkaProtocolError | null;
}

/**
 * The groups of every broker in the cluster, sorted by group id. A broker that answers with an
 * error fails the call with it (after retries when it is retriable).
 */
export async function listGroups(client: KafkaClient, filter: ListGroupsFilter = {}): Promise<GroupListing[]> {
  const states = filter.states ?? [];
  const types = filter.types ?? [];
  const metadata = await client.retry(() => client.metadata([]));
  const nodeIds = [...metadata.brokers.keys()].sort((a, b) => a - b);
  const perBroker = await Promise.all(nodeIds.map((nodeId) => client.retry(() => listGroupsOf(client, nodeId, states, types))));
  const byId = new Map<string, GroupListing>();
  for (const listings of perBroker) for (const listing of listings) byId.set(listing.groupId, listing);
  return [...byId.values()].sort((a, b) => compareStrings(a.groupId, b.groupId));
}

async function listGroupsOf(client: KafkaClient, nodeId: number, states: readonly string[], types: readonly string[]): Promise<GroupListing[]> {
  const { response, version } = await sendGroupRequest<ListGroupsResponse>(client, nodeId, ApiKey.ListGroups, (negotiated): ListGroupsRequest => {
    if (states.length > 0 && negotiated < FIRST_LIST_GROUPS_STATES_VERSION) {
      throw new UnsupportedApiError(`the broker (node ${nodeId}) speaks ListGroups v${negotiated}, which cannot filter groups by state (v${FIRST_LIST_GROUPS_STATES_VERSION}+)`);
    }
    if (types.length > 0 && negotiated < FIRST_LIST_GROUPS_TYPES_VERSION) {
      throw new UnsupportedApiError(`the broker (node ${nodeId}) speaks ListGroups v${negotiated}, which cannot filter groups by type (v${FIRST_LIST_GROUPS_TYPES_VERSION}+)`);
    }
    return { statesFilter: [...states], typesFilter: [...types] };
  });
  if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, `list groups of node ${nodeId}`);
  return response.groups.map((group) => ({
    groupId: group.groupId,
    protocolType: group.protocolType,
    state: version >= FIRST_LIST_GROUPS_STATES_VERSION ? group.groupState : null,
    type: version >= FIRST_LIST_GROUPS_TYPES_VERSION ? group.groupType : null,
  }));
}

/** Describes one group (see the file comment for which API answers). */
export function describeGroup(client: KafkaClient, groupId: string): Promise<GroupDescription> {
  return withGroupCoordinator(client, groupId, async (coordinator) => {
    // KIP-848 groups first, as Kafka's AdminClient does; GROUP_ID_NOT_FOUND there means "not a
    // consumer-protocol group", and the classic API answers for the rest (or says "Dead").
    const { versions } = await client.connectionTo(coordinator.nodeId);
    if (groupApiVersion(versions, ApiKey.ConsumerGroupDescribe) !== null) {
      const { response } = await sendGroupRequest<ConsumerGroupDescribeResponse>(
        client,
        coordinator.nodeId,
        ApiKey.ConsumerGroupDescribe,
        (): ConsumerGroupDescribeRequest => ({ groupIds: [groupId], includeAuthorizedOperations: false }),
      );
      checkCoordinatorErrors(ApiKey.ConsumerGroupDescribe, groupId, response.groups.map((group) => group.errorCode));
      const described = response.groups.find((group) => group.groupId === groupId);
      if (described === undefined) return failedDescription(groupId, coordinator, "no answer for this group");
      if (described.errorCode === ErrorCode.NONE) return consumerGroupDescription(described, coordinator);
      if (described.errorCode !== ErrorCode.GROUP_ID_NOT_FOUND && described.errorCode !== ErrorCode.UNSUPPORTED_VERSION) {
        return { ...emptyDescription(groupId, coordinator), error: new KafkaProtocolError(described.errorCode, `group ${groupId}`, described.errorMessage) };
      }
    }
    const { response } = await sendGroupRequest<DescribeGroupsResponse>(
      client,
      coordinator.nodeId,
      ApiKey.DescribeGroups,
      (): DescribeGroupsRequest => ({ groups: [groupId], includeAuthorizedOperations: false }),
    );
    checkCoordinatorErrors(ApiKey.DescribeGroups, groupId, response.groups.map((group) => group.errorCode));
    const described = response.groups.find((group) => group.groupId === groupId);
    if (described === undefined) return failedDescription(groupId, coordinator, "no answer for this group");
    if (described.errorCode !== ErrorCode.NONE) {
      return { ...emptyDescription(groupId, coordinator), error: new KafkaProtocolError(described.errorCode, `group ${groupId}`) };
    }
    return classicGroupDescription(described, coordinator);
  });
}

/** Describes groups, at most GROUP_REQUESTS_IN_FLIGHT_MAX at a time; results in the order given. */
export function describeGroups(client: KafkaClient, groupIds: readonly string[]): Promise<GroupDescription[]> {
  return mapBounded(groupIds, GROUP_REQUESTS_IN_FLIGHT_MAX, (groupId) => describeGroup(client, groupId));
}

/** Deletes groups (each must be empty: NON_EMPTY_GROUP otherwise); one outcome per group, in order. */
export function deleteGroups(client: KafkaClient, groupIds: readonly string[]): Promise<GroupOutcome[]> {
  return mapBounded(groupIds, GROUP_REQUESTS_IN_FLIGHT_MAX, async (groupId): Promise<GroupOutcome> => {
    const { response } = await sendToGroupCoordinator<DeleteGroupsResponse>(
      client,
      groupId,
      ApiKey.DeleteGroups,
      (): DeleteGroupsRequest => ({ groupsNames: [groupId] }),
      (answer) => answer.results.map((result) => result.errorCode),
    );
    const result = response.results.find((candidate) => candidate.groupId === groupId);
    if (result === undefined) return { groupId, error: new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `group ${groupId}`, "no answer for this group") };
    return { groupId, error: result.errorCode === ErrorCode.NONE ? null : new KafkaProtocolError(result.errorCode, `group ${groupId}`) };
  });
}

/**
 * The partitions in a classic consumer's assignment bytes (a ConsumerProtocolAssignment after
 * its int16 version), or null when they are not one.
 */
export function decodeConsumerProtocolAssignment(bytes: Buffer): TopicPartitions[] | null {
  if (bytes.length === 0) return [];
  try {
    const reader = new Reader(bytes);
    const version = reader.int16();
    if (version < 0) return null;
    const assignment = ConsumerProtocolAssignmentCodec.decode(reader, Math.min(version, CONSUMER_ASSIGNMENT_VERSION_MAX));
    return normalized(assignment.assignedPartitions.map((entry) => ({ topic: entry.topic, partitions: entry.partitions })));
  } catch {
    return null;
  }
}

function classicGroupDescription(described: DescribedClassicGroup, coordinator: BrokerNode): GroupDescription {
  const isConsumer = described.protocolType === CONSUMER_PROTOCOL_TYPE;
  return {
    groupId: described.groupId,
    error: null,
    type: "classic",
    state: described.groupState,
    protocolType: described.protocolType,
    assignmentStrategy: described.protocolData,
    coordinator,
    groupEpoch: null,
    assignmentEpoch: null,
    members: described.members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: isConsumer ? (decodeConsumerProtocolAssignment(member.memberAssignment) ?? []) : [],
      targetAssignment: null,
      memberEpoch: null,
    })),
  };
}

function consumerGroupDescription(described: DescribedConsumerGroup, coordinator: BrokerNode): GroupDescription {
  const partitionsOf = (assignment: { topicPartitions: { topicName: string; partitions: number[] }[] }): TopicPartitions[] =>
    normalized(assignment.topicPartitions.map((entry) => ({ topic: entry.topicName, partitions: entry.partitions })));
  return {
    groupId: described.groupId,
    error: null,
    type: "consumer",
    state: described.groupState,
    protocolType: CONSUMER_PROTOCOL_TYPE,
    assignmentStrategy: described.assignorName,
    coordinator,
    groupEpoch: described.groupEpoch,
    assignmentEpoch: described.assignmentEpoch,
    members: described.members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.instanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: partitionsOf(member.assignment),
      targetAssignment: partitionsOf(member.targetAssignment),
      memberEpoch: member.memberEpoch,
    })),
  };
}

function emptyDescription(groupId: string, coordinator: BrokerNode): GroupDescription {
  return {
    groupId,
    error: null,
    type: "classic",
    state: "",
    protocolType: "",
    assignmentStrategy: "",
    coordinator,
    groupEpoch: null,
    assignmentEpoch: null,
    members: [],
  };
}

function failedDescription(groupId: string, coordinator: BrokerNode, message: string): GroupDescription {
  return { ...emptyDescription(groupId, coordinator), error: new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `group ${groupId}`, message) };
}

/** Merges entries of the same topic, sorts topics and partitions, drops empty topics. */
function normalized(entries: readonly TopicPartitions[]): TopicPartitions[] {
  const byTopic = new Map<string, Set<number>>();
  for (const { topic, partitions } of entries) {
    const set = byTopic.get(topic) ?? new Set<number>();
    for (const partition of partitions) set.add(partition);
    byTopic.set(topic, set);
  }
  return [...byTopic]
    .filter(([, partitions]) => partitions.size > 0)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs task over items with at most `limit` running at once; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}
