// Moves one member's current assignment toward its target (KIP-848 reconciliation, Kafka's
// CurrentAssignmentBuilder). A member first gives up what it must lose, reporting it no longer
// owns it; only then does it advance to the target epoch and receive new partitions, and only
// those no other member still holds. States:
//   Stable               reconciled with the target it has seen
//   UnrevokedPartitions  waits until the member stops reporting the partitions to revoke
//   UnreleasedPartitions at the target epoch, waiting for partitions others still hold
//   Unknown              a state from a newer broker: the member must rejoin with nothing

import type { TopicPartitionsValue } from "../records/consumer-group-records.js";
import { GroupError } from "../group-errors.js";
import { ErrorCode } from "../../../protocol/error-codes.js";
import { MemberState, withMemberEpoch, type ConsumerGroupMember } from "./consumer-group-member.js";
import { EMPTY_TOPIC_PARTITIONS, type TopicPartitionSets } from "./topic-partitions.js";

export interface ReconciliationInput {
  readonly targetAssignmentEpoch: number;
  readonly targetAssignment: TopicPartitionSets;
  /** Epoch of the member owning a partition, -1 when free. */
  readonly currentPartitionEpoch: (topicId: string, partition: number) => number;
  /** What the member reported owning in this heartbeat; null when it did not say. */
  readonly ownedTopicPartitions: readonly TopicPartitionsValue[] | null;
}

/** The member's next state, or the same object when nothing can move yet. */
export function reconcile(member: ConsumerGroupMember, input: ReconciliationInput): ConsumerGroupMember {
  switch (member.state) {
    case MemberState.Stable:
      if (member.memberEpoch !== input.targetAssignmentEpoch) return nextAssignment(member, member.memberEpoch, input);
      return member;
    case MemberState.UnrevokedPartitions:
      if (ownsAnyOf(member.partitionsPendingRevocation, input.ownedTopicPartitions)) return member;
      return nextAssignment(member, member.memberEpoch + 1, input);
    case MemberState.UnreleasedPartitions:
      return nextAssignment(member, member.memberEpoch, input);
    case MemberState.Unknown:
      if (input.ownedTopicPartitions === null || input.ownedTopicPartitions.length > 0) {
        throw new GroupError(ErrorCode.FENCED_MEMBER_EPOCH, "The consumer group member is in an unknown state. It must abandon all its partitions and rejoin.");
      }
      return nextAssignment(member, input.targetAssignmentEpoch, input);
  }
}

/** Whether the owned partitions include any of these (not reporting counts as owning). */
function ownsAnyOf(partitions: TopicPartitionSets, owned: readonly TopicPartitionsValue[] | null): boolean {
  if (owned === null) return true;
  for (const { topicId, partitions: ownedPartitions } of owned) {
    const pending = partitions.get(topicId);
    if (pending === undefined) continue;
    for (const partition of ownedPartitions) if (pending.has(partition)) return true;
  }
  return false;
}

function nextAssignment(member: ConsumerGroupMember, memberEpoch: number, input: ReconciliationInput): ConsumerGroupMember {
  let hasUnreleased = false;
  const assigned = new Map<string, Set<number>>();
  const pendingRevocation = new Map<string, Set<number>>();
  const pendingAssignment = new Map<string, Set<number>>();
  const topicIds = new Set([...input.targetAssignment.keys(), ...member.assignedPartitions.keys()]);
  for (const topicId of topicIds) {
    const target = input.targetAssignment.get(topicId) ?? new Set<number>();
    const current = member.assignedPartitions.get(topicId) ?? new Set<number>();
    const keep = new Set([...current].filter((partition) => target.has(partition)));
    const revoke = new Set([...current].filter((partition) => !keep.has(partition)));
    const add = new Set<number>();
    for (const partition of target) {
      if (keep.has(partition)) continue;
      if (input.currentPartitionEpoch(topicId, partition) !== -1) hasUnreleased = true;
      else add.add(partition);
    }
    if (keep.size > 0) assigned.set(topicId, keep);
    if (revoke.size > 0) pendingRevocation.set(topicId, revoke);
    if (add.size > 0) pendingAssignment.set(topicId, add);
  }

  if (pendingRevocation.size > 0 && ownsAnyOf(pendingRevocation, input.ownedTopicPartitions)) {
    // Revoke first: the member stays at its epoch until it reports the partitions gone.
    return {
      ...withMemberEpoch(member, memberEpoch),
      state: MemberState.UnrevokedPartitions,
      assignedPartitions: assigned,
      partitionsPendingRevocation: pendingRevocation,
    };
  }
  for (const [topicId, partitions] of pendingAssignment) {
    const set = assigned.get(topicId) ?? new Set<number>();
    for (const partition of partitions) set.add(partition);
    assigned.set(topicId, set);
  }
  return {
    ...withMemberEpoch(member, input.targetAssignmentEpoch),
    state: hasUnreleased ? MemberState.UnreleasedPartitions : MemberState.Stable,
    assignedPartitions: assigned,
    partitionsPendingRevocation: EMPTY_TOPIC_PARTITIONS,
  };
}
