// A KIP-848 consumer group: group epoch, members, the target assignment the assignor computed
// (and the epoch it was computed for), the partition counts of the subscribed topics at that
// time, and which member currently owns each partition at which epoch. It changes only by
// replaying its records (consumer-group-protocol.ts computes them), so the state after a
// restart is the state before it.
//
// State, as Kafka derives it: Empty (no members), Assigning (the group epoch is ahead of the
// target assignment), Reconciling (some member has not reached the target), Stable.

import type { TopicPartitionSets } from "./topic-partitions.js";
import { EMPTY_TOPIC_PARTITIONS } from "./topic-partitions.js";
import { isReconciledTo, type ConsumerGroupMember } from "./consumer-group-member.js";

export type ConsumerGroupState = "Empty" | "Assigning" | "Reconciling" | "Stable" | "Dead";

export interface SubscribedTopicMetadata {
  readonly topicId: string;
  readonly name: string;
  readonly numPartitions: number;
}

export class ConsumerGroup {
  readonly type = "consumer";
  groupEpoch = 0;
  targetAssignmentEpoch = 0;
  private readonly membersById = new Map<string, ConsumerGroupMember>();
  private readonly staticMemberIds = new Map<string, string>();
  /** topic name -> number of members subscribed to it. */
  private readonly subscribedTopicCounts = new Map<string, number>();
  subscriptionMetadata: ReadonlyMap<string, SubscribedTopicMetadata> = new Map();
  private readonly target = new Map<string, TopicPartitionSets>();
  /** topic id -> partition -> epoch of the member that owns (or is revoking) it. */
  private readonly partitionEpochs = new Map<string, Map<number, number>>();

  constructor(readonly groupId: string) {}

  get members(): ReadonlyMap<string, ConsumerGroupMember> {
    return this.membersById;
  }

  get staticMembers(): ReadonlyMap<string, string> {
    return this.staticMemberIds;
  }

  get targetAssignment(): ReadonlyMap<string, TopicPartitionSets> {
    return this.target;
  }

  get subscribedTopicNames(): ReadonlyMap<string, number> {
    return this.subscribedTopicCounts;
  }

  state(): ConsumerGroupState {
    if (this.membersById.size === 0) return "Empty";
    if (this.groupEpoch > this.targetAssignmentEpoch) return "Assigning";
    for (const member of this.membersById.values()) {
      if (!isReconciledTo(member, this.targetAssignmentEpoch)) return "Reconciling";
    }
    return "Stable";
  }

  isEmpty(): boolean {
    return this.membersById.size === 0;
  }

  member(memberId: string): ConsumerGroupMember | undefined {
    return this.membersById.get(memberId);
  }

  staticMember(instanceId: string): ConsumerGroupMember | undefined {
    const memberId = this.staticMemberIds.get(instanceId);
    return memberId === undefined ? undefined : this.membersById.get(memberId);
  }

  /** The member's target, or that of the member its instance id belonged to before. */
  targetAssignmentOf(memberId: string, instanceId: string | null): TopicPartitionSets {
    const own = this.target.get(memberId);
    if (own !== undefined) return own;
    if (instanceId !== null) {
      const previous = this.staticMemberIds.get(instanceId);
      if (previous !== undefined) return this.target.get(previous) ?? EMPTY_TOPIC_PARTITIONS;
    }
    return EMPTY_TOPIC_PARTITIONS;
  }

  /** The epoch of the member owning the partition, or -1 when it is free. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  isSubscribedToTopic(topic: string): boolean {
    return (this.subscribedTopicCounts.get(topic) ?? 0) > 0;
  }

  /** Replay: adds or replaces a member, keeping the indexes in step. */
  updateMember(member: ConsumerGroupMember): void {
    const old = this.membersById.get(member.memberId);
    if (old !== undefined) {
      this.countSubscriptions(old, -1);
      this.setPartitionEpochs(old, false);
      if (old.instanceId !== null && this.staticMemberIds.get(old.instanceId) === old.memberId) this.staticMemberIds.delete(old.instanceId);
    }
    this.membersById.set(member.memberId, member);
    this.countSubscriptions(member, 1);
    this.setPartitionEpochs(member, true);
    if (member.instanceId !== null) this.staticMemberIds.set(member.instanceId, member.memberId);
  }

  removeMember(memberId: string): void {
    const old = this.membersById.get(memberId);
    if (old === undefined) return;
    this.countSubscriptions(old, -1);
    this.setPartitionEpochs(old, false);
    if (old.instanceId !== null && this.staticMemberIds.get(old.instanceId) === memberId) this.staticMemberIds.delete(old.instanceId);
    this.membersById.delete(memberId);
  }

  updateTargetAssignment(memberId: string, assignment: TopicPartitionSets): void {
    this.target.set(memberId, assignment);
  }

  removeTargetAssignment(memberId: string): void {
    this.target.delete(memberId);
  }

  /** The server assignor most members asked for, if any asked (ties: the name first in order). */
  preferredServerAssignor(): string | null {
    const counts = new Map<string, number>();
    for (const member of this.membersById.values()) {
      if (member.serverAssignorName !== null) counts.set(member.serverAssignorName, (counts.get(member.serverAssignorName) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestCount = 0;
    for (const [name, count] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (count > bestCount) {
        best = name;
        bestCount = count;
      }
    }
    return best;
  }

  private countSubscriptions(member: ConsumerGroupMember, delta: number): void {
    for (const topic of member.subscribedTopicNames) {
      const count = (this.subscribedTopicCounts.get(topic) ?? 0) + delta;
      if (count <= 0) this.subscribedTopicCounts.delete(topic);
      else this.subscribedTopicCounts.set(topic, count);
    }
  }

  private setPartitionEpochs(member: ConsumerGroupMember, add: boolean): void {
    for (const assignment of [member.assignedPartitions, member.partitionsPendingRevocation]) {
      for (const [topicId, partitions] of assignment) {
        let epochs = this.partitionEpochs.get(topicId);
        if (epochs === undefined) {
          if (!add) continue;
          epochs = new Map();
          this.partitionEpochs.set(topicId, epochs);
        }
        for (const partition of partitions) {
          if (add) epochs.set(partition, member.memberEpoch);
          // Only the owner's entry is removed: a partition already handed over stays with the new owner.
          else if (epochs.get(partition) === member.memberEpoch) epochs.delete(partition);
        }
        if (epochs.size === 0) this.partitionEpochs.delete(topicId);
      }
    }
  }
}
