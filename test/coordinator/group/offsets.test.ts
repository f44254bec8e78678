// OffsetCommit / OffsetFetch / OffsetDelete and offset expiry, with a ManualClock.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../../src/protocol/error-codes.js";
import { commitRequest, harness, info, joinRequest, syncRequest } from "./helpers.js";

const GROUP = "billing";

function fetchAll(h: Awaited<ReturnType<typeof harness>>, groupId = GROUP) {
  return h.coordinator.fetchOffsets({ groupId, memberId: null, memberEpoch: -1, topics: null });
}

test("simple commits (generation -1) create a group; fetch returns them, -1 for unknown partitions", async () => {
  const h = await harness();
  const response = await h.coordinator.commitOffsets(
    commitRequest(GROUP, [
      { topic: "orders", partition: 0, offset: 10, metadata: "m0" },
      { topic: "orders", partition: 1, offset: 20 },
      { topic: "audit", partition: 0, offset: 5, metadata: null },
    ]),
    info(8),
  );
  assert.deepEqual(response.topics.flatMap((topic) => topic.partitions.map((partition) => partition.errorCode)), [0, 0, 0]);
  const summary = h.coordinator.groupSummary(GROUP);
  assert.equal(summary?.state, "Empty");
  assert.equal(summary?.protocolType, "");
  const fetched = h.coordinator.fetchOffsets({ groupId: GROUP, memberId: null, memberEpoch: -1, topics: [{ name: "orders", partitionIndexes: [0, 1, 2] }] });
  assert.equal(fetched.errorCode, ErrorCode.NONE);
  assert.deepEqual(
    fetched.topics[0].partitions.map((partition) => [partition.partitionIndex, partition.committedOffset, partition.metadata]),
    [
      [0, 10, "m0"],
      [1, 20, ""],
      [2, -1, ""],
    ],
  );
  const all = fetchAll(h);
  assert.deepEqual(all.topics.map((topic) => topic.name).sort(), ["audit", "orders"]);
  assert.deepEqual(h.coordinator.committedOffsets(GROUP)?.map((offset) => `${offset.topic}-${offset.partition}@${offset.committedOffset}`), ["audit-0@5", "orders-0@10", "orders-1@20"]);
  // An unknown group has no offsets: -1 everywhere, no error.
  const unknown = h.coordinator.fetchOffsets({ groupId: "nobody", memberId: null, memberEpoch: -1, topics: [{ name: "orders", partitionIndexes: [0] }] });
  assert.equal(unknown.topics[0].partitions[0].committedOffset, -1);
  assert.deepEqual(fetchAll(h, "nobody").topics, []);
});

test("metadata longer than offset.metadata.max.bytes is refused per partition", async () => {
  const h = await harness({ offsetMetadataMaxBytes: 8 });
  const response = await h.coordinator.commitOffsets(
    commitRequest(GROUP, [
      { topic: "orders", partition: 0, offset: 1, metadata: "12345678" },
      { topic: "orders", partition: 1, offset: 1, metadata: "123456789" },
    ]),
    info(8),
  );
  assert.deepEqual(response.topics[0].partitions.map((partition) => partition.errorCode), [ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
});

test("generation and member checks on commits of a live group", async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP }), info(3));
  await h.advance(0);
  const member = await join;
  const commit = (fields: { memberId?: string; generation?: number }, version = 7) =>
    h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 3 }], fields), info(version));
  const code = async (fields: { memberId?: string; generation?: number }, version = 7) => (await commit(fields, version)).topics[0].partitions[0].errorCode;
  assert.equal(await code({ memberId: member.memberId, generation: 1 }), ErrorCode.REBALANCE_IN_PROGRESS, "no commits before the assignment");
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: member.memberId, generationId: 1 }));
  assert.equal(await code({ memberId: member.memberId, generation: 1 }), ErrorCode.NONE);
  assert.equal(await code({ memberId: member.memberId, generation: 2 }), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await code({ memberId: "stranger", generation: 1 }), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await code({}), ErrorCode.UNKNOWN_MEMBER_ID, "a non-member may not commit while the group has members");
  // A commit keeps the member's session alive, like a heartbeat.
  for (let round = 0; round < 4; round++) {
    await h.advance(8000);
    assert.equal(await code({ memberId: member.memberId, generation: 1 }), ErrorCode.NONE);
  }
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Stable");
  // Unknown groups: ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9.
  const unknown = async (version: number) =>
    (await h.coordinator.commitOffsets(commitRequest("missing", [{ topic: "orders", partition: 0, offset: 1 }], { memberId: "m", generation: 3 }), info(version))).topics[0].partitions[0].errorCode;
  assert.equal(await unknown(8), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await unknown(9), ErrorCode.GROUP_ID_NOT_FOUND);
});

test("OffsetDelete: refused for a non-empty group and for subscribed topics; deletes otherwise", async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 7 }, { topic: "audit", partition: 0, offset: 1 }]), info(8));
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP }), info(3));
  await h.advance(0);
  const member = await join;
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: member.memberId, generationId: 1 }));
  const subscribed = await h.coordinator.deleteOffsets({ groupId: GROUP, topics: [{ name: "orders", partitions: [{ partitionIndex: 0 }] }, { name: "audit", partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(subscribed.errorCode, ErrorCode.NONE);
  assert.deepEqual(subscribed.topics.map((topic) => topic.partitions[0].errorCode), [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE]);
  assert.deepEqual(h.coordinator.committedOffsets(GROUP)?.map((offset) => offset.topic), ["orders"]);
  const missing = await h.coordinator.deleteOffsets({ groupId: "missing", topics: [] });
  assert.equal(missing.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test("offsets of an empty group expire after offsets.retention.minutes; then the group is deleted", async () => {
  const h = await harness({ offsetsRetentionMinutes: 10, offsetsRetentionCheckIntervalMs: 60_000 });
  await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 7 }]), info(8));
  await h.advance(9 * 60_000);
  assert.equal(h.coordinator.committedOffsets(GROUP)?.length, 1);
  await h.advance(2 * 60_000);
  assert.deepEqual(h.coordinator.committedOffsets(GROUP), []);
  assert.equal(h.coordinator.groupSummary(GROUP), undefined, "an empty group without offsets is gone");
  // ... and stays gone after a restart (tombstones were written).
  await h.restart();
  assert.equal(h.coordinator.groupSummary(GROUP), undefined);
});

test("offsets of a group with members do not expire while it is subscribed to their topic", async () => {
  const h = await harness({ offsetsRetentionMinutes: 1, offsetsRetentionCheckIntervalMs: 30_000 });
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, sessionTimeoutMs: 60_000 }), info(3));
  await h.advance(0);
  const member = await join;
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: member.memberId, generationId: 1 }));
  await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 1 }, { topic: "old-topic", partition: 0, offset: 1 }], { memberId: member.memberId, generation: 1 }), info(7));
  for (let elapsed = 0; elapsed < 3 * 60_000; elapsed += 30_000) {
    h.coordinator.heartbeat({ groupId: GROUP, memberId: member.memberId, generationId: 1, groupInstanceId: null });
    await h.advance(30_000);
  }
  // The subscribed topic's offset stays; the one it no longer reads expires.
  assert.deepEqual(h.coordinator.committedOffsets(GROUP)?.map((offset) => offset.topic), ["orders"]);
});

test("an explicit retention time (OffsetCommit v2-v4) sets the offset's own expiry", async () => {
  const h = await harness({ offsetsRetentionMinutes: 60, offsetsRetentionCheckIntervalMs: 10_000 });
  await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 1 }], { retentionTimeMs: 30_000 }), info(2));
  const [offset] = h.coordinator.committedOffsets(GROUP) ?? [];
  assert.equal(offset.expireTimestampMs, offset.commitTimestampMs + 30_000);
  await h.advance(40_000);
  assert.deepEqual(h.coordinator.committedOffsets(GROUP), []);
});

test("DeleteGroups deletes empty groups with their offsets and refuses live ones", async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(commitRequest("old", [{ topic: "orders", partition: 0, offset: 7 }]), info(8));
  const join = h.coordinator.joinGroup(joinRequest({ groupId: "live" }), info(3));
  await h.advance(0);
  await join;
  const results = await h.coordinator.deleteGroups(["old", "live", "never", ""]);
  assert.deepEqual(
    results.map((result) => [result.groupId, result.errorCode]),
    [
      ["old", ErrorCode.NONE],
      ["live", ErrorCode.NON_EMPTY_GROUP],
      ["never", ErrorCode.GROUP_ID_NOT_FOUND],
      ["", ErrorCode.INVALID_GROUP_ID],
    ],
  );
  assert.equal(h.coordinator.groupSummary("old"), undefined);
  assert.equal(h.coordinator.committedOffsets("old")?.length, 0);
  await h.restart();
  assert.equal(h.coordinator.groupSummary("old"), undefined);
  assert.equal(h.coordinator.committedOffsets("old")?.length, 0);
});

test("ListGroups filters by state and type, case-insensitively; DescribeGroups shows members", async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(commitRequest("simple", [{ topic: "orders", partition: 0, offset: 7 }]), info(8));
  const join = h.coordinator.joinGroup(joinRequest({ groupId: "live" }), info(3, "reader"));
  await h.advance(0);
  const member = await join;
  await h.coordinator.syncGroup(syncRequest({ groupId: "live", memberId: member.memberId, generationId: 1, assignments: [{ memberId: member.memberId, assignment: Buffer.from([0, 1]) }] }));
  assert.deepEqual(h.coordinator.listGroups().groups.map((group) => [group.groupId, group.groupState, group.protocolType, group.groupType]), [
    ["live", "Stable", "consumer", "classic"],
    ["simple", "Empty", "", "classic"],
  ]);
  assert.deepEqual(h.coordinator.listGroups(["stable"]).groups.map((group) => group.groupId), ["live"]);
  assert.deepEqual(h.coordinator.listGroups([], ["CONSUMER"]).groups, []);
  const described = h.coordinator.describeGroup("live", -2147483648);
  assert.equal(described.groupState, "Stable");
  assert.equal(described.protocolData, "range");
  assert.equal(described.members[0].clientId, "reader");
  assert.equal(described.members[0].clientHost, "/127.0.0.1");
  assert.deepEqual(described.members[0].memberAssignment, Buffer.from([0, 1]));
  assert.equal(h.coordinator.describeGroup("missing", 0).groupState, "Dead");
});

test("OffsetDelete is refused while a group of another protocol type has members", async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(joinRequest({ groupId: "connect-cluster", protocolType: "connect", protocols: [{ name: "sessioned", metadata: Buffer.from([1]) }] }), info(3));
  await h.advance(0);
  await join;
  const response = await h.coordinator.deleteOffsets({ groupId: "connect-cluster", topics: [{ name: "orders", partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(response.errorCode, ErrorCode.NON_EMPTY_GROUP);
});
