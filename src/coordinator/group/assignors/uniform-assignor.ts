// The "uniform" server-side assignor (Kafka's default for KIP-848 groups): spreads the partitions
// of the subscribed topics as evenly as the subscriptions allow while moving as few partitions
// as possible between rebalances. Our own algorithm, in three passes:
//   1. every member keeps the partitions of its previous target that are still valid;
//   2. unowned partitions go, one by one, to the least loaded member subscribed to their topic;
//   3. while some member holds a partition that a member with at least two fewer partitions
//      could take, that partition moves (each move lowers the sum of squared loads, so this ends).
// With identical subscriptions the loads end up differing by at most one. Ties are broken by
// member id, so the result is a pure function of the input.

import {
  addPartition,
  compareStrings,
  emptyAssignment,
  removePartition,
  type AssignmentGroupSpec,
  type ConsumerGroupPartitionAssignor,
  type GroupAssignment,
  type SubscribedTopicDescriber,
} from "./partition-assignor.js";

export const UNIFORM_ASSIGNOR_NAME = "uniform";

interface PartitionRef {
  readonly topicId: string;
  readonly partition: number;
}

export class UniformAssignor implements ConsumerGroupPartitionAssignor {
  readonly name = UNIFORM_ASSIGNOR_NAME;

  assign(group: AssignmentGroupSpec, topics: SubscribedTopicDescriber): GroupAssignment {
    const result = emptyAssignment(group);
    const memberIds = [...group.members.keys()].sort(compareStrings);
    const load = new Map<string, number>(memberIds.map((memberId) => [memberId, 0]));
    const subscribersByTopic = new Map<string, string[]>();
    for (const memberId of memberIds) {
      for (const topicId of group.members.get(memberId)?.subscribedTopicIds ?? []) {
        if (topics.numPartitions(topicId) <= 0) continue;
        const subscribers = subscribersByTopic.get(topicId) ?? [];
        subscribers.push(memberId);
        subscribersByTopic.set(topicId, subscribers);
      }
    }
    const owner = new Map<string, string>();
    const keyOf = (topicId: string, partition: number): string => `${topicId}:${partition}`;
    const give = (memberId: string, topicId: string, partition: number): void => {
      addPartition(result, memberId, topicId, partition);
      owner.set(keyOf(topicId, partition), memberId);
      load.set(memberId, (load.get(memberId) ?? 0) + 1);
    };

    // 1. Stickiness.
    for (const memberId of memberIds) {
      const spec = group.members.get(memberId);
      if (spec === undefined) continue;
      for (const [topicId, partitions] of spec.currentAssignment) {
        if (!spec.subscribedTopicIds.has(topicId)) continue;
        const count = topics.numPartitions(topicId);
        for (const partition of [...partitions].sort((a, b) => a - b)) {
          if (partition < count && !owner.has(keyOf(topicId, partition))) give(memberId, topicId, partition);
        }
      }
    }

    // 2. Unowned partitions to the least loaded subscriber.
    const leastLoaded = (candidates: readonly string[]): string => {
      let best = candidates[0];
      for (const candidate of candidates) if ((load.get(candidate) ?? 0) < (load.get(best) ?? 0)) best = candidate;
      return best;
    };
    for (const topicId of [...subscribersByTopic.keys()].sort(compareStrings)) {
      const subscribers = subscribersByTopic.get(topicId) ?? [];
      const count = topics.numPartitions(topicId);
      for (let partition = 0; partition < count; partition++) {
        if (!owner.has(keyOf(topicId, partition))) give(leastLoaded(subscribers), topicId, partition);
      }
    }

    // 3. Balance.
    const partitionsOf = (memberId: string): PartitionRef[] => {
      const refs: PartitionRef[] = [];
      for (const [topicId, partitions] of result.get(memberId) ?? []) {
        for (const partition of partitions) refs.push({ topicId, partition });
      }
      // Move the highest partitions first, so the members that keep theirs keep the low ones.
      return refs.sort((a, b) => compareStrings(a.topicId, b.topicId) || b.partition - a.partition);
    };
    let totalPartitions = 0;
    for (const count of load.values()) totalPartitions += count;
    const maxMoves = totalPartitions * Math.max(1, memberIds.length);
    for (let moves = 0; moves < maxMoves; moves++) {
      const moved = this.moveOne(memberIds, load, subscribersByTopic, partitionsOf, (from, to, ref) => {
        removePartition(result, from, ref.topicId, ref.partition);
        load.set(from, (load.get(from) ?? 0) - 1);
        give(to, ref.topicId, ref.partition);
      });
      if (!moved) break;
    }
    return result;
  }

  /** Finds and makes one move from a heavier member to one at least two lighter; false if none. */
  private moveOne(
    memberIds: readonly string[],
    load: ReadonlyMap<string, number>,
    subscribersByTopic: ReadonlyMap<string, readonly string[]>,
    partitionsOf: (memberId: string) => PartitionRef[],
    move: (from: string, to: string, ref: PartitionRef) => void,
  ): boolean {
    const byLoad = [...memberIds].sort((a, b) => (load.get(b) ?? 0) - (load.get(a) ?? 0) || compareStrings(a, b));
    for (const from of byLoad) {
      const fromLoad = load.get(from) ?? 0;
      for (const ref of partitionsOf(from)) {
        let to: string | null = null;
        for (const candidate of subscribersByTopic.get(ref.topicId) ?? []) {
          const candidateLoad = load.get(candidate) ?? 0;
          if (candidateLoad <= fromLoad - 2 && (to === null || candidateLoad < (load.get(to) ?? 0))) to = candidate;
        }
        if (to !== null) {
          move(from, to, ref);
          return true;
        }
      }
    }
    return false;
  }
}
