// The __consumer_offsets record formats, byte for byte. The fixtures are written out field by
// field from Kafka's schemas (group-coordinator/src/main/resources/common/message/*.json, the
// versions Kafka 3.x/4.x writes), so a Kafka tool reading our topic sees what it expects.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeCoordinatorRecord, encodeCoordinatorRecord, type CoordinatorRecord } from "../../../src/coordinator/group/records/coordinator-record.js";
import { decodeGroupMetadataValue, encodeGroupMetadataValue, type GroupMetadataValue } from "../../../src/coordinator/group/records/group-metadata-record.js";
import { decodeOffsetCommitValue, encodeOffsetCommitValue } from "../../../src/coordinator/group/records/offset-commit-record.js";
import { DecodeError } from "../../../src/protocol/primitives/decode-error.js";

/** Hex with whitespace and "# comments" ignored, so each fixture explains its bytes. */
function hex(text: string): Buffer {
  const digits = text
    .split("\n")
    .map((line) => line.replace(/#.*$/, ""))
    .join("")
    .replace(/\s+/g, "");
  return Buffer.from(digits, "hex");
}

const T = 1_700_000_000_000; // 0000018bcfe56800
const TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAQ"; // 15 zero bytes then 01

test("OffsetCommit key v1 and value v3: Kafka's current format", () => {
  const record: CoordinatorRecord = {
    type: "OffsetCommit",
    key: { groupId: "g", topic: "t", partition: 3 },
    value: { offset: 42, leaderEpoch: 7, metadata: "m", commitTimestampMs: T, expireTimestampMs: null },
  };
  const { key, value } = encodeCoordinatorRecord(record);
  assert.deepEqual(
    key,
    hex(`
      0001              # key version 1 (offset commit)
      0001 67           # group "g"
      0001 74           # topic "t"
      00000003          # partition 3
    `),
  );
  assert.deepEqual(
    value,
    hex(`
      0003                  # value version 3
      000000000000002a      # offset 42
      00000007              # leader epoch 7
      0001 6d               # metadata "m"
      0000018bcfe56800      # commit timestamp
    `),
  );
  assert.deepEqual(decodeCoordinatorRecord(key, value), record);
});

test("OffsetCommit value v1 carries the expire timestamp of an explicit retention", () => {
  const value = { offset: 5, leaderEpoch: -1, metadata: "", commitTimestampMs: T, expireTimestampMs: T + 1000 };
  const bytes = encodeOffsetCommitValue(value);
  assert.deepEqual(
    bytes,
    hex(`
      0001                  # value version 1
      0000000000000005      # offset
      0000                  # metadata ""
      0000018bcfe56800      # commit timestamp
      0000018bcfe56be8      # expire timestamp (T + 1000)
    `),
  );
  assert.deepEqual(decodeOffsetCommitValue(bytes), value);
});

test("OffsetCommit key version 0 and value versions 0, 2 and 4 (flexible) decode", () => {
  const key = hex("0000 0001 67 0001 74 00000000");
  const v0 = hex("0000 0000000000000009 0002 6869 0000018bcfe56800");
  assert.deepEqual(decodeCoordinatorRecord(key, v0), {
    type: "OffsetCommit",
    key: { groupId: "g", topic: "t", partition: 0 },
    value: { offset: 9, leaderEpoch: -1, metadata: "hi", commitTimestampMs: T, expireTimestampMs: null },
  });
  const v2 = hex("0002 0000000000000009 0000 0000018bcfe56800");
  assert.equal(decodeOffsetCommitValue(v2).offset, 9);
  const v4 = hex(`
    0004                  # value version 4 (flexible)
    0000000000000009      # offset
    00000002              # leader epoch
    03 6869               # compact string "hi"
    0000018bcfe56800      # commit timestamp
    01 05 02 abcd         # one unknown tagged field (tag 5, 2 bytes): skipped
  `);
  assert.deepEqual(decodeOffsetCommitValue(v4), { offset: 9, leaderEpoch: 2, metadata: "hi", commitTimestampMs: T, expireTimestampMs: null });
  assert.deepEqual(encodeOffsetCommitValue(decodeOffsetCommitValue(v4), 4), hex("0004 0000000000000009 00000002 03 6869 0000018bcfe56800 00"));
});

test("a tombstone has a key and no value", () => {
  const { key, value } = encodeCoordinatorRecord({ type: "OffsetCommit", key: { groupId: "g", topic: "t", partition: 1 }, value: null });
  assert.equal(value, null);
  assert.deepEqual(decodeCoordinatorRecord(key, null), { type: "OffsetCommit", key: { groupId: "g", topic: "t", partition: 1 }, value: null });
});

test("GroupMetadata key v2 and value v3 with one member", () => {
  const record: CoordinatorRecord = {
    type: "GroupMetadata",
    groupId: "g",
    value: {
      protocolType: "consumer",
      generation: 1,
      protocol: "range",
      leader: "m1",
      currentStateTimestampMs: T,
      members: [
        {
          memberId: "m1",
          groupInstanceId: null,
          clientId: "c",
          clientHost: "/h",
          rebalanceTimeoutMs: 300_000,
          sessionTimeoutMs: 10_000,
          subscription: Buffer.from([0x00]),
          assignment: Buffer.from([0x01, 0x02]),
        },
      ],
    },
  };
  const { key, value } = encodeCoordinatorRecord(record);
  assert.deepEqual(key, hex("0002 0001 67"));
  assert.deepEqual(
    value,
    hex(`
      0003                      # value version 3
      0008 636f6e73756d6572     # protocol type "consumer"
      00000001                  # generation
      0005 72616e6765           # protocol "range"
      0002 6d31                 # leader "m1"
      0000018bcfe56800          # current state timestamp
      00000001                  # one member:
      0002 6d31                 #   member id
      ffff                      #   group instance id null
      0001 63                   #   client id "c"
      0002 2f68                 #   client host "/h"
      000493e0                  #   rebalance timeout 300000
      00002710                  #   session timeout 10000
      00000001 00               #   subscription
      00000002 0102             #   assignment
    `),
  );
  assert.deepEqual(decodeCoordinatorRecord(key, value), record);
});

test("GroupMetadata value v0 (no timestamp, instance id or rebalance timeout) decodes", () => {
  const v0 = hex(`
    0000 0008 636f6e73756d6572 00000002 ffff ffff
    00000001 0002 6d31 0001 63 0002 2f68 00002710 00000000 00000000
  `);
  assert.deepEqual(decodeGroupMetadataValue(v0), {
    protocolType: "consumer",
    generation: 2,
    protocol: null,
    leader: null,
    currentStateTimestampMs: -1,
    members: [
      {
        memberId: "m1",
        groupInstanceId: null,
        clientId: "c",
        clientHost: "/h",
        rebalanceTimeoutMs: -1,
        sessionTimeoutMs: 10_000,
        subscription: Buffer.alloc(0),
        assignment: Buffer.alloc(0),
      },
    ],
  });
});

test("KIP-848 records: keys 3-8 and flexible version 0 values", () => {
  const epoch = encodeCoordinatorRecord({ type: "ConsumerGroupMetadata", groupId: "g", value: { epoch: 5 } });
  assert.deepEqual(epoch.key, hex("0003 0001 67"));
  assert.deepEqual(epoch.value, hex("0000 00000005 00"));

  const partitionMetadata = encodeCoordinatorRecord({
    type: "ConsumerGroupPartitionMetadata",
    groupId: "g",
    value: { topics: [{ topicId: TOPIC_ID, topicName: "t", numPartitions: 6 }] },
  });
  assert.deepEqual(partitionMetadata.key, hex("0004 0001 67"));
  assert.deepEqual(
    partitionMetadata.value,
    hex(`
      0000                                # value version 0
      02                                  # one topic (compact array)
      00000000000000000000000000000001    # topic id
      02 74                               # topic name "t"
      00000006                            # partitions
      01                                  # partition racks: empty
      00                                  # tagged fields (topic)
      00                                  # tagged fields
    `),
  );

  const member = encodeCoordinatorRecord({
    type: "ConsumerGroupMemberMetadata",
    groupId: "g",
    memberId: "m",
    value: {
      instanceId: null,
      rackId: "r",
      clientId: "c",
      clientHost: "/h",
      subscribedTopicNames: ["t"],
      subscribedTopicRegex: null,
      rebalanceTimeoutMs: 60_000,
      serverAssignor: "uniform",
    },
  });
  assert.deepEqual(member.key, hex("0005 0001 67 0001 6d"));
  assert.deepEqual(
    member.value,
    hex(`
      0000 00 02 72 02 63 03 2f68   # version, instance id null, rack "r", client id "c", host "/h"
      02 02 74                      # subscribed topics ["t"]
      00                            # regex null
      0000ea60                      # rebalance timeout 60000
      08 756e69666f726d             # server assignor "uniform"
      00                            # tagged fields
    `),
  );

  const targetEpoch = encodeCoordinatorRecord({ type: "ConsumerGroupTargetAssignmentMetadata", groupId: "g", value: { assignmentEpoch: 5 } });
  assert.deepEqual(targetEpoch.key, hex("0006 0001 67"));
  assert.deepEqual(targetEpoch.value, hex("0000 00000005 00"));

  const target = encodeCoordinatorRecord({
    type: "ConsumerGroupTargetAssignmentMember",
    groupId: "g",
    memberId: "m",
    value: { topicPartitions: [{ topicId: TOPIC_ID, partitions: [0, 1] }] },
  });
  assert.deepEqual(target.key, hex("0007 0001 67 0001 6d"));
  assert.deepEqual(target.value, hex("0000 02 00000000000000000000000000000001 03 00000000 00000001 00 00"));

  const current = encodeCoordinatorRecord({
    type: "ConsumerGroupCurrentMemberAssignment",
    groupId: "g",
    memberId: "m",
    value: {
      memberEpoch: 5,
      previousMemberEpoch: 4,
      state: 1,
      assignedPartitions: [{ topicId: TOPIC_ID, partitions: [0] }],
      partitionsPendingRevocation: [{ topicId: TOPIC_ID, partitions: [1] }],
    },
  });
  assert.deepEqual(current.key, hex("0008 0001 67 0001 6d"));
  assert.deepEqual(
    current.value,
    hex(`
      0000 00000005 00000004 01                                   # version, epoch, previous epoch, state
      02 00000000000000000000000000000001 02 00000000 00          # assigned [t:0]
      02 00000000000000000000000000000001 02 00000001 00          # pending revocation [t:1]
      00
    `),
  );
  for (const encoded of [epoch, partitionMetadata, member, targetEpoch, target, current]) {
    const decoded = decodeCoordinatorRecord(encoded.key, encoded.value);
    assert.ok(decoded !== null);
    assert.deepEqual(encodeCoordinatorRecord(decoded), encoded);
  }
});

test("tagged fields newer Kafka versions add are skipped (4.1's metadata hash)", () => {
  const value = hex("0000 00000007 01 00 08 0102030405060708");
  assert.deepEqual(decodeCoordinatorRecord(hex("0003 0001 67"), value), { type: "ConsumerGroupMetadata", groupId: "g", value: { epoch: 7 } });
});

test("unknown record types decode to null; malformed ones throw DecodeError", () => {
  assert.equal(decodeCoordinatorRecord(hex("0009 0001 67"), null), null);
  assert.equal(decodeCoordinatorRecord(hex("0010 0001 67"), null), null);
  assert.throws(() => decodeCoordinatorRecord(hex("0001 0001"), null), DecodeError);
  assert.throws(() => decodeCoordinatorRecord(hex("0002 0001 67 00"), null), DecodeError);
  assert.throws(() => decodeOffsetCommitValue(hex("0009 0000000000000001")), DecodeError);
  assert.throws(() => decodeOffsetCommitValue(hex("0003 0000000000000001 00000000 0000 0000018bcfe56800 ff")), DecodeError);
});

const safeLong = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const shortString = fc.string({ maxLength: 20 });
const bytes = fc.uint8Array({ maxLength: 32 }).map((array) => Buffer.from(array));

test("GroupMetadata values round-trip in every version (fields the version lacks take their defaults)", () => {
  const member = fc.record({
    memberId: shortString,
    groupInstanceId: fc.option(shortString, { nil: null }),
    clientId: shortString,
    clientHost: shortString,
    rebalanceTimeoutMs: fc.integer({ min: 0, max: 0x7fffffff }),
    sessionTimeoutMs: fc.integer({ min: 0, max: 0x7fffffff }),
    subscription: bytes,
    assignment: bytes,
  });
  const value = fc.record({
    protocolType: shortString,
    generation: fc.integer({ min: 0, max: 0x7fffffff }),
    protocol: fc.option(shortString, { nil: null }),
    leader: fc.option(shortString, { nil: null }),
    currentStateTimestampMs: safeLong,
    members: fc.array(member, { maxLength: 4 }),
  });
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 4 }), (original: GroupMetadataValue, version) => {
      const decoded = decodeGroupMetadataValue(encodeGroupMetadataValue(original, version));
      const expected: GroupMetadataValue = {
        ...original,
        currentStateTimestampMs: version >= 2 ? original.currentStateTimestampMs : -1,
        members: original.members.map((m) => ({
          ...m,
          groupInstanceId: version >= 3 ? m.groupInstanceId : null,
          rebalanceTimeoutMs: version >= 1 ? m.rebalanceTimeoutMs : -1,
        })),
      };
      assert.deepEqual(decoded, expected);
    }),
  );
});

test("OffsetCommit values round-trip in every version", () => {
  fc.assert(
    fc.property(safeLong, fc.integer({ min: -1, max: 0x7fffffff }), shortString, safeLong, fc.integer({ min: 0, max: 4 }), (offset, leaderEpoch, metadata, commitTimestampMs, version) => {
      const expireTimestampMs = version === 1 ? commitTimestampMs : null;
      const value = { offset, leaderEpoch, metadata, commitTimestampMs, expireTimestampMs };
      const decoded = decodeOffsetCommitValue(encodeOffsetCommitValue(value, version));
      assert.deepEqual(decoded, { ...value, leaderEpoch: version >= 3 ? leaderEpoch : -1 });
    }),
  );
});
