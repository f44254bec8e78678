// Assignments of the consumer protocol (KIP-848): topic id -> set of partitions. Small helpers to
// compare, copy and convert them to and from their record and wire forms.

import type { TopicPartitionsValue } from "../records/consumer-group-records.js";

export type TopicPartitionSets = ReadonlyMap<string, ReadonlySet<number>>;

export const EMPTY_TOPIC_PARTITIONS: TopicPartitionSets = new Map();

export function topicPartitionsEqual(a: TopicPartitionSets, b: TopicPartitionSets): boolean {
  if (a.size !== b.size) return false;
  for (const [topicId, partitions] of a) {
    const other = b.get(topicId);
    if (other === undefined || other.size !== partitions.size) return false;
    for (const partition of partitions) if (!other.has(partition)) return false;
  }
  return true;
}

export function partitionCount(assignment: TopicPartitionSets): number {
  let count = 0;
  for (const partitions of assignment.values()) count += partitions.size;
  return count;
}

/** Record/wire form, sorted by topic id and partition so the same assignment encodes the same. */
export function toTopicPartitionsList(assignment: TopicPartitionSets): TopicPartitionsValue[] {
  return [...assignment.entries()]
    .filter(([, partitions]) => partitions.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topicId, partitions]) => ({ topicId, partitions: [...partitions].sort((x, y) => x - y) }));
}

export function fromTopicPartitionsList(list: readonly TopicPartitionsValue[]): TopicPartitionSets {
  const result = new Map<string, Set<number>>();
  for (const { topicId, partitions } of list) {
    if (partitions.length === 0) continue;
    let set = result.get(topicId);
    if (set === undefined) {
      set = new Set();
      result.set(topicId, set);
    }
    for (const partition of partitions) set.add(partition);
  }
  return result;
}

/** Whether every owned partition is in the assignment (owned null counts as not a subset). */
export function isSubset(owned: readonly TopicPartitionsValue[] | null, assignment: TopicPartitionSets): boolean {
  if (owned === null) return false;
  for (const { topicId, partitions } of owned) {
    const assigned = assignment.get(topicId);
    if (assigned === undefined) {
      if (partitions.length > 0) return false;
      continue;
    }
    for (const partition of partitions) if (!assigned.has(partition)) return false;
  }
  return true;
}
