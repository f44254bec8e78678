// The "range" server-side assignor: for each topic, its subscribers (sorted by member id) take
// consecutive ranges of partitions, the first (partitions % members) one partition more, so
// members subscribed to co-partitioned topics get the same partition numbers of each. Unlike
// Kafka 4.0's range assignor it is not sticky: ranges are recomputed from scratch.

import {
  addPartition,
  compareStrings,
  emptyAssignment,
  type AssignmentGroupSpec,
  type ConsumerGroupPartitionAssignor,
  type GroupAssignment,
  type SubscribedTopicDescriber,
} from "./partition-assignor.js";

export const RANGE_ASSIGNOR_NAME = "range";

export class RangeAssignor implements ConsumerGroupPartitionAssignor {
  readonly name = RANGE_ASSIGNOR_NAME;

  assign(group: AssignmentGroupSpec, topics: SubscribedTopicDescriber): GroupAssignment {
    const result = emptyAssignment(group);
    const subscribersByTopic = new Map<string, string[]>();
    for (const [memberId, spec] of group.members) {
      for (const topicId of spec.subscribedTopicIds) {
        const subscribers = subscribersByTopic.get(topicId) ?? [];
        subscribers.push(memberId);
        subscribersByTopic.set(topicId, subscribers);
      }
    }
    for (const [topicId, subscribers] of subscribersByTopic) {
      const count = topics.numPartitions(topicId);
      if (count <= 0) continue;
      subscribers.sort(compareStrings);
      const base = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      let next = 0;
      subscribers.forEach((memberId, index) => {
        const size = base + (index < extra ? 1 : 0);
        for (let partition = next; partition < next + size; partition++) addPartition(result, memberId, topicId, partition);
        next += size;
      });
    }
    return result;
  }
}
