// The group coordinator's settings, named after the Kafka broker configs they come from
// (offsets.retention.minutes -> offsetsRetentionMinutes, ...), with Kafka 4.0's defaults. The
// broker maps its config into this object; the coordinator reads nothing else.

import { assert } from "../../lib/assert.js";

/** "share" (KIP-932) is accepted for config compatibility and has no effect. */
export type GroupRebalanceProtocol = "classic" | "consumer" | "share";

export interface GroupCoordinatorOptions {
  /** offsets.topic.num.partitions */
  readonly offsetsTopicNumPartitions: number;
  /** offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE. */
  readonly offsetMetadataMaxBytes: number;
  /** offsets.retention.minutes: how long offsets of an empty group are kept. */
  readonly offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for more members. */
  readonly groupInitialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms */
  readonly groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  readonly groupMaxSessionTimeoutMs: number;
  /** group.max.size: members of one classic group. */
  readonly groupMaxSize: number;
  /** group.consumer.session.timeout.ms (KIP-848 groups). */
  readonly groupConsumerSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (KIP-848 groups). */
  readonly groupConsumerHeartbeatIntervalMs: number;
  /** group.consumer.assignors: server-side assignors by name; the first is the default. */
  readonly groupConsumerAssignors: readonly string[];
  /** group.consumer.max.size: members of one KIP-848 group. */
  readonly groupConsumerMaxSize: number;
  /** group.coordinator.rebalance.protocols: "consumer" enables ConsumerGroupHeartbeat; classic is always served. */
  readonly groupCoordinatorRebalanceProtocols: readonly GroupRebalanceProtocol[];
}

const INT32_MAX = 0x7fff_ffff;

/** Kafka 4.0's defaults. */
export const DEFAULT_GROUP_COORDINATOR_OPTIONS: GroupCoordinatorOptions = Object.freeze({
  offsetsTopicNumPartitions: 50,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMinutes: 7 * 24 * 60,
  offsetsRetentionCheckIntervalMs: 600_000,
  groupInitialRebalanceDelayMs: 3000,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupMaxSize: INT32_MAX,
  groupConsumerSessionTimeoutMs: 45_000,
  groupConsumerHeartbeatIntervalMs: 5000,
  groupConsumerAssignors: Object.freeze(["uniform", "range"]),
  groupConsumerMaxSize: INT32_MAX,
  groupCoordinatorRebalanceProtocols: Object.freeze(["classic", "consumer"] as GroupRebalanceProtocol[]),
});

/** How long a new member's JoinGroup may stay parked (Kafka's group.classic.new.member.join.timeout, 5 minutes). */
export const CLASSIC_NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000;

export function resolveGroupCoordinatorOptions(overrides: Partial<GroupCoordinatorOptions> = {}): GroupCoordinatorOptions {
  const options: GroupCoordinatorOptions = { ...DEFAULT_GROUP_COORDINATOR_OPTIONS, ...overrides };
  const positive = (name: keyof GroupCoordinatorOptions, value: number): void =>
    assert(Number.isSafeInteger(value) && value > 0, `${name} must be a positive integer, got ${value}`);
  const nonNegative = (name: keyof GroupCoordinatorOptions, value: number): void =>
    assert(Number.isSafeInteger(value) && value >= 0, `${name} must be a non-negative integer, got ${value}`);
  positive("offsetsTopicNumPartitions", options.offsetsTopicNumPartitions);
  nonNegative("offsetMetadataMaxBytes", options.offsetMetadataMaxBytes);
  positive("offsetsRetentionMinutes", options.offsetsRetentionMinutes);
  positive("offsetsRetentionCheckIntervalMs", options.offsetsRetentionCheckIntervalMs);
  nonNegative("groupInitialRebalanceDelayMs", options.groupInitialRebalanceDelayMs);
  nonNegative("groupMinSessionTimeoutMs", options.groupMinSessionTimeoutMs);
  positive("groupMaxSessionTimeoutMs", options.groupMaxSessionTimeoutMs);
  assert(options.groupMinSessionTimeoutMs <= options.groupMaxSessionTimeoutMs, "group.min.session.timeout.ms exceeds group.max.session.timeout.ms");
  positive("groupMaxSize", options.groupMaxSize);
  positive("groupConsumerSessionTimeoutMs", options.groupConsumerSessionTimeoutMs);
  positive("groupConsumerHeartbeatIntervalMs", options.groupConsumerHeartbeatIntervalMs);
  assert(
    options.groupConsumerHeartbeatIntervalMs < options.groupConsumerSessionTimeoutMs,
    "group.consumer.heartbeat.interval.ms must be below group.consumer.session.timeout.ms",
  );
  positive("groupConsumerMaxSize", options.groupConsumerMaxSize);
  assert(options.groupConsumerAssignors.length > 0, "group.consumer.assignors must name at least one assignor");
  return options;
}

export function offsetsRetentionMs(options: GroupCoordinatorOptions): number {
  return options.offsetsRetentionMinutes * 60_000;
}
