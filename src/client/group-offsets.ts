// A consumer group's committed offsets over KafkaClient, as Kafka's AdminClient reads and alters
// them: OffsetFetch for every partition the group has an offset for (one group per request; the
// v8+ multi-group form is used when negotiated), and OffsetCommit as a non-member (generation -1,
// empty member id), which the coordinator accepts only while the group has no active members.
// Coordinator errors are retried after looking the coordinator up again; other errors are
// returned per partition (commit) or thrown (fetch: the offsets are useless without them).

import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import type { OffsetCommitRequest, OffsetCommitRequestTopic, OffsetCommitResponse } from "../protocol/generated/offset-commit.js";
import type { OffsetFetchRequest, OffsetFetchResponse } from "../protocol/generated/offset-fetch.js";
import { KafkaProtocolError } from "./errors.js";
import { sendToGroupCoordinator } from "./group-coordinator.js";
import type { KafkaClient } from "./kafka-client.js";

/** First OffsetFetch version that carries a list of groups. */
const FIRST_MULTI_GROUP_OFFSET_FETCH_VERSION = 8;
/** OffsetFetch's "no committed offset" and OffsetCommit's "no generation / no leader epoch / default". */
const NO_OFFSET = -1;
const NO_GENERATION = -1;
const NO_LEADER_EPOCH = -1;
const DEFAULT_RETENTION_TIME_MS = -1;
const DEFAULT_COMMIT_TIMESTAMP = -1;

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** -1 when the committer did not say. */
  readonly leaderEpoch: number;
  readonly metadata: string;
}

export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch?: number;
  readonly metadata?: string;
}

export interface CommitOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly error: KafkaProtocolError | null;
}

/** Every committed offset of the group, sorted by topic and partition; empty for an unknown group. */
export async function fetchCommittedOffsets(client: KafkaClient, groupId: string): Promise<CommittedOffset[]> {
  const { response, version } = await sendToGroupCoordinator<OffsetFetchResponse>(
    client,
    groupId,
    ApiKey.OffsetFetch,
    (negotiated): OffsetFetchRequest =>
      negotiated >= FIRST_MULTI_GROUP_OFFSET_FETCH_VERSION
        ? { groupId: "", topics: null, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }], requireStable: false }
        : { groupId, topics: null, groups: [], requireStable: false },
    (answer) => [answer.errorCode, ...answer.groups.map((group) => group.errorCode)],
  );
  let errorCode: number;
  let topics: readonly { name: string; partitions: readonly { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }[];
  if (version >= FIRST_MULTI_GROUP_OFFSET_FETCH_VERSION) {
    const group = response.groups.find((candidate) => candidate.groupId === groupId);
    if (group === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `offsets of group ${groupId}`, "no answer for this group");
    errorCode = group.errorCode;
    topics = group.topics;
  } else {
    errorCode = response.errorCode;
    topics = response.topics;
  }
  if (errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return [];
  if (errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(errorCode, `offsets of group ${groupId}`);
  const offsets: CommittedOffset[] = [];
  for (const topic of topics) {
    for (const partition of topic.partitions) {
      if (partition.errorCode !== ErrorCode.NONE) {
        throw new KafkaProtocolError(partition.errorCode, `offset of group ${groupId} for ${topic.name}-${partition.partitionIndex}`);
      }
      if (partition.committedOffset === NO_OFFSET) continue;
      offsets.push({
        topic: topic.name,
        partition: partition.partitionIndex,
        offset: partition.committedOffset,
        leaderEpoch: partition.committedLeaderEpoch,
        metadata: partition.metadata ?? "",
      });
    }
  }
  return offsets.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/**
 * Commits offsets for the group as a non-member (Kafka's AdminClient.alterConsumerGroupOffsets):
 * only an inactive group accepts them (UNKNOWN_MEMBER_ID otherwise). One outcome per offset, in
 * the order given.
 */
export async function commitGroupOffsets(client: KafkaClient, groupId: string, offsets: readonly OffsetToCommit[]): Promise<CommitOutcome[]> {
  if (offsets.length === 0) return [];
  const topics = new Map<string, OffsetCommitRequestTopic>();
  for (const offset of offsets) {
    let topic = topics.get(offset.topic);
    if (topic === undefined) {
      topic = { name: offset.topic, partitions: [] };
      topics.set(offset.topic, topic);
    }
    topic.partitions.push({
      partitionIndex: offset.partition,
      committedOffset: offset.offset,
      committedLeaderEpoch: offset.leaderEpoch ?? NO_LEADER_EPOCH,
      commitTimestamp: DEFAULT_COMMIT_TIMESTAMP,
      committedMetadata: offset.metadata ?? "",
    });
  }
  const { response } = await sendToGroupCoordinator<OffsetCommitResponse>(
    client,
    groupId,
    ApiKey.OffsetCommit,
    (): OffsetCommitRequest => ({
      groupId,
      generationIdOrMemberEpoch: NO_GENERATION,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: DEFAULT_RETENTION_TIME_MS,
      topics: [...topics.values()],
    }),
    (answer) => answer.topics.flatMap((topic) => topic.partitions.map((partition) => partition.errorCode)),
  );
  const codes = new Map<string, number>();
  for (const topic of response.topics) for (const partition of topic.partitions) codes.set(`${topic.name}\u0000${partition.partitionIndex}`, partition.errorCode);
  return offsets.map((offset) => {
    const code = codes.get(`${offset.topic}\u0000${offset.partition}`);
    const subject = `commit of group ${groupId} for ${offset.topic}-${offset.partition}`;
    if (code === undefined) return { topic: offset.topic, partition: offset.partition, error: new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, subject, "no answer for this partition") };
    return { topic: offset.topic, partition: offset.partition, error: code === ErrorCode.NONE ? null : new KafkaProtocolError(code, subject) };
  });
}
