// Shared fixtures for the group coordinator tests: a coordinator over an in-memory log with a
// ManualClock, a topic image, and builders for the requests and consumer protocol bytes that
// real clients send.

import { ManualClock } from "../../../src/lib/clock.js";
import { Writer } from "../../../src/protocol/primitives/writer.js";
import { Reader } from "../../../src/protocol/primitives/reader.js";
import { ConsumerProtocolSubscriptionCodec } from "../../../src/protocol/generated/consumer-protocol-subscription.js";
import { ConsumerProtocolAssignmentCodec } from "../../../src/protocol/generated/consumer-protocol-assignment.js";
import type { JoinGroupRequest, JoinGroupResponse } from "../../../src/protocol/generated/join-group.js";
import type { SyncGroupRequest } from "../../../src/protocol/generated/sync-group.js";
import type { OffsetCommitRequest } from "../../../src/protocol/generated/offset-commit.js";
import type { ConsumerGroupHeartbeatRequest } from "../../../src/protocol/generated/consumer-group-heartbeat.js";
import { GroupCoordinator } from "../../../src/coordinator/group/group-coordinator.js";
import { InMemoryCoordinatorLog } from "../../../src/coordinator/group/in-memory-coordinator-log.js";
import type { GroupCoordinatorOptions } from "../../../src/coordinator/group/group-coordinator-config.js";
import type { RequestInfo, TopicImage, TopicInfo } from "../../../src/coordinator/group/shard-context.js";

export class FakeTopics implements TopicImage {
  private readonly byName = new Map<string, TopicInfo>();
  private nextId = 1;

  add(name: string, partitionCount: number): TopicInfo {
    const idBytes = Buffer.alloc(16);
    idBytes.writeUInt32BE(this.nextId++, 12);
    const existing = this.byName.get(name);
    const topic: TopicInfo = {
      name,
      topicId: existing?.topicId ?? idBytes.toString("base64url"),
      partitions: Array.from({ length: partitionCount }, (_, index) => index),
    };
    this.byName.set(name, topic);
    return topic;
  }

  topic(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }

  topicById(topicId: string): TopicInfo | undefined {
    return [...this.byName.values()].find((topic) => topic.topicId === topicId);
  }

  id(name: string): string {
    const topic = this.byName.get(name);
    if (topic === undefined) throw new Error(`no topic ${name}`);
    return topic.topicId;
  }
}

export interface Harness {
  readonly clock: ManualClock;
  readonly log: InMemoryCoordinatorLog;
  readonly topics: FakeTopics;
  coordinator: GroupCoordinator;
  /** A new coordinator over the same log (a broker restart), loaded. */
  restart(): Promise<GroupCoordinator>;
  /** Moves time and lets the writes it caused finish. */
  advance(ms: number): Promise<void>;
}

export const TEST_OPTIONS: Partial<GroupCoordinatorOptions> = {
  offsetsTopicNumPartitions: 3,
  groupInitialRebalanceDelayMs: 0,
};

export async function harness(options: Partial<GroupCoordinatorOptions> = {}): Promise<Harness> {
  const clock = new ManualClock();
  const log = new InMemoryCoordinatorLog();
  const topics = new FakeTopics();
  const merged = { ...TEST_OPTIONS, ...options };
  const coordinator = new GroupCoordinator({ log, topics, clock, options: merged });
  await coordinator.start();
  const h: Harness = {
    clock,
    log,
    topics,
    coordinator,
    async restart() {
      await h.coordinator.close();
      h.coordinator = new GroupCoordinator({ log, topics, clock, options: merged });
      await h.coordinator.start();
      return h.coordinator;
    },
    async advance(ms: number) {
      clock.advance(ms);
      await settle();
      await h.coordinator.flush();
      await settle();
    },
  };
  return h;
}

/** Lets pending promise callbacks run (appends to the in-memory log resolve in microtasks). */
export async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function info(apiVersion: number, clientId = "client"): RequestInfo {
  return { apiVersion, clientId, clientHost: "/127.0.0.1" };
}

/** A ConsumerProtocolSubscription as a consumer sends it in JoinGroup metadata. */
export function subscription(topics: string[], version = 1, ownedPartitions: { topic: string; partitions: number[] }[] = []): Buffer {
  const writer = new Writer();
  writer.int16(version);
  ConsumerProtocolSubscriptionCodec.encode(writer, version, { topics, userData: null, ownedPartitions, generationId: -1, rackId: null });
  return writer.toBuffer();
}

export function assignmentBytes(partitions: { topic: string; partitions: number[] }[], version = 1): Buffer {
  const writer = new Writer();
  writer.int16(version);
  ConsumerProtocolAssignmentCodec.encode(writer, version, { assignedPartitions: partitions, userData: null });
  return writer.toBuffer();
}

export function decodeAssignment(bytes: Buffer): { topic: string; partitions: number[] }[] {
  const reader = new Reader(bytes);
  reader.int16();
  return ConsumerProtocolAssignmentCodec.decode(reader, 0).assignedPartitions;
}

export function joinRequest(fields: Partial<JoinGroupRequest> & { groupId: string }): JoinGroupRequest {
  return {
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId: "",
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: subscription(["orders"]) }],
    reason: null,
    ...fields,
  };
}

export function syncRequest(fields: Partial<SyncGroupRequest> & { groupId: string; memberId: string; generationId: number }): SyncGroupRequest {
  return { groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [], ...fields };
}

export function commitRequest(
  groupId: string,
  offsets: { topic: string; partition: number; offset: number; metadata?: string | null }[],
  member: { memberId?: string; generation?: number; instanceId?: string | null; retentionTimeMs?: number } = {},
): OffsetCommitRequest {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }[]>();
  for (const entry of offsets) {
    const list = byTopic.get(entry.topic) ?? [];
    list.push({ partitionIndex: entry.partition, committedOffset: entry.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: entry.metadata ?? "" });
    byTopic.set(entry.topic, list);
  }
  return {
    groupId,
    generationIdOrMemberEpoch: member.generation ?? -1,
    memberId: member.memberId ?? "",
    groupInstanceId: member.instanceId ?? null,
    retentionTimeMs: member.retentionTimeMs ?? -1,
    topics: [...byTopic.entries()].map(([name, partitions]) => ({ name, partitions })),
  };
}

export function consumerHeartbeat(fields: Partial<ConsumerGroupHeartbeatRequest> & { groupId: string }): ConsumerGroupHeartbeatRequest {
  return {
    memberId: "",
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 60_000,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: [],
    ...fields,
  };
}

/** A full two-step join (MEMBER_ID_REQUIRED, then join with the id): resolves with the parked answer. */
export async function joinWithId(coordinator: GroupCoordinator, request: JoinGroupRequest, apiVersion = 5): Promise<{ memberId: string; response: Promise<JoinGroupResponse> }> {
  const first = await coordinator.joinGroup(request, info(apiVersion));
  if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return { memberId: first.memberId, response: coordinator.joinGroup({ ...request, memberId: first.memberId }, info(apiVersion)) };
}

/** Whether a promise has settled, without waiting for it. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const result = await Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setImmediate(() => resolve(marker)))]);
  return result !== marker;
}
