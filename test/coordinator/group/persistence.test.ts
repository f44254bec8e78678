// Groups and offsets survive a restart: a new coordinator over the same log rebuilds them from
// the records, sessions restart, and a failed append reloads the partition from its log.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../../src/protocol/error-codes.js";
import { encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import { ControlRecordType, encodeEndTransactionMarkerBatch } from "../../../src/protocol/records/control-record.js";
import { encodeCoordinatorRecord } from "../../../src/coordinator/group/records/coordinator-record.js";
import { assignmentBytes, commitRequest, decodeAssignment, harness, info, joinRequest, settle, syncRequest } from "./helpers.js";

const GROUP = "ledger";

test("a Stable classic group and its offsets are rebuilt after a restart, and its members carry on", async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, sessionTimeoutMs: 10_000 }), info(3, "worker"));
  await h.advance(0);
  const member = await join;
  const assignment = assignmentBytes([{ topic: "orders", partitions: [0, 1] }]);
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: member.memberId, generationId: 1, assignments: [{ memberId: member.memberId, assignment }] }));
  await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 100, metadata: "x" }], { memberId: member.memberId, generation: 1 }), info(7));

  const coordinator = await h.restart();
  const summary = coordinator.groupSummary(GROUP);
  assert.equal(summary?.state, "Stable");
  assert.equal(summary?.generationId, 1);
  assert.equal(summary?.protocol, "range");
  assert.deepEqual(summary?.members.map((m) => [m.memberId, m.clientId, m.clientHost]), [[member.memberId, "worker", "/127.0.0.1"]]);
  assert.deepEqual(summary?.members[0].assignment, [{ topic: "orders", partitions: [0, 1] }]);
  assert.deepEqual(coordinator.committedOffsets(GROUP)?.map((o) => [o.topic, o.partition, o.committedOffset, o.metadata]), [["orders", 0, 100, "x"]]);
  // The member heartbeats into the reloaded group and gets its assignment back.
  assert.equal(coordinator.heartbeat({ groupId: GROUP, memberId: member.memberId, generationId: 1, groupInstanceId: null }), ErrorCode.NONE);
  const sync = await coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: member.memberId, generationId: 1 }));
  assert.deepEqual(decodeAssignment(sync.assignment), [{ topic: "orders", partitions: [0, 1] }]);
});

test("members that do not come back after a restart expire when their session times out", async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP, sessionTimeoutMs: 10_000 }), info(3));
  await h.advance(0);
  const member = await join;
  await h.coordinator.syncGroup(syncRequest({ groupId: GROUP, memberId: member.memberId, generationId: 1 }));
  await h.restart();
  await h.advance(10_000);
  const summary = h.coordinator.groupSummary(GROUP);
  assert.equal(summary?.state, "Empty");
  assert.equal(summary?.generationId, 2);
  await h.restart();
  assert.equal(h.coordinator.groupSummary(GROUP)?.state, "Empty", "the empty state was written too");
});

test("a failed append answers NOT_COORDINATOR and the partition reloads what the log holds", async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 1 }]), info(8));
  h.log.failAppendsWith = new Error("disk on fire");
  const failed = await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 2 }]), info(8));
  assert.equal(failed.topics[0].partitions[0].errorCode, ErrorCode.NOT_COORDINATOR);
  await settle();
  h.log.failAppendsWith = null;
  assert.equal(h.coordinator.partitionStatus(h.coordinator.partitionFor(GROUP)), "active");
  assert.deepEqual(h.coordinator.committedOffsets(GROUP)?.map((offset) => offset.committedOffset), [1], "the lost commit is not visible");
  const retried = await h.coordinator.commitOffsets(commitRequest(GROUP, [{ topic: "orders", partition: 0, offset: 2 }]), info(8));
  assert.equal(retried.topics[0].partitions[0].errorCode, ErrorCode.NONE);
});

test("a parked JoinGroup is answered NOT_COORDINATOR when its partition unloads", async () => {
  const h = await harness({ groupInitialRebalanceDelayMs: 3000 });
  const join = h.coordinator.joinGroup(joinRequest({ groupId: GROUP }), info(3));
  await settle();
  h.coordinator.unloadPartition(h.coordinator.partitionFor(GROUP));
  assert.equal((await join).errorCode, ErrorCode.NOT_COORDINATOR);
  const after = await h.coordinator.joinGroup(joinRequest({ groupId: GROUP }), info(3));
  assert.equal(after.errorCode, ErrorCode.NOT_COORDINATOR);
});

test("loading applies committed transactional offsets, drops aborted and open ones, and skips unknown records", async () => {
  const h = await harness();
  const partition = h.coordinator.partitionFor(GROUP);
  const offsetRecord = (topic: string, offset: number) => {
    const { key, value } = encodeCoordinatorRecord({
      type: "OffsetCommit",
      key: { groupId: GROUP, topic, partition: 0 },
      value: { offset, leaderEpoch: -1, metadata: "", commitTimestampMs: 1, expireTimestampMs: null },
    });
    return { timestamp: 1, key, value };
  };
  const transactional = (producerId: number, topic: string, offset: number) =>
    encodeRecordBatch({ records: [offsetRecord(topic, offset)], isTransactional: true, producerId, producerEpoch: 0, baseSequence: 0 });
  const marker = (producerId: number, type: ControlRecordType) =>
    encodeEndTransactionMarkerBatch({ type, coordinatorEpoch: 0, producerId, producerEpoch: 0, timestampMs: 1 });
  await h.log.append(partition, encodeRecordBatch({ records: [offsetRecord("plain", 1), { timestamp: 1, key: Buffer.from([0x00, 0x0c, 0x00]), value: null }] }));
  await h.log.append(partition, transactional(7, "committed", 2));
  await h.log.append(partition, transactional(8, "aborted", 3));
  await h.log.append(partition, marker(7, ControlRecordType.Commit));
  await h.log.append(partition, marker(8, ControlRecordType.Abort));
  await h.log.append(partition, transactional(9, "open", 4));
  await h.restart();
  assert.deepEqual(h.coordinator.committedOffsets(GROUP)?.map((offset) => offset.topic), ["committed", "plain"]);
});

test("DescribeGroups and ListGroups see groups loaded from the log", async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(commitRequest("a", [{ topic: "orders", partition: 0, offset: 1 }]), info(8));
  await h.coordinator.commitOffsets(commitRequest("b", [{ topic: "orders", partition: 0, offset: 1 }]), info(8));
  await h.restart();
  assert.deepEqual(h.coordinator.listGroups().groups.map((group) => group.groupId), ["a", "b"]);
});
