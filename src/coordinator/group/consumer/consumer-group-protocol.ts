// The consumer group protocol (KIP-848, ConsumerGroupHeartbeat) for the groups of one
// __consumer_offsets partition, following Apache Kafka's GroupMetadataManager. One heartbeat:
//   1. creates or updates the member; a changed subscription, or changed partition counts of
//      the subscribed topics, bumps the group epoch;
//   2. if the group epoch is ahead of the target assignment, the broker-side assignor computes
//      a new target (only changed members get records);
//   3. the member's current assignment moves toward its target (reconciliation.ts): partitions
//      are revoked before they are given to another member.
// Every change is a record; the records are replayed into the group and appended to the log
// before the answer goes out. A member whose session expires, or that does not revoke within
// its rebalance timeout, is fenced: its records are deleted and the group epoch is bumped.

import { randomUuid } from "../../../lib/uuid.js";
import { ErrorCode } from "../../../protocol/error-codes.js";
import type {
  ConsumerGroupHeartbeatRequest,
  ConsumerGroupHeartbeatResponse,
  TopicPartitions,
} from "../../../protocol/generated/consumer-group-heartbeat.js";
import type { ConsumerGroupPartitionAssignor } from "../assignors/partition-assignor.js";
import { GroupError } from "../group-errors.js";
import type { CoordinatorRecord } from "../records/coordinator-record.js";
import type { RequestInfo, ShardContext, TopicImage } from "../shard-context.js";
import { groupTombstone } from "../classic/classic-group-records.js";
import { ConsumerGroup, type SubscribedTopicMetadata } from "./consumer-group.js";
import {
  JOIN_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  isReconciledTo,
  newConsumerGroupMember,
  sameMemberMetadata,
  sameSubscription,
  type ConsumerGroupMember,
} from "./consumer-group-member.js";
import {
  currentAssignmentRecord,
  groupEpochRecord,
  memberSubscriptionRecord,
  memberTombstones,
  subscriptionMetadataRecord,
  targetAssignmentRecord,
} from "./consumer-group-records-builder.js";
import { reconcile } from "./reconciliation.js";
import { computeTargetAssignment } from "./target-assignment.js";
import { EMPTY_TOPIC_PARTITIONS, isSubset, toTopicPartitionsList, topicPartitionsEqual, type TopicPartitionSets } from "./topic-partitions.js";

function timerKey(kind: string, groupId: string, memberId: string): string {
  return `consumer-${kind}\u0000${groupId}\u0000${memberId}`;
}

function errorResponse(errorCode: number, errorMessage: string | null): ConsumerGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    memberId: null,
    memberEpoch: 0,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
}

export class ConsumerGroupProtocol {
  constructor(
    private readonly shard: ShardContext,
    private readonly assignors: ReadonlyMap<string, ConsumerGroupPartitionAssignor>,
  ) {}

  private get defaultAssignor(): ConsumerGroupPartitionAssignor {
    const first = this.assignors.values().next();
    if (first.done === true) throw new GroupError(ErrorCode.UNKNOWN_SERVER_ERROR, "no consumer group assignor configured");
    return first.value;
  }

  get defaultAssignorName(): string {
    return this.defaultAssignor.name;
  }

  /** Handles one ConsumerGroupHeartbeat; the answer waits until its records are durable. */
  async heartbeat(request: ConsumerGroupHeartbeatRequest, info: RequestInfo): Promise<ConsumerGroupHeartbeatResponse> {
    try {
      this.validateRequest(request);
      const { records, response } =
        request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH
          ? this.leave(request)
          : this.join(request, info);
      if (records.length > 0) await this.shard.write(records, { replay: true });
      return response;
    } catch (error) {
      if (error instanceof GroupError) return errorResponse(error.errorCode, error.message);
      throw error;
    }
  }

  private validateRequest(request: ConsumerGroupHeartbeatRequest): void {
    const invalid = (message: string): never => {
      throw new GroupError(ErrorCode.INVALID_REQUEST, message);
    };
    if (request.groupId.trim() === "") throw new GroupError(ErrorCode.INVALID_GROUP_ID, "GroupId can't be empty.");
    if (request.instanceId !== null && request.instanceId.trim() === "") invalid("InstanceId can't be empty.");
    if (request.rackId !== null && request.rackId.trim() === "") invalid("RackId can't be empty.");
    if (request.subscribedTopicRegex !== null) invalid("SubscribedTopicRegex is not supported.");
    const epoch = request.memberEpoch;
    if (epoch > 0 || epoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (request.memberId.trim() === "") invalid("MemberId can't be empty.");
    } else if (epoch === JOIN_GROUP_MEMBER_EPOCH) {
      if (request.rebalanceTimeoutMs === -1) invalid("RebalanceTimeoutMs must be provided in first request.");
      if (request.topicPartitions === null || request.topicPartitions.length > 0) invalid("TopicPartitions must be empty when (re-)joining.");
      if (request.subscribedTopicNames === null || request.subscribedTopicNames.length === 0) invalid("SubscribedTopicNames must be set in first request.");
    } else if (epoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (request.memberId.trim() === "") invalid("MemberId can't be empty.");
      if (request.instanceId === null) invalid("InstanceId can't be null.");
    } else {
      invalid("MemberEpoch is invalid.");
    }
    if (request.serverAssignor !== null && !this.assignors.has(request.serverAssignor)) {
      throw new GroupError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${request.serverAssignor} is not supported. Supported assignors: ${[...this.assignors.keys()].join(", ")}.`);
    }
  }

  private consumerGroup(groupId: string): ConsumerGroup {
    const group = this.shard.groups.get(groupId);
    if (group === undefined) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
    if (group.type !== "consumer") throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    return group;
  }

  /** The group to join; an empty classic group (e.g. one holding only offsets) is converted. */
  private getOrMaybeCreateGroup(groupId: string, create: boolean, records: CoordinatorRecord[]): ConsumerGroup {
    const group = this.shard.groups.get(groupId);
    if (group === undefined) {
      if (!create) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
      return new ConsumerGroup(groupId);
    }
    if (group.type === "consumer") return group;
    if (create && group.isEmpty()) {
      records.push(groupTombstone(groupId));
      return new ConsumerGroup(groupId);
    }
    // Upgrading a live classic group (Kafka's online migration) is not supported.
    throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
  }

  private join(request: ConsumerGroupHeartbeatRequest, info: RequestInfo): { records: CoordinatorRecord[]; response: ConsumerGroupHeartbeatResponse } {
    const records: CoordinatorRecord[] = [];
    const groupId = request.groupId;
    const memberEpoch = request.memberEpoch;
    const create = memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
    const group = this.getOrMaybeCreateGroup(groupId, create, records);
    const memberId = request.memberId === "" ? randomUuid() : request.memberId;
    if (group.members.size >= this.shard.options.groupConsumerMaxSize && (request.memberId === "" || !group.members.has(memberId))) {
      throw new GroupError(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.shard.options.groupConsumerMaxSize} members.`);
    }

    let replacedMemberId: string | null = null;
    let member: ConsumerGroupMember;
    if (request.instanceId === null) {
      member = this.dynamicMember(group, memberId, memberEpoch, request.topicPartitions, create);
    } else {
      const resolved = this.staticMember(group, memberId, memberEpoch, request.instanceId, request.topicPartitions, create, records);
      member = resolved.member;
      replacedMemberId = resolved.replacedMemberId;
    }

    // 1. The member's new metadata; a new subscription bumps the group epoch.
    const updated: ConsumerGroupMember = {
      ...member,
      instanceId: request.instanceId ?? member.instanceId,
      rackId: request.rackId ?? member.rackId,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : request.rebalanceTimeoutMs,
      serverAssignorName: request.serverAssignor ?? member.serverAssignorName,
      subscribedTopicNames: request.subscribedTopicNames === null ? member.subscribedTopicNames : [...new Set(request.subscribedTopicNames)].sort(),
      clientId: info.clientId,
      clientHost: info.clientHost,
    };
    // A new member differs from its blank starting point at least in its (required) subscription.
    let bumpGroupEpoch = false;
    if (!sameMemberMetadata(member, updated)) {
      records.push(memberSubscriptionRecord(groupId, updated));
      bumpGroupEpoch = !sameSubscription(member, updated);
    }

    // Partition counts are read from the cluster on every heartbeat, so new partitions of a
    // subscribed topic are noticed at the next heartbeat of any member.
    const subscriptionMetadata = this.computeSubscriptionMetadata(group, member, updated, replacedMemberId, this.shard.topics);
    let groupEpoch = group.groupEpoch;
    if (!sameSubscriptionMetadata(subscriptionMetadata, group.subscriptionMetadata)) {
      records.push(subscriptionMetadataRecord(groupId, subscriptionMetadata));
      bumpGroupEpoch = true;
    }
    if (bumpGroupEpoch) {
      groupEpoch += 1;
      records.push(groupEpochRecord(groupId, groupEpoch));
    }

    // 2. A new target assignment when the group epoch moved past it.
    let targetAssignmentEpoch: number;
    let targetAssignment: TopicPartitionSets;
    if (groupEpoch > group.targetAssignmentEpoch) {
      const assignor = this.assignorFor(group, member, updated);
      const result = computeTargetAssignment({
        group,
        groupEpoch,
        assignor,
        subscriptionMetadata,
        topics: this.shard.topics,
        updatedMember: updated,
        removedMemberId: replacedMemberId,
      });
      records.push(...result.records);
      targetAssignmentEpoch = groupEpoch;
      targetAssignment = result.assignment.get(memberId) ?? EMPTY_TOPIC_PARTITIONS;
    } else {
      targetAssignmentEpoch = group.targetAssignmentEpoch;
      targetAssignment = group.targetAssignmentOf(memberId, updated.instanceId);
    }

    // 3. Reconcile the member toward its target.
    let reconciled = updated;
    if (!isReconciledTo(updated, targetAssignmentEpoch)) {
      reconciled = reconcile(updated, {
        targetAssignmentEpoch,
        targetAssignment,
        currentPartitionEpoch: (topicId, partition) => group.currentPartitionEpoch(topicId, partition),
        ownedTopicPartitions: request.topicPartitions,
      });
      if (reconciled !== updated) {
        records.push(currentAssignmentRecord(groupId, reconciled));
        if (reconciled.state === MemberState.UnrevokedPartitions) {
          this.scheduleRebalanceTimeout(groupId, memberId, reconciled.memberEpoch, reconciled.rebalanceTimeoutMs);
        } else {
          this.shard.timer.cancel(timerKey("rebalance", groupId, memberId));
        }
      }
    }
    if (create && reconciled === updated && !group.members.has(memberId)) {
      // A new member always gets its current assignment record, even when empty.
      records.push(currentAssignmentRecord(groupId, reconciled));
    }

    this.scheduleSessionTimeout(groupId, memberId);

    // The assignment goes out on a full request (joining, or after an error) and whenever it changed.
    const isFullRequest =
      memberEpoch === JOIN_GROUP_MEMBER_EPOCH || (request.rebalanceTimeoutMs !== -1 && request.subscribedTopicNames !== null && request.topicPartitions !== null);
    const changed = !topicPartitionsEqual(member.assignedPartitions, reconciled.assignedPartitions);
    return {
      records,
      response: {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        memberId,
        memberEpoch: reconciled.memberEpoch,
        heartbeatIntervalMs: this.shard.options.groupConsumerHeartbeatIntervalMs,
        assignment:
          isFullRequest || changed
            ? { topicPartitions: toTopicPartitionsList(reconciled.assignedPartitions).map(({ topicId, partitions }) => ({ topicId, partitions: [...partitions] })) }
            : null,
      },
    };
  }

  private dynamicMember(
    group: ConsumerGroup,
    memberId: string,
    memberEpoch: number,
    owned: readonly TopicPartitions[] | null,
    create: boolean,
  ): ConsumerGroupMember {
    const existing = group.members.get(memberId);
    if (existing === undefined) {
      if (!create) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
      return newConsumerGroupMember(memberId);
    }
    checkMemberEpoch(existing, memberEpoch, owned);
    return existing;
  }

  private staticMember(
    group: ConsumerGroup,
    memberId: string,
    memberEpoch: number,
    instanceId: string,
    owned: readonly TopicPartitions[] | null,
    create: boolean,
    records: CoordinatorRecord[],
  ): { member: ConsumerGroupMember; replacedMemberId: string | null } {
    const existing = group.staticMember(instanceId);
    if (create) {
      if (existing === undefined) return { member: group.members.get(memberId) ?? newConsumerGroupMember(memberId), replacedMemberId: null };
      // The instance id may move to a new member only after the old one said it is leaving (epoch -2).
      if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        throw new GroupError(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${existing.memberId} with instance id ${instanceId} is not released yet.`);
      }
      if (existing.memberId === memberId) return { member: { ...existing, memberEpoch: 0, previousMemberEpoch: 0 }, replacedMemberId: null };
      const replacement: ConsumerGroupMember = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
      // The new member takes over the old one's subscription, target and current assignment.
      records.push(
        ...memberTombstones(group.groupId, existing.memberId),
        memberSubscriptionRecord(group.groupId, replacement),
        targetAssignmentRecord(group.groupId, memberId, group.targetAssignment.get(existing.memberId) ?? EMPTY_TOPIC_PARTITIONS),
        currentAssignmentRecord(group.groupId, replacement),
      );
      this.cancelTimers(group.groupId, existing.memberId);
      return { member: replacement, replacedMemberId: existing.memberId };
    }
    if (existing === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (existing.memberId !== memberId) {
      throw new GroupError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`);
    }
    checkMemberEpoch(existing, memberEpoch, owned);
    return { member: existing, replacedMemberId: null };
  }

  /** Topic metadata of everything the group subscribes to, with the member's new subscription. */
  private computeSubscriptionMetadata(
    group: ConsumerGroup,
    before: ConsumerGroupMember,
    after: ConsumerGroupMember,
    replacedMemberId: string | null,
    topics: TopicImage,
  ): Map<string, SubscribedTopicMetadata> {
    const counts = new Map(group.subscribedTopicNames);
    const adjust = (names: readonly string[], delta: number): void => {
      for (const name of names) {
        const count = (counts.get(name) ?? 0) + delta;
        if (count <= 0) counts.delete(name);
        else counts.set(name, count);
      }
    };
    if (group.members.has(before.memberId)) adjust(before.subscribedTopicNames, -1);
    if (replacedMemberId !== null) adjust(group.members.get(replacedMemberId)?.subscribedTopicNames ?? [], -1);
    adjust(after.subscribedTopicNames, 1);
    return subscriptionMetadataFor(counts.keys(), topics);
  }

  private assignorFor(group: ConsumerGroup, before: ConsumerGroupMember, after: ConsumerGroupMember): ConsumerGroupPartitionAssignor {
    // The most requested server assignor wins, counting the updated member in its new form.
    const counts = new Map<string, number>();
    for (const member of group.members.values()) {
      const name = member.memberId === after.memberId ? after.serverAssignorName : member.serverAssignorName;
      if (name !== null) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    if (!group.members.has(before.memberId) && after.serverAssignorName !== null) {
      counts.set(after.serverAssignorName, (counts.get(after.serverAssignorName) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestCount = 0;
    for (const [name, count] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (count > bestCount) {
        best = name;
        bestCount = count;
      }
    }
    return (best === null ? undefined : this.assignors.get(best)) ?? this.defaultAssignor;
  }

  // ------------------------------------------------------------------ leaving and fencing

  private leave(request: ConsumerGroupHeartbeatRequest): { records: CoordinatorRecord[]; response: ConsumerGroupHeartbeatResponse } {
    const group = this.consumerGroup(request.groupId);
    const response: ConsumerGroupHeartbeatResponse = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    };
    if (request.instanceId === null) {
      const member = group.members.get(request.memberId);
      if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${group.groupId}.`);
      return { records: this.fenceMember(group, member), response };
    }
    const member = group.staticMember(request.instanceId);
    if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${request.instanceId} is unknown.`);
    if (member.memberId !== request.memberId) {
      throw new GroupError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${request.memberId} with instance id ${request.instanceId} was fenced by member ${member.memberId}.`);
    }
    if (request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // A static member that will be back keeps its assignment; epoch -2 frees its instance id.
      const leaving: ConsumerGroupMember = { ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: EMPTY_TOPIC_PARTITIONS };
      return {
        records: [currentAssignmentRecord(group.groupId, leaving)],
        response: { ...response, memberId: member.memberId, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH },
      };
    }
    return { records: this.fenceMember(group, member), response };
  }

  /** The records that remove a member and bump the group epoch; its timers are cancelled. */
  private fenceMember(group: ConsumerGroup, member: ConsumerGroupMember): CoordinatorRecord[] {
    const groupId = group.groupId;
    const records = memberTombstones(groupId, member.memberId);
    const counts = new Map(group.subscribedTopicNames);
    for (const name of member.subscribedTopicNames) {
      const count = (counts.get(name) ?? 0) - 1;
      if (count <= 0) counts.delete(name);
      else counts.set(name, count);
    }
    const metadata = subscriptionMetadataFor(counts.keys(), this.shard.topics);
    if (!sameSubscriptionMetadata(metadata, group.subscriptionMetadata)) records.push(subscriptionMetadataRecord(groupId, metadata));
    records.push(groupEpochRecord(groupId, group.groupEpoch + 1));
    this.cancelTimers(groupId, member.memberId);
    return records;
  }

  /** Fences a member from a timer (session or rebalance timeout). */
  private fenceFromTimer(groupId: string, memberId: string, expectedEpoch: number | null, reason: string): void {
    const group = this.shard.groups.get(groupId);
    if (group === undefined || group.type !== "consumer") return;
    const member = group.members.get(memberId);
    if (member === undefined) return;
    if (expectedEpoch !== null && member.memberEpoch !== expectedEpoch) return;
    this.shard.logger.info({ groupId, memberId, reason }, "fencing consumer group member");
    this.shard.writeInBackground(this.fenceMember(group, member), { replay: true });
  }

  private scheduleSessionTimeout(groupId: string, memberId: string): void {
    this.shard.timer.schedule(
      timerKey("session", groupId, memberId),
      this.shard.options.groupConsumerSessionTimeoutMs,
      this.shard.scheduled(() => this.fenceFromTimer(groupId, memberId, null, "the member session expired")),
    );
  }

  private scheduleRebalanceTimeout(groupId: string, memberId: string, memberEpoch: number, rebalanceTimeoutMs: number): void {
    this.shard.timer.schedule(
      timerKey("rebalance", groupId, memberId),
      rebalanceTimeoutMs,
      this.shard.scheduled(() => this.fenceFromTimer(groupId, memberId, memberEpoch, "it did not revoke its partitions within the rebalance timeout")),
    );
  }

  private cancelTimers(groupId: string, memberId: string): void {
    this.shard.timer.cancel(timerKey("session", groupId, memberId));
    this.shard.timer.cancel(timerKey("rebalance", groupId, memberId));
  }

  /** After loading: every member's session starts now; pending revocations get their timeout again. */
  onLoaded(group: ConsumerGroup): void {
    for (const member of group.members.values()) {
      this.scheduleSessionTimeout(group.groupId, member.memberId);
      if (member.state === MemberState.UnrevokedPartitions) {
        this.scheduleRebalanceTimeout(group.groupId, member.memberId, member.memberEpoch, member.rebalanceTimeoutMs);
      }
    }
  }

  /** Cancels every timer of the group's members (the group was deleted). */
  cancelGroupTimers(group: ConsumerGroup): void {
    for (const memberId of group.members.keys()) this.cancelTimers(group.groupId, memberId);
  }
}

/** Epoch rules: a member may be one epoch behind only to retry a lost answer, owning no more than before. */
function checkMemberEpoch(member: ConsumerGroupMember, receivedEpoch: number, owned: readonly TopicPartitions[] | null): void {
  if (receivedEpoch > member.memberEpoch) {
    throw new GroupError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${receivedEpoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  if (receivedEpoch < member.memberEpoch) {
    if (receivedEpoch !== member.previousMemberEpoch || !isSubset(owned, member.assignedPartitions)) {
      throw new GroupError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${receivedEpoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
    }
  }
}

export function subscriptionMetadataFor(topicNames: Iterable<string>, topics: TopicImage): Map<string, SubscribedTopicMetadata> {
  const metadata = new Map<string, SubscribedTopicMetadata>();
  for (const name of topicNames) {
    const topic = topics.topic(name);
    if (topic !== undefined) metadata.set(name, { topicId: topic.topicId, name, numPartitions: topic.partitions.length });
  }
  return metadata;
}

function sameSubscriptionMetadata(a: ReadonlyMap<string, SubscribedTopicMetadata>, b: ReadonlyMap<string, SubscribedTopicMetadata>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, topic] of a) {
    const other = b.get(name);
    if (other === undefined || other.topicId !== topic.topicId || other.numPartitions !== topic.numPartitions) return false;
  }
  return true;
}
