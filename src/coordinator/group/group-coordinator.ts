// The group coordinator of a broker: the public face of consumer groups. It routes every group
// API to the shard of the group's __consumer_offsets partition (groupPartition), answers for
// partitions that are not loaded (NOT_COORDINATOR) or still loading
// (COORDINATOR_LOAD_IN_PROGRESS), and loads/unloads partitions as the broker gains or loses
// their leadership. Request and response shapes are the generated protocol types, so the
// request handlers stay thin; nothing here throws a Kafka error at them.

import { systemClock, type Clock } from "../../lib/clock.js";
import { silentLogger, type Logger } from "../../lib/logger.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import type { JoinGroupRequest, JoinGroupResponse } from "../../protocol/generated/join-group.js";
import type { SyncGroupRequest, SyncGroupResponse } from "../../protocol/generated/sync-group.js";
import type { HeartbeatRequest } from "../../protocol/generated/heartbeat.js";
import type { MemberResponse } from "../../protocol/generated/leave-group.js";
import type { OffsetCommitRequest, OffsetCommitResponse } from "../../protocol/generated/offset-commit.js";
import type { OffsetFetchRequestGroup, OffsetFetchResponseGroup } from "../../protocol/generated/offset-fetch.js";
import type { OffsetDeleteRequest, OffsetDeleteResponse } from "../../protocol/generated/offset-delete.js";
import type { ListedGroup } from "../../protocol/generated/list-groups.js";
import type { DescribedGroup } from "../../protocol/generated/describe-groups.js";
import type { DeletableGroupResult } from "../../protocol/generated/delete-groups.js";
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from "../../protocol/generated/consumer-group-heartbeat.js";
import type { DescribedGroup as ConsumerDescribedGroup } from "../../protocol/generated/consumer-group-describe.js";
import { createAssignors } from "./assignors/index.js";
import type { ConsumerGroupPartitionAssignor } from "./assignors/partition-assignor.js";
import { joinResponse, syncResponse, type LeaveMember } from "./classic/classic-group-protocol.js";
import type { CoordinatorLog } from "./coordinator-log.js";
import { resolveGroupCoordinatorOptions, type GroupCoordinatorOptions } from "./group-coordinator-config.js";
import { GroupCoordinatorShard } from "./group-coordinator-shard.js";
import { groupPartition } from "./group-partition.js";
import { GroupError } from "./group-errors.js";
import { describeClassicGroup, describeConsumerGroup, groupStateName, listedGroup, matchesListFilters } from "./group-views.js";
import { commitResponseWithError } from "./offsets/offset-manager.js";
import type { CommittedOffset } from "./offsets/offset-store.js";
import type { Group, RequestInfo, TopicImage } from "./shard-context.js";
import { toTopicPartitionsList } from "./consumer/topic-partitions.js";
import { decodeConsumerAssignment } from "./consumer-protocol-assignment.js";

export interface GroupCoordinatorDependencies {
  /** The __consumer_offsets partitions' logs. */
  readonly log: CoordinatorLog;
  /** Topic names, ids and partition counts (the broker's ClusterImage). */
  readonly topics: TopicImage;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Settings; anything left out takes Kafka's default. */
  readonly options?: Partial<GroupCoordinatorOptions>;
}

export type PartitionStatus = "not-loaded" | "loading" | "active" | "failed";

export interface LeaveGroupResult {
  /** A group-level error (v0-2 report it at the top, v3+ too when no member was processed). */
  readonly errorCode: number;
  readonly members: MemberResponse[];
}

export interface ListGroupsResult {
  readonly errorCode: number;
  readonly groups: ListedGroup[];
}

/** One member as the CLI and tests see it. */
export interface GroupMemberSummary {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Assigned partitions: decoded from the consumer protocol (classic) or the current assignment (KIP-848); null if not decodable. */
  readonly assignment: { readonly topic: string; readonly partitions: readonly number[] }[] | null;
}

export interface GroupSummary {
  readonly groupId: string;
  readonly type: "classic" | "consumer";
  readonly state: string;
  readonly protocolType: string;
  /** The chosen protocol (classic: e.g. "range") or the server assignor (consumer protocol). */
  readonly protocol: string;
  /** Generation (classic) or group epoch (consumer protocol). */
  readonly generationId: number;
  readonly members: readonly GroupMemberSummary[];
}

export class GroupCoordinator {
  readonly options: GroupCoordinatorOptions;
  private readonly log: CoordinatorLog;
  private readonly topics: TopicImage;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly assignors: ReadonlyMap<string, ConsumerGroupPartitionAssignor>;
  private readonly shards = new Map<number, GroupCoordinatorShard>();
  private readonly loads = new Map<number, Promise<void>>();
  private closed = false;

  constructor(dependencies: GroupCoordinatorDependencies) {
    this.options = resolveGroupCoordinatorOptions(dependencies.options);
    this.log = dependencies.log;
    this.topics = dependencies.topics;
    this.clock = dependencies.clock ?? systemClock;
    this.logger = (dependencies.logger ?? silentLogger()).child({ module: "group-coordinator" });
    this.assignors = createAssignors(this.options.groupConsumerAssignors);
  }

  /** The __consumer_offsets partition that holds the group. */
  partitionFor(groupId: string): number {
    return groupPartition(groupId, this.options.offsetsTopicNumPartitions);
  }

  /** Loads the partitions (default: all of them, as a single broker leads every partition). */
  async start(partitions?: readonly number[]): Promise<void> {
    const all = partitions ?? Array.from({ length: this.options.offsetsTopicNumPartitions }, (_, index) => index);
    await Promise.all(all.map((partition) => this.loadPartition(partition)));
  }

  /** Starts serving a partition (the broker became its leader): replays its log first. */
  loadPartition(partition: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const existing = this.shards.get(partition);
    if (existing !== undefined && (existing.status === "active" || existing.status === "loading")) {
      return this.loads.get(partition) ?? Promise.resolve();
    }
    const shard = new GroupCoordinatorShard({
      partition,
      log: this.log,
      clock: this.clock,
      options: this.options,
      logger: this.logger,
      topics: this.topics,
      assignors: this.assignors,
      onWriteFailure: (failed) => this.reloadAfterFailure(failed),
    });
    this.shards.set(partition, shard);
    const load = shard.load().catch((error: unknown) => {
      this.logger.error({ partition, err: error }, "loading a __consumer_offsets partition failed");
      shard.unload(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (this.shards.get(partition) === shard) this.shards.delete(partition);
    });
    const tracked = load.finally(() => {
      if (this.loads.get(partition) === tracked) this.loads.delete(partition);
    });
    this.loads.set(partition, tracked);
    return tracked;
  }

  /** Stops serving a partition (leadership moved away). */
  unloadPartition(partition: number): void {
    const shard = this.shards.get(partition);
    if (shard === undefined) return;
    this.shards.delete(partition);
    shard.unload(ErrorCode.NOT_COORDINATOR);
  }

  private reloadAfterFailure(partition: number): void {
    if (this.closed) return;
    this.shards.delete(partition);
    this.loadPartition(partition).catch((error: unknown) => this.logger.error({ partition, err: error }, "reloading partition failed"));
  }

  /** Waits for in-flight writes, then unloads every partition. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.loads.values()]);
    await this.flush();
    for (const partition of [...this.shards.keys()]) this.unloadPartition(partition);
  }

  /** Resolves when every write issued so far is durable (tests use it after moving a ManualClock). */
  async flush(): Promise<void> {
    await Promise.all([...this.shards.values()].map((shard) => shard.idle()));
  }

  partitionStatus(partition: number): PartitionStatus {
    const status = this.shards.get(partition)?.status;
    if (status === undefined || status === "closed") return "not-loaded";
    return status;
  }

  /** Whether the coordinator serves requests at all (FindCoordinator answers with this broker). */
  get isActive(): boolean {
    return !this.closed && this.shards.size > 0;
  }

  /** The shard serving the group, or the error code that says why there is none. */
  private shardFor(groupId: string): GroupCoordinatorShard | number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const shard = this.shards.get(this.partitionFor(groupId));
    if (shard === undefined) return ErrorCode.NOT_COORDINATOR;
    switch (shard.status) {
      case "active":
        return shard;
      case "loading":
        return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      case "failed":
      case "closed":
        return ErrorCode.NOT_COORDINATOR;
    }
  }

  private activeShards(): GroupCoordinatorShard[] {
    return [...this.shards.values()].filter((shard) => shard.status === "active");
  }

  // ------------------------------------------------------------------ classic protocol

  async joinGroup(request: JoinGroupRequest, info: RequestInfo): Promise<JoinGroupResponse> {
    if (request.groupId === "") return joinResponse({ memberId: request.memberId, errorCode: ErrorCode.INVALID_GROUP_ID });
    if (request.sessionTimeoutMs < this.options.groupMinSessionTimeoutMs || request.sessionTimeoutMs > this.options.groupMaxSessionTimeoutMs) {
      return joinResponse({ memberId: request.memberId, errorCode: ErrorCode.INVALID_SESSION_TIMEOUT });
    }
    const shard = this.shardFor(request.groupId);
    if (typeof shard === "number") return joinResponse({ memberId: request.memberId, errorCode: shard });
    // JoinGroup v0 has no rebalance timeout: the session timeout serves for both.
    const normalized = info.apiVersion === 0 || request.rebalanceTimeoutMs < 0 ? { ...request, rebalanceTimeoutMs: request.sessionTimeoutMs } : request;
    try {
      return await shard.classic.join(normalized, info);
    } catch (error) {
      if (error instanceof GroupError) return joinResponse({ memberId: request.memberId, errorCode: error.errorCode });
      throw error;
    }
  }

  async syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    if (request.groupId === "") return syncResponse({ errorCode: ErrorCode.INVALID_GROUP_ID });
    const shard = this.shardFor(request.groupId);
    if (typeof shard === "number") return syncResponse({ errorCode: shard });
    try {
      return await shard.classic.sync(request);
    } catch (error) {
      if (error instanceof GroupError) return syncResponse({ errorCode: error.errorCode });
      throw error;
    }
  }

  /** Heartbeat: the error code of the answer. */
  heartbeat(request: HeartbeatRequest): number {
    if (request.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const shard = this.shardFor(request.groupId);
    // While the partition loads, Kafka answers heartbeats blindly: the members are not lost.
    if (shard === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (typeof shard === "number") return shard;
    return shard.classic.heartbeat(request);
  }

  leaveGroup(groupId: string, members: readonly LeaveMember[]): LeaveGroupResult {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const shard = this.shardFor(groupId);
    if (typeof shard === "number") return { errorCode: shard, members: [] };
    try {
      return shard.classic.leave(groupId, members);
    } catch (error) {
      if (error instanceof GroupError && error.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        // No such group: every member is unknown.
        return {
          errorCode: ErrorCode.NONE,
          members: members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
        };
      }
      if (error instanceof GroupError) return { errorCode: error.errorCode, members: [] };
      throw error;
    }
  }

  // ------------------------------------------------------------------ offsets

  async commitOffsets(request: OffsetCommitRequest, info: RequestInfo): Promise<OffsetCommitResponse> {
    if (request.groupId === "") return commitResponseWithError(request, ErrorCode.INVALID_GROUP_ID);
    const shard = this.shardFor(request.groupId);
    if (typeof shard === "number") return commitResponseWithError(request, shard);
    try {
      return await shard.offsetManager.commit(request, info.apiVersion);
    } catch (error) {
      if (error instanceof GroupError) return commitResponseWithError(request, error.errorCode);
      throw error;
    }
  }

  /** One group of an OffsetFetch (v8+ send several). requireStable changes nothing until transactions exist. */
  fetchOffsets(request: OffsetFetchRequestGroup): OffsetFetchResponseGroup {
    if (request.groupId === "") return { groupId: request.groupId, topics: [], errorCode: ErrorCode.INVALID_GROUP_ID };
    const shard = this.shardFor(request.groupId);
    if (typeof shard === "number") return { groupId: request.groupId, topics: [], errorCode: shard };
    return shard.offsetManager.fetch(request);
  }

  async deleteOffsets(request: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
    if (request.groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
    const shard = this.shardFor(request.groupId);
    if (typeof shard === "number") return { errorCode: shard, throttleTimeMs: 0, topics: [] };
    try {
      return await shard.offsetManager.delete(request);
    } catch (error) {
      if (error instanceof GroupError) return { errorCode: error.errorCode, throttleTimeMs: 0, topics: [] };
      throw error;
    }
  }

  // ------------------------------------------------------------------ administration

  listGroups(statesFilter: readonly string[] = [], typesFilter: readonly string[] = []): ListGroupsResult {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    if ([...this.shards.values()].some((shard) => shard.status === "loading")) {
      return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, groups: [] };
    }
    const groups: ListedGroup[] = [];
    for (const shard of this.activeShards()) {
      for (const group of shard.groups.values()) {
        if (matchesListFilters(group, statesFilter, typesFilter)) groups.push(listedGroup(group));
      }
    }
    return { errorCode: ErrorCode.NONE, groups: groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0)) };
  }

  describeGroup(groupId: string, authorizedOperations: number): DescribedGroup {
    const failed = (errorCode: number): DescribedGroup => ({
      errorCode,
      groupId,
      groupState: "",
      protocolType: "",
      protocolData: "",
      members: [],
      authorizedOperations,
    });
    if (groupId === "") return failed(ErrorCode.INVALID_GROUP_ID);
    const shard = this.shardFor(groupId);
    if (typeof shard === "number") return failed(shard);
    return describeClassicGroup(groupId, shard.groups.get(groupId), authorizedOperations);
  }

  async deleteGroups(groupIds: readonly string[]): Promise<DeletableGroupResult[]> {
    const results = new Map<string, number>();
    const byShard = new Map<GroupCoordinatorShard, string[]>();
    for (const groupId of groupIds) {
      if (groupId === "") {
        results.set(groupId, ErrorCode.INVALID_GROUP_ID);
        continue;
      }
      const shard = this.shardFor(groupId);
      if (typeof shard === "number") {
        results.set(groupId, shard);
        continue;
      }
      const list = byShard.get(shard) ?? [];
      if (!list.includes(groupId)) list.push(groupId);
      byShard.set(shard, list);
    }
    await Promise.all(
      [...byShard.entries()].map(async ([shard, ids]) => {
        try {
          for (const result of await shard.deleteGroups(ids)) results.set(result.groupId, result.errorCode);
        } catch (error) {
          const errorCode = error instanceof GroupError ? error.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
          if (!(error instanceof GroupError)) this.logger.error({ err: error }, "deleting groups failed");
          for (const groupId of ids) results.set(groupId, errorCode);
        }
      }),
    );
    return groupIds.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? ErrorCode.UNKNOWN_SERVER_ERROR }));
  }

  // ------------------------------------------------------------------ consumer protocol (KIP-848)

  /** Whether group.coordinator.rebalance.protocols enables the consumer protocol. */
  get consumerProtocolEnabled(): boolean {
    return this.options.groupCoordinatorRebalanceProtocols.includes("consumer");
  }

  async consumerGroupHeartbeat(request: ConsumerGroupHeartbeatRequest, info: RequestInfo): Promise<ConsumerGroupHeartbeatResponse> {
    const failed = (errorCode: number, errorMessage: string | null = null): ConsumerGroupHeartbeatResponse => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      memberId: null,
      memberEpoch: 0,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (!this.consumerProtocolEnabled) return failed(ErrorCode.UNSUPPORTED_VERSION, "The consumer group protocol is not enabled (group.coordinator.rebalance.protocols).");
    if (request.groupId === "") return failed(ErrorCode.INVALID_GROUP_ID, "GroupId can't be empty.");
    const shard = this.shardFor(request.groupId);
    if (typeof shard === "number") return failed(shard);
    try {
      return await shard.consumer.heartbeat(request, info);
    } catch (error) {
      if (error instanceof GroupError) return failed(error.errorCode, error.message);
      throw error;
    }
  }

  consumerGroupDescribe(groupId: string, authorizedOperations: number): ConsumerDescribedGroup {
    const shard = groupId === "" ? ErrorCode.INVALID_GROUP_ID : this.shardFor(groupId);
    if (typeof shard === "number") {
      return {
        errorCode: shard,
        errorMessage: null,
        groupId,
        groupState: "",
        groupEpoch: 0,
        assignmentEpoch: 0,
        assignorName: "",
        members: [],
        authorizedOperations,
      };
    }
    return describeConsumerGroup(groupId, shard.groups.get(groupId), shard.consumer.defaultAssignorName, this.topics, authorizedOperations);
  }

  // ------------------------------------------------------------------ views for the CLI, metrics and tests

  /** Committed offsets of a group, sorted by topic and partition; null when its partition is not served. */
  committedOffsets(groupId: string): CommittedOffset[] | null {
    const shard = this.shardFor(groupId);
    if (typeof shard === "number") return null;
    return shard.offsets.list(groupId);
  }

  /** The group's state and members, or undefined when this broker knows no such group. */
  groupSummary(groupId: string): GroupSummary | undefined {
    const shard = this.shardFor(groupId);
    if (typeof shard === "number") return undefined;
    const group = shard.groups.get(groupId);
    if (group === undefined) return undefined;
    return summarize(group, this.topics, shard.consumer.defaultAssignorName);
  }

  /** Every group id this broker serves. */
  groupIds(): string[] {
    const ids: string[] = [];
    for (const shard of this.activeShards()) ids.push(...shard.groups.keys());
    return ids.sort();
  }

  /** Runs the offset expiry now on every partition (what the retention check timer does). */
  expireOffsetsNow(): number {
    let records = 0;
    for (const shard of this.activeShards()) records += shard.cleanupGroupMetadata();
    return records;
  }

  /** For diagnostics: why a partition failed to load is in the log, this says only that it did. */
  describePartitions(): { partition: number; status: PartitionStatus; groups: number }[] {
    return [...this.shards.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, shard]) => ({ partition, status: this.partitionStatus(partition), groups: shard.groups.size }));
  }
}

function summarize(group: Group, topics: TopicImage, defaultAssignorName: string): GroupSummary {
  if (group.type === "classic") {
    return {
      groupId: group.groupId,
      type: "classic",
      state: groupStateName(group),
      protocolType: group.protocolType ?? "",
      protocol: group.protocolName ?? "",
      generationId: group.generationId,
      members: [...group.allMembers()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: decodeConsumerAssignment(member.assignment),
      })),
    };
  }
  return {
    groupId: group.groupId,
    type: "consumer",
    state: groupStateName(group),
    protocolType: "consumer",
    protocol: group.preferredServerAssignor() ?? defaultAssignorName,
    generationId: group.groupEpoch,
    members: [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.instanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: toTopicPartitionsList(member.assignedPartitions).map(({ topicId, partitions }) => ({
        topic: topics.topicById(topicId)?.name ?? topicId,
        partitions,
      })),
    })),
  };
}
