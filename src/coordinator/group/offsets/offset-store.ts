// Committed offsets of the groups of one __consumer_offsets partition, as replayed from its
// records: group -> topic -> partition -> offset and metadata. Only replay changes it, so what
// is in memory is always what the log says.

import type { OffsetCommitValue } from "../records/offset-commit-record.js";

export interface OffsetAndMetadata {
  readonly committedOffset: number;
  /** -1 when the commit named no leader epoch. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Set only for commits with an explicit retention time (OffsetCommit v2-v4). */
  readonly expireTimestampMs: number | null;
}

export interface CommittedOffset extends OffsetAndMetadata {
  readonly topic: string;
  readonly partition: number;
}

export function toOffsetAndMetadata(value: OffsetCommitValue): OffsetAndMetadata {
  return {
    committedOffset: value.offset,
    leaderEpoch: value.leaderEpoch,
    metadata: value.metadata,
    commitTimestampMs: value.commitTimestampMs,
    expireTimestampMs: value.expireTimestampMs,
  };
}

export function toOffsetCommitValue(offset: OffsetAndMetadata): OffsetCommitValue {
  return {
    offset: offset.committedOffset,
    leaderEpoch: offset.leaderEpoch,
    metadata: offset.metadata,
    commitTimestampMs: offset.commitTimestampMs,
    expireTimestampMs: offset.expireTimestampMs,
  };
}

export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();

  replay(groupId: string, topic: string, partition: number, value: OffsetAndMetadata | null): void {
    if (value === null) {
      const topics = this.byGroup.get(groupId);
      const partitions = topics?.get(topic);
      if (topics === undefined || partitions === undefined) return;
      partitions.delete(partition);
      if (partitions.size === 0) topics.delete(topic);
      if (topics.size === 0) this.byGroup.delete(groupId);
      return;
    }
    let topics = this.byGroup.get(groupId);
    if (topics === undefined) {
      topics = new Map();
      this.byGroup.set(groupId, topics);
    }
    let partitions = topics.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      topics.set(topic, partitions);
    }
    partitions.set(partition, value);
  }

  get(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  hasOffsets(groupId: string): boolean {
    return this.byGroup.has(groupId);
  }

  /** topic -> partition -> offset for one group (live view; do not modify). */
  topicsOf(groupId: string): ReadonlyMap<string, ReadonlyMap<number, OffsetAndMetadata>> {
    return this.byGroup.get(groupId) ?? new Map();
  }

  /** Every committed offset of a group, sorted by topic then partition. */
  list(groupId: string): CommittedOffset[] {
    const result: CommittedOffset[] = [];
    for (const [topic, partitions] of this.topicsOf(groupId)) {
      for (const [partition, offset] of partitions) result.push({ topic, partition, ...offset });
    }
    return result.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  groupIds(): IterableIterator<string> {
    return this.byGroup.keys();
  }

  clear(): void {
    this.byGroup.clear();
  }
}
