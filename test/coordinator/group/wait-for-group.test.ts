// The test-support waits: they resolve once the group is where the caller expects.

import { test } from "node:test";
import assert from "node:assert/strict";
import { waitForGroupState, waitForStableAssignment, GroupWaitTimeoutError } from "../../../src/coordinator/group/wait-for-group.js";
import { assignmentBytes, harness, info, joinRequest, syncRequest } from "./helpers.js";

test("waitForStableAssignment resolves when every member holds its partitions; waitForGroupState times out clearly", async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(joinRequest({ groupId: "w" }), info(3));
  await h.advance(0);
  const member = await join;
  const waiting = waitForStableAssignment(h.coordinator, "w", { members: 1, partitions: 2, timeoutMs: 5000 });
  await h.coordinator.syncGroup(
    syncRequest({ groupId: "w", memberId: member.memberId, generationId: 1, assignments: [{ memberId: member.memberId, assignment: assignmentBytes([{ topic: "orders", partitions: [0, 1] }]) }] }),
  );
  const summary = await waiting;
  assert.deepEqual(summary.members[0].assignment, [{ topic: "orders", partitions: [0, 1] }]);
  assert.equal((await waitForGroupState(h.coordinator, "missing", "Dead")) ?? null, null);
  await assert.rejects(waitForGroupState(h.coordinator, "w", "Empty", { timeoutMs: 30 }), GroupWaitTimeoutError);
});
