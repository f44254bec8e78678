// What the protocol state machines of one __consumer_offsets partition share: its groups and
// offsets, its timers, time, settings, the topic metadata, and the way to persist records. The
// shard (group-coordinator-shard.ts) implements it; keeping it an interface lets the classic,
// consumer and offset rules live in separate modules.

import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import type { CoordinatorTimer } from "./coordinator-timer.js";
import type { GroupCoordinatorOptions } from "./group-coordinator-config.js";
import type { CoordinatorRecord } from "./records/coordinator-record.js";
import type { OffsetStore } from "./offsets/offset-store.js";
import type { ClassicGroup } from "./classic/classic-group.js";
import type { ConsumerGroup } from "./consumer/consumer-group.js";

export type Group = ClassicGroup | ConsumerGroup;

/** A topic as the coordinator needs it: the broker's ClusterImage fits this shape. */
export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly unknown[];
}

/** Read access to the cluster's topics (the broker passes its ClusterImage). */
export interface TopicImage {
  topic(name: string): TopicInfo | undefined;
  topicById(topicId: string): TopicInfo | undefined;
}

/** Who sent a request, as the group APIs record it. */
export interface RequestInfo {
  readonly apiVersion: number;
  readonly clientId: string;
  /** As Kafka reports it: "/" followed by the client's IP address. */
  readonly clientHost: string;
}

export interface WriteOptions {
  /**
   * Apply the records to the in-memory state now (offsets, consumer groups, deletions). Classic
   * group metadata is not replayed: its state machine already holds more than the record does.
   */
  readonly replay: boolean;
}

export interface ShardContext {
  readonly partition: number;
  readonly clock: Clock;
  readonly timer: CoordinatorTimer;
  readonly options: GroupCoordinatorOptions;
  readonly logger: Logger;
  readonly topics: TopicImage;
  readonly groups: Map<string, Group>;
  readonly offsets: OffsetStore;
  /**
   * Persists the records (replaying them first if asked) as one append to the partition's log,
   * after every earlier write. Resolves when durable; rejects with GroupError(NOT_COORDINATOR)
   * if the append failed, in which case the partition is reloaded from its log.
   */
  write(records: readonly CoordinatorRecord[], options: WriteOptions): Promise<void>;
  /** write() for callers that answer nobody: failures are logged (and reload the partition). */
  writeInBackground(records: readonly CoordinatorRecord[], options: WriteOptions): void;
  /** Wraps a timer callback: it runs only while the partition is active; errors are logged. */
  scheduled(work: () => void): () => void;
}
