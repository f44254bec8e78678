// How far a consumer group is behind, per partition (what kafka-consumer-groups.sh --describe
// shows): the committed offset (OffsetFetch), the log end offset (ListOffsets latest) and their
// difference, with the member holding the partition. Rows come in Kafka's order: members with
// the most partitions first, each member's partitions by topic and partition, then the
// partitions the group has offsets for but no member holds.

import { ErrorCode } from "../protocol/error-codes.js";
import type { GroupDescription, GroupMemberDescription } from "./group-admin.js";
import { fetchCommittedOffsets, type CommittedOffset } from "./group-offsets.js";
import type { KafkaClient } from "./kafka-client.js";
import { OffsetSpec, listOffsets } from "./list-offsets.js";
import { NO_LEADER } from "./metadata.js";

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** null when the group has no committed offset for the partition. */
  readonly committedOffset: number | null;
  /** The leader epoch stored with the committed offset; null when none. */
  readonly committedLeaderEpoch: number | null;
  /** null when it cannot be read (no leader, topic deleted). */
  readonly logEndOffset: number | null;
  /** logEndOffset - committedOffset, null when either is unknown. */
  readonly lag: number | null;
  /** The member holding the partition; null when no member does. */
  readonly member: GroupMemberDescription | null;
}

/** Per-partition lag of a described group (its committed offsets are fetched here). */
export async function describeGroupLag(client: KafkaClient, group: GroupDescription): Promise<PartitionLag[]> {
  const committed = await fetchCommittedOffsets(client, group.groupId);
  const committedOf = new Map<string, CommittedOffset>(committed.map((entry) => [keyOf(entry.topic, entry.partition), entry]));

  const rows: { topic: string; partition: number; member: GroupMemberDescription | null }[] = [];
  const assigned = new Set<string>();
  const holders = group.members
    .map((member, index) => ({ member, index, count: member.assignment.reduce((sum, entry) => sum + entry.partitions.length, 0) }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => b.count - a.count || a.index - b.index);
  for (const { member } of holders) {
    for (const { topic, partitions } of member.assignment) {
      for (const partition of partitions) {
        assigned.add(keyOf(topic, partition));
        rows.push({ topic, partition, member });
      }
    }
  }
  for (const entry of committed) {
    if (!assigned.has(keyOf(entry.topic, entry.partition))) rows.push({ topic: entry.topic, partition: entry.partition, member: null });
  }

  const ends = await logEndOffsets(client, rows);
  return rows.map((row) => {
    const offset = committedOf.get(keyOf(row.topic, row.partition));
    const committedOffset = offset === undefined ? null : offset.offset;
    const logEndOffset = ends.get(keyOf(row.topic, row.partition)) ?? null;
    return {
      topic: row.topic,
      partition: row.partition,
      committedOffset,
      committedLeaderEpoch: offset === undefined || offset.leaderEpoch < 0 ? null : offset.leaderEpoch,
      logEndOffset,
      lag: committedOffset === null || logEndOffset === null ? null : logEndOffset - committedOffset,
      member: row.member,
    };
  });
}

/**
 * Log end offsets of the partitions that exist and have a leader; others are left out (their
 * column shows "-", as in Kafka, rather than failing the whole description).
 */
async function logEndOffsets(client: KafkaClient, partitions: readonly { topic: string; partition: number }[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  if (partitions.length === 0) return ends;
  const metadata = await client.retry(() => client.metadata([...new Set(partitions.map((entry) => entry.topic))]));
  const readable = partitions.filter(({ topic, partition }) => {
    const described = metadata.topics.get(topic);
    if (described === undefined || described.errorCode !== ErrorCode.NONE) return false;
    const leader = described.partitions.find((candidate) => candidate.partition === partition)?.leaderId;
    return leader !== undefined && leader !== NO_LEADER;
  });
  if (readable.length === 0) return ends;
  const answers = await listOffsets(client, readable.map(({ topic, partition }) => ({ topic, partition, timestamp: OffsetSpec.LATEST })));
  for (const answer of answers) if (answer.error === null) ends.set(keyOf(answer.topic, answer.partition), answer.offset);
  return ends;
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
