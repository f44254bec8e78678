// The classic group protocol with a ManualClock: joins, rebalances, syncs, heartbeats, leaves,
// timeouts, static members and the records written along the way.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../../src/protocol/error-codes.js";
import type { JoinGroupResponse } from "../../../src/protocol/generated/join-group.js";
import { decodeCoordinatorRecord } from "../../../src/coordinator/group/records/coordinator-record.js";
import { decodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import type { GroupCoordinator } from "../../../src/coordinator/group/group-coordinator.js";
import {
  assignmentBytes,
  decodeAssignment,
  harness,
  info,
  isSettled,
  joinRequest,
  joinWithId,
  settle,
  subscription,
  syncRequest,
  type Harness,
} from "./helpers.js";

const GROUP = "payments";

/** Brings `count` dynamic members into a Stable group; returns their ids (the first is the leader). */
async function stableGroup(h: Harness, count: number, groupId = GROUP): Promise<{ memberIds: string[]; generationId: number }> {
  const joins: { memberId: string; response: Promise<JoinGroupResponse> }[] = [];
  for (let index = 0; index < count; index++) joins.push(await joinWithId(h.coordinator, joinRequest({ groupId })));
  await h.advance(0);
  const responses = await Promise.all(joins.map((join) => join.response));
  for (const response of responses) assert.equal(response.errorCode, ErrorCode.NONE);
  const leader = responses.find((response) => response.leader === response.memberId);
  assert.ok(leader !== undefined, "one member is the leader");
  const generationId = leader.generationId;
  const memberIds = [leader.memberId, ...responses.filter((r) => r !== leader).map((r) => r.memberId)];
  const syncs = memberIds.map((memberId) =>
    h.coordinator.syncGroup(
      syncRequest({
        groupId,
        memberId,
        generationId,
        assignments: memberId === leader.memberId ? memberIds.map((id, index) => ({ memberId: id, assignment: assignmentBytes([{ topic: "orders", partitions: [index] }]) })) : [],
      }),
    ),
  );
  const syncResponses = await Promise.all(syncs);
  for (const response of syncResponses) assert.equal(response.errorCode, ErrorCode.NONE);
  assert.equal(h.coordinator.groupSummary(groupId)?.state, "Stable");
  return { memberIds, generationId };
}

function heartbeat(coordinator: GroupCoordinator, memberId: string, generationId: number, groupInstanceId: string | null = null, groupId = GROUP): number {
  return coordinator.heartbeat({ groupId, memberId, generationId, groupInstanceId });
}

test("a single member joins (MEMBER_ID_REQUIRED first), becomes leader, syncs its assignment and heartbeats", async () => {
  const h = await harness();
  const first = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP }), info(5, "app"));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^app-[0-9a-f-]{36}$/);
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId: first.memberId }), info(5, "app"));
  await settle();
  assert.equal(await isSettled(join), false, "the join waits for the initial rebalance delay");
  await h.advance(0);
  const response = await join;
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.equal(response.generationId, 1);
  assert.equal(response.leader, first.memberId);
  assert.equal(response.protocolName, "range");
  assert.deepEqual(response.members.map((member) => member.memberId), [first.memberId]);
  assert.deepEqual(response.members[0].metadata, subscription(["orders"]));
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "CompletingRebalance");

  const assignment = assignmentBytes([{ topic: "orders", partitions: [0, 1, 2] }]);
  const sync = await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: first.memberId, generationId: 1, assignments: [{ memberId: first.memberId, assignment }] }));
  assert.equal(sync.errorCode, ErrorCode.NONE);
  assert.deepEqual(sync.assignment, assignment);
  assert.equal(sync.protocolName, "range");
  const summary = h.coordinator.groupSummary(GROUP);
  assert.equal(summary?.state, "Stable");
  assert.deepEqual(summary?.members[0].assignment, [{ topic: "orders", partitions: [0, 1, 2] }]);
  assert.equal(heartbeat(h.coordinator, first.memberId, 1), ErrorCode.NONE);
  assert.equal(heartbeat(h.coordinator, first.memberId, 0), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(heartbeat(h.coordinator, "nobody", 1), ErrorCode.UNKNOWN_MEMBER_ID);
});

test("JoinGroup v0-v3 joins directly, without MEMBER_ID_REQUIRED", async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP }), info(2, "legacy"));
  await h.advance(0);
  const response = await join;
  assert.equal(response.errorCode, ErrorCode.NONE);
  assert.match(response.memberId, /^legacy-/);
  assert.equal(response.leader, response.memberId);
});

test("a second member triggers a rebalance; the leader gets all members and both get their assignment", async () => {
  const h = await harness();
  const { memberIds: [leader], generationId } = await stableGroup(h, 1);
  const second = await joinWithId(h.coordinator, joinRequest({ groupId: GROUP }));
  await settle();
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "PreparingRebalance");
  assert.equal(heartbeat(h.coordinator, leader, generationId), ErrorCode.REBALANCE_IN_PROGRESS);
  const leaderJoin = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId: leader }), info(5));
  const [leaderResponse, secondResponse] = await Promise.all([leaderJoin, second.response]);
  assert.equal(leaderResponse.generationId, generationId + 1);
  assert.equal(secondResponse.generationId, generationId + 1);
  assert.equal(leaderResponse.leader, leader);
  assert.deepEqual(leaderResponse.members.map((member) => member.memberId).sort(), [leader, second.memberId].sort());
  assert.deepEqual(secondResponse.members, [], "followers do not get the member list");

  // The follower's SyncGroup waits for the leader's.
  const followerSync = h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: second.memberId, generationId: generationId + 1 }));
  await settle();
  assert.equal(await isSettled(followerSync), false);
  const leaderSync = await h.coordinator.syncGroup(
    syncRequest({
      groupId: GROUP,
      memberId: leader,
      generationId: generationId + 1,
      assignments: [
        { memberId: leader, assignment: assignmentBytes([{ topic: "orders", partitions: [0, 1, 2] }]) },
        { memberId: second.memberId, assignment: assignmentBytes([{ topic: "orders", partitions: [3, 4, 5] }]) },
      ],
    }),
  );
  assert.deepEqual(decodeAssignment(leaderSync.assignment), [{ topic: "orders", partitions: [0, 1, 2] }]);
  assert.deepEqual(decodeAssignment((await followerSync).assignment), [{ topic: "orders", partitions: [3, 4, 5] }]);
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Stable");
});

test("a member whose session expires is removed and the others rebalance without it", async () => {
  const h = await harness();
  const { memberIds, generationId } = await stableGroup(h, 3);
  const [alive, alsoAlive, dead] = memberIds;
  // Two members heartbeat; the third goes silent.
  for (let elapsed = 0; elapsed < 12_000; elapsed += 3000) {
    await h.advance(3000);
    if (h.coordinator.groupSummary(GROUP)?.state !== "Stable") break;
    assert.equal(heartbeat(h.coordinator, alive, generationId), ErrorCode.NONE);
    assert.equal(heartbeat(h.coordinator, alsoAlive, generationId), ErrorCode.NONE);
  }
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "PreparingRebalance");
  assert.equal(heartbeat(h.coordinator, alive, generationId), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(heartbeat(h.coordinator, dead, generationId), ErrorCode.UNKNOWN_MEMBER_ID);
  const rejoins = [alive, alsoAlive].map((memberId) => h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId }), info(5)));
  const responses = await Promise.all(rejoins);
  assert.deepEqual(responses.map((response) => response.generationId), [generationId + 1, generationId + 1]);
  const summary = h.coordinator.groupSummary(GROUP);
  assert.deepEqual(summary?.members.map((member) => member.memberId).sort(), [alive, alsoAlive].sort());
});

test("a member that does not rejoin within the rebalance timeout is dropped from the next generation", async () => {
  const h = await harness();
  const { memberIds: [leader, follower], generationId } = await stableGroup(h, 2);
  // The leader rejoins (forcing a rebalance); the follower never does, though it keeps its session alive.
  const leaderJoin = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId: leader, rebalanceTimeoutMs: 20_000 }), info(5));
  await settle();
  assert.equal(await isSettled(leaderJoin), false);
  for (let elapsed = 0; elapsed < 30_000 && !(await isSettled(leaderJoin)); elapsed += 5000) {
    heartbeat(h.coordinator, follower, generationId);
    await h.advance(5000);
  }
  const response = await leaderJoin;
  assert.equal(response.generationId, generationId + 1);
  assert.deepEqual(response.members.map((member) => member.memberId), [leader]);
});

test("LeaveGroup removes members (batched, KIP-345); the last one leaving empties the group", async () => {
  const h = await harness();
  const { memberIds: [leader, follower], generationId } = await stableGroup(h, 2);
  const left = h.coordinator.leaveGroup(GROUP, [
    { memberId: follower, groupInstanceId: null, reason: "shutting down" },
    { memberId: "ghost", groupInstanceId: null, reason: null },
  ]);
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.deepEqual(left.members.map((member) => member.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "PreparingRebalance");
  const rejoin = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId: leader }), info(5));
  assert.equal(rejoin.generationId, generationId + 1);
  assert.deepEqual(rejoin.members.map((member) => member.memberId), [leader]);

  h.coordinator.leaveGroup(GROUP, [{ memberId: leader, groupInstanceId: null, reason: null }]);
  await h.advance(0);
  const summary = h.coordinator.groupSummary(GROUP);
  assert.equal(summary?.state, "Empty");
  assert.equal(summary?.generationId, generationId + 2);
  // The last record of the group says it is empty, at the new generation.
  const partition = h.coordinator.partitionFor(GROUP);
  const batches = h.log.batches(partition);
  const last = decodeRecordBatch(batches[batches.length - 1], { maxDecompressedBytes: 1 << 20 }).records[0];
  const record = decodeCoordinatorRecord(last.key ?? Buffer.alloc(0), last.value);
  assert.ok(record?.type === "GroupMetadata" && record.value !== null);
  assert.equal(record.value.generation, generationId + 2);
  assert.deepEqual(record.value.members, []);
});

test("LeaveGroup for an unknown group answers UNKNOWN_MEMBER_ID per member", async () => {
  const h = await harness();
  const result = h.coordinator.leaveGroup("nope", [{ memberId: "m", groupInstanceId: null, reason: null }]);
  assert.deepEqual(result.members.map((member) => member.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
});

test("members that rejoin with new metadata (cooperative rebalancing) make everyone rejoin", async () => {
  const h = await harness();
  const { memberIds: [leader, follower], generationId } = await stableGroup(h, 2);
  // A cooperative consumer rejoins after revoking, reporting what it still owns.
  const changed = joinRequest({ groupId: GROUP, memberId: follower, protocols: [{ name: "range", metadata: subscription(["orders"], 1, [{ topic: "orders", partitions: [1] }]) }] });
  const followerJoin = h.coordinator.joinGroup(changed, info(5));
  await settle();
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "PreparingRebalance");
  assert.equal(heartbeat(h.coordinator, leader, generationId), ErrorCode.REBALANCE_IN_PROGRESS);
  const leaderJoin = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId: leader }), info(5));
  const [followerResponse, leaderResponse] = await Promise.all([followerJoin, leaderJoin]);
  assert.equal(followerResponse.generationId, generationId + 1);
  assert.equal(leaderResponse.generationId, generationId + 1);
  assert.deepEqual(
    leaderResponse.members.find((member) => member.memberId === follower)?.metadata,
    changed.protocols[0].metadata,
    "the leader sees the owned partitions",
  );
  // A follower rejoining with unchanged metadata while Stable just gets the current generation.
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: leader, generationId: generationId + 1 }));
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: follower, generationId: generationId + 1 }));
  const again = await h.coordinator.joinGroup(changed, info(5));
  assert.equal(again.generationId, generationId + 1);
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Stable");
});

test("the protocol is chosen by vote among those every member supports", async () => {
  const h = await harness();
  const meta = subscription(["orders"]);
  const a = await joinWithId(h.coordinator, joinRequest({ groupId: GROUP, protocols: [{ name: "range", metadata: meta }, { name: "roundrobin", metadata: meta }] }));
  const b = await joinWithId(h.coordinator, joinRequest({ groupId: GROUP, protocols: [{ name: "roundrobin", metadata: meta }, { name: "range", metadata: meta }] }));
  const c = await joinWithId(h.coordinator, joinRequest({ groupId: GROUP, protocols: [{ name: "roundrobin", metadata: meta }, { name: "sticky", metadata: meta }] }));
  await h.advance(0);
  const responses = await Promise.all([a.response, b.response, c.response]);
  for (const response of responses) assert.equal(response.protocolName, "roundrobin");
  // A member with no protocol in common cannot join.
  const d = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, protocols: [{ name: "sticky", metadata: meta }] }), info(5));
  assert.equal(d.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const e = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, protocolType: "connect" }), info(5));
  assert.equal(e.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test("group.initial.rebalance.delay.ms lets members that arrive together share the first generation", async () => {
  const h = await harness({ groupInitialRebalanceDelayMs: 3000 });
  const a = await joinWithId(h.coordinator, joinRequest({ groupId: GROUP }));
  await h.advance(2000);
  const b = await joinWithId(h.coordinator, joinRequest({ groupId: GROUP }));
  await h.advance(2000);
  assert.equal(await isSettled(a.response), false, "a new member extended the delay");
  await h.advance(3000);
  const [ra, rb] = await Promise.all([a.response, b.response]);
  assert.equal(ra.generationId, 1);
  assert.equal(rb.generationId, 1);
});

test("session timeouts outside group.min/max.session.timeout.ms are refused", async () => {
  const h = await harness({ groupMinSessionTimeoutMs: 6000, groupMaxSessionTimeoutMs: 60_000 });
  for (const sessionTimeoutMs of [5999, 60_001]) {
    const response = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, sessionTimeoutMs }), info(5));
    assert.equal(response.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  }
  const emptyId = await h.coordinator.joinGroup(joinRequest({ groupId: "" }), info(5));
  assert.equal(emptyId.errorCode, ErrorCode.INVALID_GROUP_ID);
});

test("group.max.size turns away members beyond the limit", async () => {
  const h = await harness({ groupMaxSize: 2 });
  await stableGroup(h, 2);
  const third = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP }), info(3));
  assert.equal(third.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
});

test("SyncGroup checks generation, membership and protocol", async () => {
  const h = await harness();
  const { memberIds: [leader], generationId } = await stableGroup(h, 1);
  const sync = (fields: Parameters<typeof syncRequest>[0]) => h.coordinator.syncGroup(syncRequest(fields));
  assert.equal((await sync({ groupId: GROUP, memberId: leader, generationId: generationId + 1 })).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await sync({ groupId: GROUP, memberId: "x", generationId })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await sync({ groupId: GROUP, memberId: leader, generationId, protocolName: "sticky" })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await sync({ groupId: "unknown", memberId: leader, generationId })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const stable = await sync({ groupId: GROUP, memberId: leader, generationId });
  assert.equal(stable.errorCode, ErrorCode.NONE, "a SyncGroup in Stable returns the current assignment");
});

test("a member that never sends SyncGroup is removed after the rebalance timeout", async () => {
  const h = await harness();
  const joins = [await joinWithId(h.coordinator, joinRequest({ groupId: GROUP, rebalanceTimeoutMs: 20_000 })), await joinWithId(h.coordinator, joinRequest({ groupId: GROUP, rebalanceTimeoutMs: 20_000 }))];
  await h.advance(0);
  const responses = await Promise.all(joins.map((join) => join.response));
  const leader = responses[0].leader;
  const silent = responses.find((response) => response.memberId !== leader)?.memberId ?? "";
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: leader, generationId: 1 }));
  for (let elapsed = 0; elapsed < 20_000; elapsed += 5000) {
    heartbeat(h.coordinator, leader, 1);
    heartbeat(h.coordinator, silent, 1);
    await h.advance(5000);
  }
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "PreparingRebalance");
  assert.ok(!h.coordinator.groupSummary(GROUP)?.members.some((member) => member.memberId === silent));
});

test("a pending member (MEMBER_ID_REQUIRED) that never returns expires after its session timeout", async () => {
  const h = await harness();
  const first = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, sessionTimeoutMs: 10_000 }), info(5));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  await h.advance(10_000);
  const late = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId: first.memberId }), info(5));
  assert.equal(late.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test("static members: no MEMBER_ID_REQUIRED, and a restarted instance replaces the old one without a rebalance", async () => {
  const h = await harness();
  const joinA = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, groupInstanceId: "instance-a" }), info(5));
  const joinB = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, groupInstanceId: "instance-b" }), info(5));
  await h.advance(0);
  const [a, b] = await Promise.all([joinA, joinB]);
  assert.equal(a.errorCode, ErrorCode.NONE);
  assert.match(a.memberId, /^instance-a-/);
  const leader = a.leader;
  await Promise.all([
    h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: a.memberId, generationId: 1, groupInstanceId: "instance-a", assignments: [{ memberId: a.memberId, assignment: assignmentBytes([{ topic: "orders", partitions: [0] }]) }, { memberId: b.memberId, assignment: assignmentBytes([{ topic: "orders", partitions: [1] }]) }] })),
    h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: b.memberId, generationId: 1, groupInstanceId: "instance-b" })),
  ]);
  assert.equal(leader, a.memberId);

  // instance-b restarts: it joins with no member id but the same instance id.
  const restarted = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, groupInstanceId: "instance-b" }), info(5));
  assert.equal(restarted.errorCode, ErrorCode.NONE);
  assert.notEqual(restarted.memberId, b.memberId);
  assert.equal(restarted.generationId, 1, "no new generation");
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Stable");
  const sync = await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: restarted.memberId, generationId: 1, groupInstanceId: "instance-b" }));
  assert.deepEqual(decodeAssignment(sync.assignment), [{ topic: "orders", partitions: [1] }], "it keeps its assignment");
  // The old instance is fenced.
  assert.equal(heartbeat(h.coordinator, b.memberId, 1, "instance-b"), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(heartbeat(h.coordinator, restarted.memberId, 1, "instance-b"), ErrorCode.NONE);
  // An administrator removes a static member by instance id alone.
  const removed = h.coordinator.leaveGroup(GROUP, [{ memberId: "", groupInstanceId: "instance-b", reason: null }]);
  assert.deepEqual(removed.members.map((member) => member.errorCode), [ErrorCode.NONE]);
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "PreparingRebalance");
});

test("a static leader rejoining on JoinGroup v9 is told to skip the assignment", async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, groupInstanceId: "solo" }), info(9));
  await h.advance(0);
  const first = await join;
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: first.memberId, generationId: 1, groupInstanceId: "solo", assignments: [{ memberId: first.memberId, assignment: assignmentBytes([{ topic: "orders", partitions: [0] }]) }] }));
  const again = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP, groupInstanceId: "solo" }), info(9));
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.equal(again.skipAssignment, true);
  assert.equal(again.leader, again.memberId);
  assert.equal(again.members.length, 1);
});

test("a parked JoinGroup of a member that leaves is answered with UNKNOWN_MEMBER_ID", async () => {
  const h = await harness();
  const { memberIds: [leader, follower] } = await stableGroup(h, 2);
  const leaderJoin = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, memberId: leader }), info(5));
  await settle();
  h.coordinator.leaveGroup(GROUP, [{ memberId: leader, groupInstanceId: null, reason: null }]);
  const response = await leaderJoin;
  assert.equal(response.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.ok(h.coordinator.groupSummary(GROUP)?.members.every((member) => member.memberId === follower));
});
