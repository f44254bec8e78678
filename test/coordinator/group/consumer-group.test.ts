// The KIP-848 consumer group protocol (ConsumerGroupHeartbeat) with a ManualClock: epochs,
// server-side assignment, reconciliation with revocation before reassignment, leaving, fencing,
// static members, and persistence.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../../src/protocol/error-codes.js";
import type { ConsumerGroupHeartbeatResponse, TopicPartitions } from "../../../src/protocol/generated/consumer-group-heartbeat.js";
import { commitRequest, consumerHeartbeat, harness, info, type Harness } from "./helpers.js";

const GROUP = "kip848";
const V0 = info(0, "consumer-app");

function owned(response: ConsumerGroupHeartbeatResponse | null): TopicPartitions[] {
  return (response?.assignment?.topicPartitions ?? []).map((entry) => ({ topicId: entry.topicId, partitions: [...entry.partitions] }));
}

function partitionsOf(response: ConsumerGroupHeartbeatResponse): number[] {
  return (response.assignment?.topicPartitions ?? []).flatMap((entry) => entry.partitions).sort((a, b) => a - b);
}

class Member {
  memberId = "";
  epoch = 0;
  assignment: TopicPartitions[] = [];

  constructor(
    private readonly h: Harness,
    readonly topics: string[],
    readonly extra: { instanceId?: string | null; serverAssignor?: string | null } = {},
  ) {}

  async join(): Promise<ConsumerGroupHeartbeatResponse> {
    const response = await this.h.coordinator.consumerGroupHeartbeat(
      consumerHeartbeat({
        groupId: GROUP,
        memberId: this.memberId,
        memberEpoch: 0,
        subscribedTopicNames: this.topics,
        instanceId: this.extra.instanceId ?? null,
        serverAssignor: this.extra.serverAssignor ?? null,
      }),
      V0,
    );
    return this.take(response);
  }

  /** A regular heartbeat reporting what the member owns (as a KIP-848 client does). */
  async heartbeat(): Promise<ConsumerGroupHeartbeatResponse> {
    const response = await this.h.coordinator.consumerGroupHeartbeat(
      consumerHeartbeat({
        groupId: GROUP,
        memberId: this.memberId,
        memberEpoch: this.epoch,
        rebalanceTimeoutMs: -1,
        topicPartitions: this.assignment,
        instanceId: this.extra.instanceId ?? null,
      }),
      V0,
    );
    return this.take(response);
  }

  async leave(epoch = -1): Promise<ConsumerGroupHeartbeatResponse> {
    return this.h.coordinator.consumerGroupHeartbeat(
      consumerHeartbeat({ groupId: GROUP, memberId: this.memberId, memberEpoch: epoch, instanceId: this.extra.instanceId ?? null, topicPartitions: null }),
      V0,
    );
  }

  private take(response: ConsumerGroupHeartbeatResponse): ConsumerGroupHeartbeatResponse {
    if (response.errorCode !== ErrorCode.NONE) return response;
    this.memberId = response.memberId ?? this.memberId;
    this.epoch = response.memberEpoch;
    // A KIP-848 client adopts the new assignment, revoking what is no longer in it.
    if (response.assignment !== null) this.assignment = owned(response);
    return response;
  }

  partitions(): number[] {
    return this.assignment.flatMap((entry) => entry.partitions).sort((a, b) => a - b);
  }
}

/** Heartbeats every member until the group is Stable (each round is one heartbeat per member). */
async function converge(h: Harness, members: Member[], maxRounds = 10): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    for (const member of members) {
      const response = await member.heartbeat();
      assert.equal(response.errorCode, ErrorCode.NONE, `heartbeat failed: ${response.errorMessage}`);
    }
    if (h.coordinator.groupSummary(GROUP)?.state === "Stable") return;
  }
  assert.fail(`group did not stabilize: ${h.coordinator.groupSummary(GROUP)?.state}`);
}

test("the first member joins with epoch 0 and gets every partition at epoch 1", async () => {
  const h = await harness();
  h.topics.add("orders", 6);
  const member = new Member(h, ["orders"]);
  const response = await member.join();
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.equal(response.memberId?.length, 22);
  assert.equal(response.memberEpoch, 1);
  assert.equal(response.heartbeatIntervalMs, 5000);
  assert.deepEqual(partitionsOf(response), [0, 1, 2, 3, 4, 5]);
  assert.equal(response.assignment?.topicPartitions[0].topicId, h.topics.id("orders"));
  const again = await member.heartbeat();
  assert.equal(again.memberEpoch, 1);
  assert.equal(again.assignment, null, "an unchanged assignment is not sent again");
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Stable");
});

test("a second member: partitions move only after the first member revokes them", async () => {
  const h = await harness();
  h.topics.add("orders", 6);
  const a = new Member(h, ["orders"]);
  await a.join();
  const b = new Member(h, ["orders"]);
  const joinB = await b.join();
  assert.equal(joinB.memberEpoch, 2);
  assert.deepEqual(partitionsOf(joinB), [], "its partitions are still owned by the first member");
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Reconciling");

  // The first member is told to give up half, but stays at epoch 1 until it has.
  const revoke = await a.heartbeat();
  assert.equal(revoke.memberEpoch, 1);
  assert.equal(a.partitions().length, 3);
  const bStillWaiting = await b.heartbeat();
  assert.deepEqual(partitionsOf(bStillWaiting), []);
  // Reporting the smaller set completes the revocation: epoch 2.
  const revoked = await a.heartbeat();
  assert.equal(revoked.memberEpoch, 2);
  const bGets = await b.heartbeat();
  assert.equal(bGets.memberEpoch, 2);
  assert.equal(b.partitions().length, 3);
  assert.deepEqual([...a.partitions(), ...b.partitions()].sort(), [0, 1, 2, 3, 4, 5]);
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Stable");
});

test("three members split six partitions; one leaves and the others take its partitions", async () => {
  const h = await harness();
  h.topics.add("orders", 6);
  const members = [new Member(h, ["orders"]), new Member(h, ["orders"]), new Member(h, ["orders"])];
  for (const member of members) await member.join();
  await converge(h, members);
  assert.deepEqual(members.map((member) => member.partitions().length), [2, 2, 2]);
  const left = await members[2].leave();
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.equal(left.memberEpoch, -1);
  await converge(h, members.slice(0, 2));
  assert.deepEqual(members.slice(0, 2).map((member) => member.partitions().length), [3, 3]);
  assert.deepEqual([...members[0].partitions(), ...members[1].partitions()].sort(), [0, 1, 2, 3, 4, 5]);
});

test("a member whose session expires is fenced; the others take over", async () => {
  const h = await harness({ groupConsumerSessionTimeoutMs: 45_000 });
  h.topics.add("orders", 4);
  const a = new Member(h, ["orders"]);
  const b = new Member(h, ["orders"]);
  await a.join();
  await b.join();
  await converge(h, [a, b]);
  for (let elapsed = 0; elapsed < 50_000; elapsed += 5000) {
    await h.advance(5000);
    await a.heartbeat();
  }
  assert.deepEqual(h.coordinator.groupSummary(GROUP)?.members.map((member) => member.memberId), [a.memberId]);
  await converge(h, [a]);
  assert.deepEqual(a.partitions(), [0, 1, 2, 3]);
  const ghost = await b.heartbeat();
  assert.equal(ghost.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test("a member that does not revoke within its rebalance timeout is fenced", async () => {
  const h = await harness();
  h.topics.add("orders", 4);
  const a = new Member(h, ["orders"]);
  await a.join();
  const b = new Member(h, ["orders"]);
  await b.join();
  // a is asked to revoke but keeps reporting the old partitions (a stuck client).
  const stuckAssignment = a.assignment;
  await a.heartbeat();
  a.assignment = stuckAssignment;
  for (let elapsed = 0; elapsed < 61_000; elapsed += 5000) {
    await h.advance(5000);
    await b.heartbeat();
    if (h.coordinator.groupSummary(GROUP)?.members.length === 1) break;
    const response = await a.heartbeat();
    a.assignment = stuckAssignment;
    assert.equal(response.errorCode, ErrorCode.NONE);
  }
  assert.deepEqual(h.coordinator.groupSummary(GROUP)?.members.map((member) => member.memberId), [b.memberId]);
  await converge(h, [b]);
  assert.deepEqual(b.partitions(), [0, 1, 2, 3]);
});

test("epoch checks: a greater epoch is fenced; a retry at the previous epoch is accepted", async () => {
  const h = await harness();
  h.topics.add("orders", 2);
  const a = new Member(h, ["orders"]);
  await a.join();
  const ahead = await h.coordinator.consumerGroupHeartbeat(consumerHeartbeat({ groupId: GROUP, memberId: a.memberId, memberEpoch: 5, rebalanceTimeoutMs: -1, topicPartitions: null }), V0);
  assert.equal(ahead.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  // The answer that moved it from epoch 0 to 1 was "lost": the member retries with epoch 0 as a full request.
  const unknown = await h.coordinator.consumerGroupHeartbeat(consumerHeartbeat({ groupId: GROUP, memberId: "nobody", memberEpoch: 1, rebalanceTimeoutMs: -1 }), V0);
  assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const b = new Member(h, ["orders"]);
  await b.join();
  // a: Stable at 1, the target moved to 2, so a is sent to revoke and then reaches epoch 2...
  await converge(h, [a, b]);
  assert.equal(a.epoch, 2);
  // ...a retry carrying the previous epoch and a subset of the owned partitions is still accepted.
  const retry = await h.coordinator.consumerGroupHeartbeat(
    consumerHeartbeat({ groupId: GROUP, memberId: a.memberId, memberEpoch: 1, rebalanceTimeoutMs: -1, topicPartitions: a.assignment }),
    V0,
  );
  assert.equal(retry.errorCode, ErrorCode.NONE);
  assert.equal(retry.memberEpoch, 2);
});

test("request validation and assignor selection", async () => {
  const h = await harness();
  h.topics.add("orders", 4);
  const send = (fields: Parameters<typeof consumerHeartbeat>[0]) => h.coordinator.consumerGroupHeartbeat(consumerHeartbeat(fields), V0);
  assert.equal((await send({ groupId: GROUP, subscribedTopicNames: null })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await send({ groupId: GROUP, subscribedTopicNames: ["orders"], rebalanceTimeoutMs: -1 })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await send({ groupId: GROUP, subscribedTopicNames: ["orders"], topicPartitions: null })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await send({ groupId: GROUP, memberEpoch: 3, memberId: "" })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await send({ groupId: GROUP, memberEpoch: -3, memberId: "x" })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await send({ groupId: GROUP, subscribedTopicNames: ["orders"], serverAssignor: "sticky" })).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
  assert.equal((await send({ groupId: "", subscribedTopicNames: ["orders"] })).errorCode, ErrorCode.INVALID_GROUP_ID);
  const ranged = new Member(h, ["orders"], { serverAssignor: "range" });
  await ranged.join();
  const other = new Member(h, ["orders"], { serverAssignor: "range" });
  await other.join();
  await converge(h, [ranged, other]);
  const described = h.coordinator.consumerGroupDescribe(GROUP, -2147483648);
  assert.equal(described.assignorName, "range");
  // Range gives contiguous blocks, in member id order.
  const blocks = [ranged, other].sort((x, y) => (x.memberId < y.memberId ? -1 : 1)).map((member) => member.partitions());
  assert.deepEqual(blocks, [
    [0, 1],
    [2, 3],
  ]);
});

test("new partitions of a subscribed topic are assigned at the next heartbeat", async () => {
  const h = await harness();
  h.topics.add("orders", 2);
  const a = new Member(h, ["orders"]);
  await a.join();
  assert.deepEqual(a.partitions(), [0, 1]);
  h.topics.add("orders", 4);
  const response = await a.heartbeat();
  assert.equal(response.memberEpoch, 2);
  assert.deepEqual(a.partitions(), [0, 1, 2, 3]);
});

test("a static member that leaves with epoch -2 keeps its partitions for its next instance", async () => {
  const h = await harness();
  h.topics.add("orders", 4);
  const a = new Member(h, ["orders"], { instanceId: "host-a" });
  const b = new Member(h, ["orders"], { instanceId: "host-b" });
  await a.join();
  await b.join();
  await converge(h, [a, b]);
  const before = a.partitions();
  const groupEpoch = h.coordinator.groupSummary(GROUP)?.generationId;
  // The instance id is taken while the member is active.
  const intruder = new Member(h, ["orders"], { instanceId: "host-a" });
  assert.equal((await intruder.join()).errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  const left = await a.leave(-2);
  assert.equal(left.memberEpoch, -2);
  const restarted = new Member(h, ["orders"], { instanceId: "host-a" });
  const response = await restarted.join();
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.notEqual(restarted.memberId, a.memberId);
  assert.deepEqual(restarted.partitions(), before, "the new instance gets the same partitions");
  assert.equal(h.coordinator.groupSummary(GROUP)?.generationId, groupEpoch, "no rebalance");
  const old = await a.heartbeat();
  assert.equal(old.errorCode, ErrorCode.FENCED_INSTANCE_ID);
});

test("a consumer group survives a restart: members keep their epochs and assignments", async () => {
  const h = await harness();
  h.topics.add("orders", 6);
  const members = [new Member(h, ["orders"]), new Member(h, ["orders"])];
  for (const member of members) await member.join();
  await converge(h, members);
  const epochs = members.map((member) => member.epoch);
  const before = h.coordinator.consumerGroupDescribe(GROUP, 0);
  await h.restart();
  const after = h.coordinator.consumerGroupDescribe(GROUP, 0);
  assert.deepEqual(after, before);
  for (const member of members) {
    const response = await member.heartbeat();
    assert.equal(response.errorCode, ErrorCode.NONE);
  }
  assert.deepEqual(members.map((member) => member.epoch), epochs);
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Stable");
});

test("members commit with their epoch on OffsetCommit v9; stale epochs and old versions are refused", async () => {
  const h = await harness();
  h.topics.add("orders", 2);
  const a = new Member(h, ["orders"]);
  await a.join();
  const commit = async (epoch: number, version: number) =>
    (await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 9 }], { memberId: a.memberId, generation: epoch }), info(version))).topics[0].partitions[0].errorCode;
  assert.equal(await commit(a.epoch, 9), ErrorCode.NONE);
  assert.equal(await commit(a.epoch + 1, 9), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(await commit(a.epoch, 8), ErrorCode.UNSUPPORTED_VERSION);
  const fetched = h.coordinator.fetchOffsets({ groupId: GROUP, memberId: a.memberId, memberEpoch: a.epoch, topics: [{ name: "orders", partitionIndexes: [0] }] });
  assert.equal(fetched.topics[0].partitions[0].committedOffset, 9);
  const stale = h.coordinator.fetchOffsets({ groupId: GROUP, memberId: a.memberId, memberEpoch: a.epoch + 3, topics: [{ name: "orders", partitionIndexes: [0] }] });
  assert.equal(stale.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
});

test("an empty classic group (offsets only) becomes a consumer group; ListGroups and describe show it", async () => {
  const h = await harness();
  h.topics.add("orders", 2);
  await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 3 }]), info(8));
  const a = new Member(h, ["orders"]);
  assert.equal((await a.join()).errorCode, ErrorCode.NONE);
  assert.deepEqual(h.coordinator.listGroups().groups.map((group) => [group.groupId, group.groupType, group.groupState, group.protocolType]), [[GROUP, "consumer", "Stable", "consumer"]]);
  assert.deepEqual(h.coordinator.committedOffsets(GROUP)?.map((offset) => offset.committedOffset), [3], "its offsets stay");
  const described = h.coordinator.consumerGroupDescribe(GROUP, -2147483648);
  assert.equal(described.errorCode, ErrorCode.NONE);
  assert.equal(described.groupState, "Stable");
  assert.equal(described.assignorName, "uniform");
  assert.deepEqual(described.members[0].assignment.topicPartitions, [{ topicId: h.topics.id("orders"), topicName: "orders", partitions: [0, 1] }]);
  assert.deepEqual(described.members[0].subscribedTopicNames, ["orders"]);
  assert.equal(h.coordinator.consumerGroupDescribe("missing", 0).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  // A classic JoinGroup into a live consumer group is refused.
  const classicJoin = await h.coordinator.joinGroup({ groupId: GROUP, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: Buffer.alloc(0) }], reason: null }, info(5));
  assert.equal(classicJoin.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // Once everyone left, the group can be deleted.
  await a.leave();
  const deleted = await h.coordinator.deleteGroups([GROUP]);
  assert.equal(deleted[0].errorCode, ErrorCode.NONE);
  await h.restart();
  assert.equal(h.coordinator.groupSummary(GROUP), undefined);
});

test("members subscribed to different topics each get only theirs", async () => {
  const h = await harness();
  h.topics.add("orders", 3);
  h.topics.add("audit", 2);
  const a = new Member(h, ["orders"]);
  const b = new Member(h, ["orders", "audit"]);
  await a.join();
  await b.join();
  await converge(h, [a, b]);
  const auditId = h.topics.id("audit");
  assert.ok(!a.assignment.some((entry) => entry.topicId === auditId));
  const total = a.partitions().length + b.partitions().length;
  assert.equal(total, 5);
});
