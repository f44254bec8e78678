// The server-side assignors as properties: every partition of a subscribed topic goes to exactly
// one of its subscribers; "uniform" balances identical subscriptions to within one partition and
// keeps what it can; "range" gives each subscriber a contiguous block.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { UniformAssignor } from "../../../src/coordinator/group/assignors/uniform-assignor.js";
import { RangeAssignor } from "../../../src/coordinator/group/assignors/range-assignor.js";
import type { AssignmentGroupSpec, AssignmentMemberSpec, ConsumerGroupPartitionAssignor, GroupAssignment } from "../../../src/coordinator/group/assignors/partition-assignor.js";
import { createAssignors } from "../../../src/coordinator/group/assignors/index.js";

interface Scenario {
  readonly topics: Map<string, number>;
  readonly members: Map<string, AssignmentMemberSpec>;
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    partitionCounts: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
    memberCount: fc.integer({ min: 1, max: 7 }),
    seed: fc.array(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), { minLength: 7, maxLength: 7 }),
  })
  .map(({ partitionCounts, memberCount, seed }) => {
    const topics = new Map(partitionCounts.map((count, index) => [`topic${index}`, count]));
    const members = new Map<string, AssignmentMemberSpec>();
    for (let index = 0; index < memberCount; index++) {
      const subscribed = new Set([...topics.keys()].filter((_, topicIndex) => seed[index][topicIndex]));
      members.set(`member-${index}`, { rackId: null, subscribedTopicIds: subscribed, currentAssignment: new Map() });
    }
    return { topics, members };
  });

function describer(topics: Map<string, number>) {
  return { numPartitions: (topicId: string) => topics.get(topicId) ?? -1 };
}

function checkCoverage(assignor: ConsumerGroupPartitionAssignor, { topics, members }: Scenario): GroupAssignment {
  const result = assignor.assign({ members }, describer(topics));
  const owners = new Map<string, string>();
  for (const [memberId, assignment] of result) {
    for (const [topicId, partitions] of assignment) {
      assert.ok(members.get(memberId)?.subscribedTopicIds.has(topicId), `${memberId} got ${topicId} without subscribing`);
      for (const partition of partitions) {
        assert.ok(partition >= 0 && partition < (topics.get(topicId) ?? 0));
        const key = `${topicId}:${partition}`;
        assert.ok(!owners.has(key), `${key} assigned twice`);
        owners.set(key, memberId);
      }
    }
  }
  for (const [topicId, count] of topics) {
    const subscribed = [...members.values()].some((member) => member.subscribedTopicIds.has(topicId));
    for (let partition = 0; partition < count; partition++) assert.equal(owners.has(`${topicId}:${partition}`), subscribed, `${topicId}:${partition}`);
  }
  return result;
}

function loads(result: GroupAssignment): number[] {
  return [...result.values()].map((assignment) => [...assignment.values()].reduce((sum, partitions) => sum + partitions.size, 0));
}

test("every subscribed partition is assigned exactly once, to a subscriber (both assignors)", () => {
  fc.assert(
    fc.property(scenario, (input) => {
      checkCoverage(new UniformAssignor(), input);
      checkCoverage(new RangeAssignor(), input);
    }),
  );
});

test("uniform: identical subscriptions are balanced to within one partition", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 8 }), (counts, memberCount) => {
      const topics = new Map(counts.map((count, index) => [`t${index}`, count]));
      const members = new Map<string, AssignmentMemberSpec>();
      for (let index = 0; index < memberCount; index++) members.set(`m${index}`, { rackId: null, subscribedTopicIds: new Set(topics.keys()), currentAssignment: new Map() });
      const result = checkCoverage(new UniformAssignor(), { topics, members });
      const perMember = loads(result);
      assert.ok(Math.max(...perMember) - Math.min(...perMember) <= 1, `loads ${perMember}`);
    }),
  );
});

test("uniform is sticky: a joining member takes only its share from the others", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 6 }), (partitionCount, memberCount) => {
      const topics = new Map([["t", partitionCount]]);
      const assignor = new UniformAssignor();
      const spec = (currentAssignment: Map<string, Set<number>>): AssignmentMemberSpec => ({ rackId: null, subscribedTopicIds: new Set(["t"]), currentAssignment });
      const first: AssignmentGroupSpec = { members: new Map(Array.from({ length: memberCount }, (_, index) => [`m${index}`, spec(new Map())])) };
      const before = assignor.assign(first, describer(topics));
      const second = new Map([...before.entries()].map(([memberId, assignment]) => [memberId, spec(assignment)]));
      second.set("newcomer", spec(new Map()));
      const after = assignor.assign({ members: second }, describer(topics));
      let moved = 0;
      for (const [memberId, assignment] of before) {
        for (const partition of assignment.get("t") ?? []) if (!after.get(memberId)?.get("t")?.has(partition)) moved++;
      }
      const newcomerShare = after.get("newcomer")?.get("t")?.size ?? 0;
      assert.equal(moved, newcomerShare, "only the newcomer's partitions moved");
      assert.equal(newcomerShare, Math.floor(partitionCount / (memberCount + 1)));
    }),
  );
});

test("range: each subscriber gets a contiguous block, the first ones one more", () => {
  const topics = new Map([["t", 7]]);
  const members = new Map<string, AssignmentMemberSpec>(
    ["b", "a", "c"].map((memberId) => [memberId, { rackId: null, subscribedTopicIds: new Set(["t"]), currentAssignment: new Map() }]),
  );
  const result = new RangeAssignor().assign({ members }, describer(topics));
  assert.deepEqual([...(result.get("a")?.get("t") ?? [])], [0, 1, 2]);
  assert.deepEqual([...(result.get("b")?.get("t") ?? [])], [3, 4]);
  assert.deepEqual([...(result.get("c")?.get("t") ?? [])], [5, 6]);
});

test("group.consumer.assignors names are checked", () => {
  assert.deepEqual([...createAssignors(["range", "uniform"]).keys()], ["range", "uniform"]);
  // Kafka's default value names the classes.
  const kafkaDefault = ["org.apache.kafka.coordinator.group.assignor.UniformAssignor", "org.apache.kafka.coordinator.group.assignor.RangeAssignor"];
  assert.deepEqual([...createAssignors(kafkaDefault).keys()], ["uniform", "range"]);
  assert.throws(() => createAssignors(["sticky"]), /unknown group.consumer.assignors/);
  assert.throws(() => createAssignors(["toString"]), /unknown group.consumer.assignors/);
});
