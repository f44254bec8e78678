// The group API handlers end to end through the codecs: each request is encoded and decoded at
// every version served (as the dispatcher does with wire bytes), handled against a real group
// coordinator, and the answer is encoded and decoded at the same version, so version-specific
// constraints (nullable fields, top-level vs per-member errors) are exercised.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Reader } from "../../../src/protocol/primitives/reader.js";
import { Writer } from "../../../src/protocol/primitives/writer.js";
import { ErrorCode } from "../../../src/protocol/error-codes.js";
import { silentLogger } from "../../../src/lib/logger.js";
import { NO_RESPONSE, type AnyHandler, type RequestContext } from "../../../src/broker/handler.js";
import type { BrokerContext } from "../../../src/broker/broker-context.js";
import { findCoordinatorHandler } from "../../../src/broker/handlers/find-coordinator.js";
import { joinGroupHandler } from "../../../src/broker/handlers/join-group.js";
import { syncGroupHandler } from "../../../src/broker/handlers/sync-group.js";
import { heartbeatHandler } from "../../../src/broker/handlers/heartbeat.js";
import { leaveGroupHandler } from "../../../src/broker/handlers/leave-group.js";
import { offsetCommitHandler } from "../../../src/broker/handlers/offset-commit.js";
import { offsetFetchHandler } from "../../../src/broker/handlers/offset-fetch.js";
import { offsetDeleteHandler } from "../../../src/broker/handlers/offset-delete.js";
import { listGroupsHandler } from "../../../src/broker/handlers/list-groups.js";
import { describeGroupsHandler } from "../../../src/broker/handlers/describe-groups.js";
import { deleteGroupsHandler } from "../../../src/broker/handlers/delete-groups.js";
import { consumerGroupHeartbeatHandler } from "../../../src/broker/handlers/consumer-group-heartbeat.js";
import { consumerGroupDescribeHandler } from "../../../src/broker/handlers/consumer-group-describe.js";
import type { FindCoordinatorResponse } from "../../../src/protocol/generated/find-coordinator.js";
import type { JoinGroupResponse } from "../../../src/protocol/generated/join-group.js";
import type { SyncGroupResponse } from "../../../src/protocol/generated/sync-group.js";
import type { HeartbeatResponse } from "../../../src/protocol/generated/heartbeat.js";
import type { LeaveGroupResponse } from "../../../src/protocol/generated/leave-group.js";
import type { OffsetCommitResponse } from "../../../src/protocol/generated/offset-commit.js";
import type { OffsetFetchResponse } from "../../../src/protocol/generated/offset-fetch.js";
import type { OffsetDeleteResponse } from "../../../src/protocol/generated/offset-delete.js";
import type { ListGroupsResponse } from "../../../src/protocol/generated/list-groups.js";
import type { DescribeGroupsResponse } from "../../../src/protocol/generated/describe-groups.js";
import type { DeleteGroupsResponse } from "../../../src/protocol/generated/delete-groups.js";
import type { ConsumerGroupHeartbeatResponse } from "../../../src/protocol/generated/consumer-group-heartbeat.js";
import type { ConsumerGroupDescribeResponse } from "../../../src/protocol/generated/consumer-group-describe.js";
import { harness, joinRequest, subscription, type Harness } from "./helpers.js";

const NODE_ID = 7;
const LISTENER = "PLAINTEXT";

function brokerOf(h: Harness): BrokerContext {
  const image = {
    broker: (nodeId: number) => (nodeId === NODE_ID ? { nodeId, rack: null, endpoints: [{ listenerName: LISTENER, host: "127.0.0.1", port: 9092, securityProtocol: "PLAINTEXT" }] } : undefined),
    topic: (name: string) => h.topics.topic(name),
    topicById: (topicId: string) => h.topics.topicById(topicId),
  };
  // Only what the group handlers read.
  const ensureGroupCoordinator = async (): Promise<boolean> => h.coordinator.isActive;
  return { nodeId: NODE_ID, image, groups: h.coordinator, ensureGroupCoordinator } as unknown as BrokerContext;
}

/** Encodes the request at the version, decodes it back, handles it, and round-trips the answer. */
async function call<Response>(h: Harness, handler: AnyHandler, apiVersion: number, request: unknown, clientAddress = "::ffff:10.0.0.9"): Promise<Response> {
  assert.ok(apiVersion >= handler.minVersion && apiVersion <= handler.maxVersion, `version ${apiVersion} is served`);
  const requestWriter = new Writer();
  handler.request.encode(requestWriter, apiVersion, { ...(handler.request.create() as object), ...(request as object) });
  const decoded = handler.request.decode(new Reader(requestWriter.toBuffer()), apiVersion);
  const context: RequestContext = {
    apiKey: handler.request.apiKey ?? -1,
    apiVersion,
    correlationId: 1,
    clientId: "handler-test",
    listenerName: LISTENER,
    clientAddress,
    connectionId: "c1",
    broker: brokerOf(h),
    logger: silentLogger(),
  };
  const response = await handler.handle(context, decoded);
  assert.notEqual(response, NO_RESPONSE);
  const responseWriter = new Writer();
  handler.response.encode(responseWriter, apiVersion, response);
  return handler.response.decode(new Reader(responseWriter.toBuffer()), apiVersion) as Response;
}

function versions(handler: AnyHandler): number[] {
  return Array.from({ length: handler.maxVersion - handler.minVersion + 1 }, (_, index) => handler.minVersion + index);
}

test("the handlers serve the versions of Kafka 4.0 (ConsumerGroupHeartbeat v0 only: v1 is unstable)", () => {
  const ranges = [
    findCoordinatorHandler,
    joinGroupHandler,
    syncGroupHandler,
    heartbeatHandler,
    leaveGroupHandler,
    offsetCommitHandler,
    offsetFetchHandler,
    offsetDeleteHandler,
    listGroupsHandler,
    describeGroupsHandler,
    deleteGroupsHandler,
    consumerGroupHeartbeatHandler,
    consumerGroupDescribeHandler,
  ].map((handler) => [handler.request.apiKey, handler.minVersion, handler.maxVersion]);
  assert.deepEqual(ranges, [
    [10, 0, 6],
    [11, 0, 9],
    [14, 0, 5],
    [12, 0, 4],
    [13, 0, 5],
    [8, 2, 9],
    [9, 1, 9],
    [47, 0, 0],
    [16, 0, 5],
    [15, 0, 5],
    [42, 0, 2],
    [68, 0, 0],
    [69, 0, 0],
  ]);
});

test("FindCoordinator: this broker for groups and transactions, in every version; batched keys from v4", async () => {
  const h = await harness();
  for (const version of versions(findCoordinatorHandler)) {
    const response = await call<FindCoordinatorResponse>(h, findCoordinatorHandler, version, { key: "g", keyType: 0, coordinatorKeys: ["g", "h"] });
    if (version < 4) {
      assert.deepEqual([response.errorCode, response.nodeId, response.host, response.port], [0, NODE_ID, "127.0.0.1", 9092], `v${version}`);
    } else {
      assert.deepEqual(response.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port]), [["g", 0, NODE_ID, 9092], ["h", 0, NODE_ID, 9092]]);
    }
  }
  const transaction = await call<FindCoordinatorResponse>(h, findCoordinatorHandler, 3, { key: "txn", keyType: 1 });
  assert.equal(transaction.nodeId, NODE_ID);
  const share = await call<FindCoordinatorResponse>(h, findCoordinatorHandler, 6, { keyType: 2, coordinatorKeys: ["s"] });
  assert.equal(share.coordinators[0].errorCode, ErrorCode.INVALID_REQUEST);
  await h.coordinator.close();
  const closed = await call<FindCoordinatorResponse>(h, findCoordinatorHandler, 1, { key: "g", keyType: 0 });
  assert.deepEqual([closed.errorCode, closed.nodeId, closed.port], [ErrorCode.COORDINATOR_NOT_AVAILABLE, -1, -1]);
});

test("JoinGroup, SyncGroup, Heartbeat and LeaveGroup in every version", async () => {
  for (const version of versions(joinGroupHandler)) {
    const h = await harness();
    const groupId = `group-v${version}`;
    let join: JoinGroupResponse;
    if (version >= 4) {
      const first = await call<JoinGroupResponse>(h, joinGroupHandler, version, joinRequest({ groupId }));
      assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED, `v${version}`);
      assert.equal(first.protocolName, version >= 7 ? null : "", "before v7 a null protocol name is sent as empty");
      const pending = call<JoinGroupResponse>(h, joinGroupHandler, version, joinRequest({ groupId, memberId: first.memberId }));
      await h.advance(0);
      join = await pending;
    } else {
      const pending = call<JoinGroupResponse>(h, joinGroupHandler, version, joinRequest({ groupId }));
      await h.advance(0);
      join = await pending;
    }
    assert.equal(join.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(join.protocolName, "range");
    assert.equal(join.members.length, 1);
    const summary = h.coordinator.groupSummary(groupId);
    assert.equal(summary?.members[0].clientHost, "/10.0.0.9", "IPv4-mapped addresses are shown as IPv4, with Kafka's leading slash");
    assert.equal(summary?.members[0].clientId, "handler-test");
    const syncVersion = Math.min(version, syncGroupHandler.maxVersion);
    const sync = await call<SyncGroupResponse>(h, syncGroupHandler, syncVersion, {
      groupId,
      generationId: join.generationId,
      memberId: join.memberId,
      assignments: [{ memberId: join.memberId, assignment: Buffer.from([1, 2, 3]) }],
      protocolType: syncVersion >= 5 ? "consumer" : null,
      protocolName: syncVersion >= 5 ? "range" : null,
    });
    assert.equal(sync.errorCode, ErrorCode.NONE);
    assert.deepEqual(sync.assignment, Buffer.from([1, 2, 3]));
    const heartbeatVersion = Math.min(version, heartbeatHandler.maxVersion);
    const heartbeat = await call<HeartbeatResponse>(h, heartbeatHandler, heartbeatVersion, { groupId, generationId: join.generationId, memberId: join.memberId });
    assert.equal(heartbeat.errorCode, ErrorCode.NONE);
    const leaveVersion = Math.min(version, leaveGroupHandler.maxVersion);
    const leave = await call<LeaveGroupResponse>(h, leaveGroupHandler, leaveVersion, {
      groupId,
      memberId: join.memberId,
      members: [{ memberId: join.memberId, groupInstanceId: null, reason: null }],
    });
    assert.equal(leave.errorCode, ErrorCode.NONE);
    if (leaveVersion >= 3) assert.deepEqual(leave.members.map((member) => member.errorCode), [ErrorCode.NONE]);
  }
});

test("LeaveGroup v0-2 reports an unknown member at the top level; v3+ per member", async () => {
  const h = await harness();
  const old = await call<LeaveGroupResponse>(h, leaveGroupHandler, 1, { groupId: "none", memberId: "m" });
  assert.equal(old.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const batched = await call<LeaveGroupResponse>(h, leaveGroupHandler, 5, { groupId: "none", members: [{ memberId: "m", groupInstanceId: null, reason: "bye" }] });
  assert.equal(batched.errorCode, ErrorCode.NONE);
  assert.deepEqual(batched.members.map((member) => member.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
});

test("OffsetCommit and OffsetFetch in every version; unknown topics and partitions are refused", async () => {
  const h = await harness();
  h.topics.add("orders", 2);
  for (const version of versions(offsetCommitHandler)) {
    const groupId = `offsets-v${version}`;
    const commit = await call<OffsetCommitResponse>(h, offsetCommitHandler, version, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: "",
      retentionTimeMs: -1,
      topics: [
        { name: "orders", partitions: [{ partitionIndex: 1, committedOffset: 100 + version, committedLeaderEpoch: 3, commitTimestamp: -1, committedMetadata: "meta" }, { partitionIndex: 5, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] },
        { name: "missing", partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] },
      ],
    });
    assert.deepEqual(
      commit.topics.map((topic) => [topic.name, topic.partitions.map((partition) => partition.errorCode)]),
      [
        ["orders", [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
        ["missing", [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
      ],
      `v${version}`,
    );
  }
  for (const version of versions(offsetFetchHandler)) {
    const groupId = "offsets-v9";
    const fetched = await call<OffsetFetchResponse>(h, offsetFetchHandler, version, {
      groupId,
      topics: [{ name: "orders", partitionIndexes: [0, 1] }],
      groups: [
        { groupId, memberId: null, memberEpoch: -1, topics: [{ name: "orders", partitionIndexes: [1] }] },
        { groupId: "offsets-v8", memberId: null, memberEpoch: -1, topics: null },
      ],
    });
    if (version >= 8) {
      assert.deepEqual(fetched.groups.map((group) => [group.groupId, group.errorCode, group.topics[0]?.partitions.map((p) => p.committedOffset)]), [
        [groupId, 0, [109]],
        ["offsets-v8", 0, [108]],
      ]);
      assert.equal(fetched.groups[0].topics[0].partitions[0].committedLeaderEpoch, 3);
    } else {
      assert.deepEqual(fetched.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]), [
        [0, -1, ""],
        [1, 109, "meta"],
      ]);
      if (version >= 5) assert.equal(fetched.topics[0].partitions[1].committedLeaderEpoch, 3);
    }
  }
  // All topics (topics null, v2+).
  const all = await call<OffsetFetchResponse>(h, offsetFetchHandler, 2, { groupId: "offsets-v2", topics: null });
  assert.deepEqual(all.topics.map((topic) => topic.name), ["orders"]);
});

test("OffsetFetch v1 puts a group error on every requested partition; v2+ at the top", async () => {
  const h = await harness();
  h.coordinator.unloadPartition(h.coordinator.partitionFor("g"));
  const v1 = await call<OffsetFetchResponse>(h, offsetFetchHandler, 1, { groupId: "g", topics: [{ name: "orders", partitionIndexes: [0, 1] }] });
  assert.deepEqual(v1.topics[0].partitions.map((p) => [p.errorCode, p.committedOffset]), [
    [ErrorCode.NOT_COORDINATOR, -1],
    [ErrorCode.NOT_COORDINATOR, -1],
  ]);
  const v3 = await call<OffsetFetchResponse>(h, offsetFetchHandler, 3, { groupId: "g", topics: [{ name: "orders", partitionIndexes: [0] }] });
  assert.equal(v3.errorCode, ErrorCode.NOT_COORDINATOR);
});

test("OffsetDelete, ListGroups, DescribeGroups and DeleteGroups", async () => {
  const h = await harness();
  h.topics.add("orders", 2);
  await call<OffsetCommitResponse>(h, offsetCommitHandler, 8, {
    groupId: "admin",
    generationIdOrMemberEpoch: -1,
    memberId: "",
    topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
  });
  const deleted = await call<OffsetDeleteResponse>(h, offsetDeleteHandler, 0, {
    groupId: "admin",
    topics: [{ name: "orders", partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }],
  });
  assert.deepEqual(deleted.topics[0].partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(h.coordinator.committedOffsets("admin"), []);
  const noGroup = await call<OffsetDeleteResponse>(h, offsetDeleteHandler, 0, { groupId: "nope", topics: [{ name: "orders", partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(noGroup.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

  for (const version of versions(listGroupsHandler)) {
    const listed = await call<ListGroupsResponse>(h, listGroupsHandler, version, { statesFilter: version >= 4 ? ["Empty"] : [], typesFilter: version >= 5 ? ["classic"] : [] });
    assert.deepEqual(listed.groups.map((group) => group.groupId), ["admin"], `v${version}`);
    if (version >= 4) assert.equal(listed.groups[0].groupState, "Empty");
    if (version >= 5) assert.equal(listed.groups[0].groupType, "classic");
  }
  for (const version of versions(describeGroupsHandler)) {
    const described = await call<DescribeGroupsResponse>(h, describeGroupsHandler, version, { groups: ["admin", "ghost"], includeAuthorizedOperations: true });
    assert.deepEqual(described.groups.map((group) => [group.groupId, group.groupState]), [["admin", "Empty"], ["ghost", "Dead"]]);
    if (version >= 3) assert.notEqual(described.groups[0].authorizedOperations, -2147483648);
  }
  for (const version of versions(deleteGroupsHandler)) {
    const result = await call<DeleteGroupsResponse>(h, deleteGroupsHandler, version, { groupsNames: ["ghost"] });
    assert.deepEqual(result.results.map((r) => r.errorCode), [ErrorCode.GROUP_ID_NOT_FOUND]);
  }
  const result = await call<DeleteGroupsResponse>(h, deleteGroupsHandler, 2, { groupsNames: ["admin"] });
  assert.deepEqual(result.results.map((r) => r.errorCode), [ErrorCode.NONE]);
});

test("ConsumerGroupHeartbeat v0 and ConsumerGroupDescribe v0", async () => {
  const h = await harness();
  h.topics.add("orders", 3);
  const joined = await call<ConsumerGroupHeartbeatResponse>(h, consumerGroupHeartbeatHandler, 0, {
    groupId: "modern",
    memberId: "",
    memberEpoch: 0,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: ["orders"],
    topicPartitions: [],
  });
  assert.equal(joined.errorCode, ErrorCode.NONE, joined.errorMessage ?? "");
  assert.equal(joined.memberEpoch, 1);
  assert.deepEqual(joined.assignment?.topicPartitions[0].partitions, [0, 1, 2]);
  const described = await call<ConsumerGroupDescribeResponse>(h, consumerGroupDescribeHandler, 0, { groupIds: ["modern", "classic-one"], includeAuthorizedOperations: false });
  assert.equal(described.groups[0].groupState, "Stable");
  assert.equal(described.groups[0].members[0].clientHost, "/10.0.0.9");
  assert.equal(described.groups[0].members[0].assignment.topicPartitions[0].topicName, "orders");
  assert.equal(described.groups[1].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const bad = await call<ConsumerGroupHeartbeatResponse>(h, consumerGroupHeartbeatHandler, 0, { groupId: "modern", memberId: "x", memberEpoch: 4, rebalanceTimeoutMs: -1 });
  assert.equal(bad.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.ok((bad.errorMessage ?? "").length > 0);
});

test("the JoinGroup metadata a kafka client sends is handed to the leader unchanged", async () => {
  const h = await harness();
  const metadata = subscription(["a", "b"], 3, [{ topic: "a", partitions: [0] }]);
  const first = await call<JoinGroupResponse>(h, joinGroupHandler, 9, joinRequest({ groupId: "meta", protocols: [{ name: "cooperative-sticky", metadata }] }));
  const pending = call<JoinGroupResponse>(h, joinGroupHandler, 9, joinRequest({ groupId: "meta", memberId: first.memberId, protocols: [{ name: "cooperative-sticky", metadata }] }));
  await h.advance(0);
  const joined = await pending;
  assert.deepEqual(joined.members[0].metadata, metadata);
  assert.equal(joined.protocolType, "consumer");
});
