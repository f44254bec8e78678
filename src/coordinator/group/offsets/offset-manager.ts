// OffsetCommit, OffsetFetch and OffsetDelete for the groups of one __consumer_offsets partition,
// and the expiry of old offsets, following Apache Kafka's OffsetMetadataManager:
//   - members commit with their generation (classic) or member epoch (consumer protocol); a
//     commit with generation -1 from an admin client or a standalone consumer is accepted while
//     the group is empty (and creates a "simple" group if there is none);
//   - an offset of an empty group expires offsets.retention.minutes after the group became
//     empty (or after the commit, for simple groups and for topics a consumer group no longer
//     subscribes to); an explicit retention time (OffsetCommit v2-v4) sets its own expiry;
//   - a group that is empty and has no offsets left is deleted.

import { ErrorCode } from "../../../protocol/error-codes.js";
import type { OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponseTopic } from "../../../protocol/generated/offset-commit.js";
import type {
  OffsetFetchRequestGroup,
  OffsetFetchResponseGroup,
  OffsetFetchResponsePartitions,
  OffsetFetchResponseTopics,
} from "../../../protocol/generated/offset-fetch.js";
import type { OffsetDeleteRequest, OffsetDeleteResponse } from "../../../protocol/generated/offset-delete.js";
import { GroupError } from "../group-errors.js";
import { offsetsRetentionMs } from "../group-coordinator-config.js";
import type { CoordinatorRecord } from "../records/coordinator-record.js";
import type { Group, ShardContext } from "../shard-context.js";
import { ClassicGroup, CONSUMER_PROTOCOL_TYPE } from "../classic/classic-group.js";
import { validateMember, type ClassicGroupProtocol } from "../classic/classic-group-protocol.js";
import { toOffsetCommitValue, type OffsetAndMetadata } from "./offset-store.js";

/** OffsetCommit sends this to mean "no explicit retention" and "commit time = now". */
const DEFAULT_RETENTION_TIME_MS = -1;
const DEFAULT_COMMIT_TIMESTAMP = -1;
/** OffsetFetch answers this for partitions without a committed offset. */
export const INVALID_OFFSET = -1;
const FIRST_VERSION_WITH_GROUP_ID_NOT_FOUND = 9;
/** Members of KIP-848 groups commit with OffsetCommit v9+, which carries the member epoch. */
const FIRST_VERSION_FOR_CONSUMER_PROTOCOL = 9;

export function offsetCommitRecord(groupId: string, topic: string, partition: number, offset: OffsetAndMetadata): CoordinatorRecord {
  return { type: "OffsetCommit", key: { groupId, topic, partition }, value: toOffsetCommitValue(offset) };
}

export function offsetTombstone(groupId: string, topic: string, partition: number): CoordinatorRecord {
  return { type: "OffsetCommit", key: { groupId, topic, partition }, value: null };
}

export class OffsetManager {
  constructor(
    private readonly shard: ShardContext,
    private readonly classic: ClassicGroupProtocol,
  ) {}

  // ------------------------------------------------------------------ OffsetCommit

  async commit(request: OffsetCommitRequest, apiVersion: number): Promise<OffsetCommitResponse> {
    try {
      this.validateCommit(request, apiVersion);
    } catch (error) {
      if (error instanceof GroupError) return commitResponseWithError(request, error.errorCode);
      throw error;
    }
    const nowMs = this.shard.clock.nowMs();
    const expireTimestampMs = request.retentionTimeMs === DEFAULT_RETENTION_TIME_MS ? null : nowMs + request.retentionTimeMs;
    const records: CoordinatorRecord[] = [];
    const topics: OffsetCommitResponseTopic[] = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => {
        const metadata = partition.committedMetadata ?? "";
        // Kafka measures String.length(), i.e. UTF-16 code units, as JavaScript does.
        if (metadata.length > this.shard.options.offsetMetadataMaxBytes) {
          return { partitionIndex: partition.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        }
        records.push(
          offsetCommitRecord(request.groupId, topic.name, partition.partitionIndex, {
            committedOffset: partition.committedOffset,
            leaderEpoch: partition.committedLeaderEpoch,
            metadata,
            commitTimestampMs: partition.commitTimestamp === DEFAULT_COMMIT_TIMESTAMP ? nowMs : partition.commitTimestamp,
            expireTimestampMs,
          }),
        );
        return { partitionIndex: partition.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    if (records.length > 0) await this.shard.write(records, { replay: true });
    return { throttleTimeMs: 0, topics };
  }

  private validateCommit(request: OffsetCommitRequest, apiVersion: number): void {
    const { groupId, memberId, groupInstanceId } = request;
    const generation = request.generationIdOrMemberEpoch;
    let group = this.shard.groups.get(groupId);
    if (group === undefined) {
      if (generation >= 0) {
        throw new GroupError(apiVersion >= FIRST_VERSION_WITH_GROUP_ID_NOT_FOUND ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      }
      // An admin client or standalone consumer: a simple group is created for its offsets.
      group = new ClassicGroup(groupId, this.shard.clock.nowMs());
      this.shard.groups.set(groupId, group);
    }
    if (group.type === "consumer") {
      if (generation < 0 && group.isEmpty()) return;
      const member = group.members.get(memberId);
      if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${groupId}.`);
      if (apiVersion < FIRST_VERSION_FOR_CONSUMER_PROTOCOL) {
        throw new GroupError(ErrorCode.UNSUPPORTED_VERSION, "OffsetCommit version 9 or above must be used by members using the consumer group protocol");
      }
      if (generation !== member.memberEpoch) throw new GroupError(ErrorCode.STALE_MEMBER_EPOCH);
      return;
    }
    if (group.is("Dead")) throw new GroupError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (generation < 0 && group.is("Empty")) return;
    if (generation >= 0 || memberId !== "" || groupInstanceId !== null) {
      const error = validateMember(group, memberId, groupInstanceId);
      if (error !== ErrorCode.NONE) throw new GroupError(error);
      if (generation !== group.generationId) throw new GroupError(ErrorCode.ILLEGAL_GENERATION);
    } else if (!group.is("Empty")) {
      // No member id and no generation (OffsetCommit from a non-member) only while the group is empty.
      throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    if (group.is("CompletingRebalance")) throw new GroupError(ErrorCode.REBALANCE_IN_PROGRESS);
    // A commit counts as a sign of life of the committing member.
    if ((group.is("Stable") || group.is("PreparingRebalance")) && group.hasMember(memberId)) {
      this.classic.rescheduleHeartbeat(group, group.member(memberId));
    }
  }

  // ------------------------------------------------------------------ OffsetFetch

  /** One group's committed offsets; topics null means every topic the group has offsets for. */
  fetch(request: OffsetFetchRequestGroup): OffsetFetchResponseGroup {
    const group = this.shard.groups.get(request.groupId);
    let failAllPartitions = group === undefined;
    try {
      if (group !== undefined) failAllPartitions = !this.validateFetch(group, request);
    } catch (error) {
      if (error instanceof GroupError) return { groupId: request.groupId, topics: [], errorCode: error.errorCode };
      throw error;
    }
    const offsets = this.shard.offsets;
    if (request.topics === null) {
      const topics: OffsetFetchResponseTopics[] = [];
      if (!failAllPartitions) {
        for (const [topic, partitions] of offsets.topicsOf(request.groupId)) {
          topics.push({
            name: topic,
            partitions: [...partitions.entries()].sort(([a], [b]) => a - b).map(([partition, offset]) => fetchedPartition(partition, offset)),
          });
        }
      }
      return { groupId: request.groupId, topics, errorCode: ErrorCode.NONE };
    }
    const topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partition) =>
        fetchedPartition(partition, failAllPartitions ? undefined : offsets.get(request.groupId, topic.name, partition)),
      ),
    }));
    return { groupId: request.groupId, topics, errorCode: ErrorCode.NONE };
  }

  /** False when the group's offsets are to be reported as absent; throws for group-level errors. */
  private validateFetch(group: Group, request: OffsetFetchRequestGroup): boolean {
    if (group.type === "classic") return !group.is("Dead");
    if (request.memberId === null && request.memberEpoch < 0) return true;
    const member = request.memberId === null ? undefined : group.members.get(request.memberId);
    if (member === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (request.memberEpoch !== member.memberEpoch) throw new GroupError(ErrorCode.STALE_MEMBER_EPOCH);
    return true;
  }

  // ------------------------------------------------------------------ OffsetDelete

  async delete(request: OffsetDeleteRequest): Promise<OffsetDeleteResponse> {
    const group = this.shard.groups.get(request.groupId);
    const fail = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
    if (group === undefined) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    if (group.type === "classic") {
      if (group.is("Dead")) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
      if (!group.is("Empty") && group.protocolType !== CONSUMER_PROTOCOL_TYPE) return fail(ErrorCode.NON_EMPTY_GROUP);
    }
    const records: CoordinatorRecord[] = [];
    const topics = request.topics.map((topic) => {
      if (group.isSubscribedToTopic(topic.name)) {
        return {
          name: topic.name,
          partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC })),
        };
      }
      return {
        name: topic.name,
        partitions: topic.partitions.map((partition) => {
          if (this.shard.offsets.get(request.groupId, topic.name, partition.partitionIndex) !== undefined) {
            records.push(offsetTombstone(request.groupId, topic.name, partition.partitionIndex));
          }
          return { partitionIndex: partition.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    if (records.length > 0) await this.shard.write(records, { replay: true });
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  }

  /** Tombstones for every offset of the group (DeleteGroups). */
  deleteAllOffsets(groupId: string): CoordinatorRecord[] {
    return this.shard.offsets.list(groupId).map((offset) => offsetTombstone(groupId, offset.topic, offset.partition));
  }

  // ------------------------------------------------------------------ expiry

  /**
   * Tombstones for the group's expired offsets (added to records). True when the group has no
   * offsets left afterwards, so an empty group may be deleted.
   */
  cleanupExpiredOffsets(group: Group, records: CoordinatorRecord[]): boolean {
    const topics = this.shard.offsets.topicsOf(group.groupId);
    if (topics.size === 0) return true;
    const baseTimestamp = expirationBase(group);
    if (baseTimestamp === null) return false;
    const nowMs = this.shard.clock.nowMs();
    const retentionMs = offsetsRetentionMs(this.shard.options);
    let allExpired = true;
    for (const [topic, partitions] of topics) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [partition, offset] of partitions) {
        const expired =
          offset.expireTimestampMs !== null ? nowMs >= offset.expireTimestampMs : nowMs - baseTimestamp(offset) >= retentionMs;
        if (expired) records.push(offsetTombstone(group.groupId, topic, partition));
        else allExpired = false;
      }
    }
    return allExpired;
  }
}

/** From when an offset's retention counts, or null when the group's offsets do not expire now. */
function expirationBase(group: Group): ((offset: OffsetAndMetadata) => number) | null {
  if (group.type === "consumer") return (offset) => offset.commitTimestampMs;
  if (group.protocolType === null) return (offset) => offset.commitTimestampMs;
  if (group.is("Empty")) {
    const since = group.currentStateTimestampMs;
    return (offset) => since ?? offset.commitTimestampMs;
  }
  if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribedTopics !== null && group.is("Stable")) {
    return (offset) => offset.commitTimestampMs;
  }
  return null;
}

function fetchedPartition(partition: number, offset: OffsetAndMetadata | undefined): OffsetFetchResponsePartitions {
  if (offset === undefined) {
    return { partitionIndex: partition, committedOffset: INVALID_OFFSET, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.NONE };
  }
  return {
    partitionIndex: partition,
    committedOffset: offset.committedOffset,
    committedLeaderEpoch: offset.leaderEpoch,
    metadata: offset.metadata,
    errorCode: ErrorCode.NONE,
  };
}

export function commitResponseWithError(request: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode })),
    })),
  };
}
