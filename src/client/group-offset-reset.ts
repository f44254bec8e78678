// Where a consumer group's offsets go when they are reset (what kafka-consumer-groups.sh
// --reset-offsets computes before it commits): to the log start or end, to an offset, to the
// first offset at or after a time, by a shift from the committed offset, or to the committed
// offset itself. As in Kafka, an explicit offset or a shift that falls outside the partition's
// range is clamped to the log start or end (with a warning), and a time after the last record
// falls back to the log end offset (with a warning).

import { ClientUsageError } from "./errors.js";
import type { CommittedOffset } from "./group-offsets.js";
import type { KafkaClient } from "./kafka-client.js";
import { OffsetSpec, listOffsets, type OffsetQuery } from "./list-offsets.js";

export type OffsetResetSpec =
  | { readonly kind: "earliest" }
  | { readonly kind: "latest" }
  /** The committed offset; the log end offset for partitions without one. */
  | { readonly kind: "current" }
  | { readonly kind: "offset"; readonly offset: number }
  /** The first offset whose record's timestamp is at or after this time. */
  | { readonly kind: "timestamp"; readonly timestampMs: number }
  /** The committed offset plus this (negative moves back); each partition needs a committed offset. */
  | { readonly kind: "shift"; readonly by: number };

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export interface PlannedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Why the offset is not exactly what was asked for, if it is not. */
  readonly warning: string | null;
}

/**
 * The new offset of each partition, in the order given. committed holds the group's committed
 * offsets (needed by "current" and "shift"). ListOffsets errors are thrown; a shift for a
 * partition without a committed offset is a ClientUsageError.
 */
export async function planOffsetReset(
  client: KafkaClient,
  partitions: readonly TopicPartitionRef[],
  spec: OffsetResetSpec,
  committed: readonly CommittedOffset[],
): Promise<PlannedOffset[]> {
  const committedOf = new Map(committed.map((entry) => [keyOf(entry), entry.offset]));
  switch (spec.kind) {
    case "earliest": {
      const starts = await offsetsAt(client, partitions, OffsetSpec.EARLIEST);
      return partitions.map((ref, index) => ({ ...ref, offset: starts[index], warning: null }));
    }
    case "latest": {
      const ends = await offsetsAt(client, partitions, OffsetSpec.LATEST);
      return partitions.map((ref, index) => ({ ...ref, offset: ends[index], warning: null }));
    }
    case "current": {
      const ends = await offsetsAt(client, partitions, OffsetSpec.LATEST);
      return partitions.map((ref, index) => ({ ...ref, offset: committedOf.get(keyOf(ref)) ?? ends[index], warning: null }));
    }
    case "offset":
      return clamped(client, partitions, partitions.map(() => spec.offset));
    case "shift": {
      const requested = partitions.map((ref) => {
        const current = committedOf.get(keyOf(ref));
        if (current === undefined) throw new ClientUsageError(`cannot shift the offset of ${ref.topic}-${ref.partition}: the group has no committed offset for it`);
        return current + spec.by;
      });
      return clamped(client, partitions, requested);
    }
    case "timestamp": {
      const [found, ends] = await Promise.all([offsetsAt(client, partitions, spec.timestampMs), offsetsAt(client, partitions, OffsetSpec.LATEST)]);
      return partitions.map((ref, index) => {
        if (found[index] >= 0) return { ...ref, offset: found[index], warning: null };
        return { ...ref, offset: ends[index], warning: `${ref.topic}-${ref.partition} has no record at or after that time: using its log end offset ${ends[index]}` };
      });
    }
  }
}

/** Requested offsets moved into [log start offset, log end offset], with a warning when moved. */
async function clamped(client: KafkaClient, partitions: readonly TopicPartitionRef[], requested: readonly number[]): Promise<PlannedOffset[]> {
  const [starts, ends] = await Promise.all([offsetsAt(client, partitions, OffsetSpec.EARLIEST), offsetsAt(client, partitions, OffsetSpec.LATEST)]);
  return partitions.map((ref, index) => {
    const offset = requested[index];
    const name = `${ref.topic}-${ref.partition}`;
    if (offset > ends[index]) return { ...ref, offset: ends[index], warning: `offset ${offset} is after the log end offset of ${name}: using ${ends[index]}` };
    if (offset < starts[index]) return { ...ref, offset: starts[index], warning: `offset ${offset} is before the log start offset of ${name}: using ${starts[index]}` };
    return { ...ref, offset, warning: null };
  });
}

/** One ListOffsets answer per partition (a timestamp or an OffsetSpec sentinel); errors are thrown. */
async function offsetsAt(client: KafkaClient, partitions: readonly TopicPartitionRef[], timestamp: number): Promise<number[]> {
  if (partitions.length === 0) return [];
  const queries: OffsetQuery[] = partitions.map(({ topic, partition }) => ({ topic, partition, timestamp }));
  const answers = await listOffsets(client, queries);
  return answers.map((answer) => {
    if (answer.error !== null) throw answer.error;
    return answer.offset;
  });
}

function keyOf(ref: TopicPartitionRef): string {
  return `${ref.topic}\u0000${ref.partition}`;
}
