// The KIP-848 consumer group protocol over the wire. No client installed here speaks it (kafkajs,
// librdkafka 2.0.2 and kafka-python 2.0.2 predate it), so this test sends what a Java consumer
// with group.protocol=consumer sends, with our KafkaConnection and the generated codecs:
// FindCoordinator, a first ConsumerGroupHeartbeat (epoch 0, subscribed topics) that returns the
// member id, epoch and assignment, acknowledgements carrying the owned partitions, and a leave
// with epoch -1. A second member joining makes the first revoke half of its partitions before
// the second receives them; ConsumerGroupDescribe shows every step; OffsetCommit v9 and
// OffsetFetch v9 check the member epoch; stale epochs, unknown members and an unsupported
// assignor get Kafka's errors. The `tributary groups` CLI then describes, resets and deletes the
// group through ConsumerGroupDescribe.

import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaConnection, KafkaClient, Producer, createTopics, parseBootstrapServers } from "../../src/client/index.js";
import { ErrorCode, errorName } from "../../src/protocol/error-codes.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";
import type { ConsumerGroupDescribeResponse, DescribedGroup } from "../../src/protocol/generated/consumer-group-describe.js";
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from "../../src/protocol/generated/consumer-group-heartbeat.js";
import type { FindCoordinatorResponse } from "../../src/protocol/generated/find-coordinator.js";
import type { OffsetCommitRequest, OffsetCommitResponse } from "../../src/protocol/generated/offset-commit.js";
import type { OffsetFetchResponse, OffsetFetchResponseGroup } from "../../src/protocol/generated/offset-fetch.js";
import { withBroker } from "../helpers/broker.js";
import { describeResult, runCli } from "../cli/cli-runner.js";

const TOPIC = "kip848";
const PARTITIONS = 4;
const GROUP = "kip848-group";
const RECORDS_PER_PARTITION = 5;
const REBALANCE_TIMEOUT_MS = 30_000;
/** The broker's group.consumer.heartbeat.interval.ms default. */
const HEARTBEAT_INTERVAL_MS = 5_000;
/** Epochs with a meaning of their own in ConsumerGroupHeartbeat. */
const JOIN_EPOCH = 0;
const LEAVE_EPOCH = -1;
const HEARTBEAT_VERSION = 0;
const DESCRIBE_VERSION = 0;
const MEMBER_OFFSET_COMMIT_VERSION = 9;
const MEMBER_OFFSET_FETCH_VERSION = 9;
const COORDINATOR_ATTEMPTS_MAX = 50;

function heartbeatRequest(fields: Partial<ConsumerGroupHeartbeatRequest>): ConsumerGroupHeartbeatRequest {
  // A heartbeat that is not a (re)join leaves the fields it does not change null / -1.
  return {
    groupId: GROUP,
    memberId: "",
    memberEpoch: JOIN_EPOCH,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: null,
    ...fields,
  };
}

/** One consumer as the Java client runs it: its connection, member id, epoch and owned partitions. */
class Member {
  memberId = "";
  memberEpoch = JOIN_EPOCH;
  owned: number[] = [];

  constructor(
    readonly connection: KafkaConnection,
    readonly topicId: string,
  ) {}

  send(fields: Partial<ConsumerGroupHeartbeatRequest>): Promise<ConsumerGroupHeartbeatResponse> {
    return this.connection.send<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, HEARTBEAT_VERSION, heartbeatRequest(fields));
  }

  /** The first heartbeat: epoch 0, the subscription, nothing owned. */
  async join(serverAssignor: string | null = null): Promise<ConsumerGroupHeartbeatResponse> {
    const response = await this.send({
      memberEpoch: JOIN_EPOCH,
      rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
      subscribedTopicNames: [TOPIC],
      serverAssignor,
      topicPartitions: [],
    });
    this.accept(response);
    return response;
  }

  /** A regular heartbeat reporting what the member owns; takes the new epoch and assignment. */
  async heartbeat(owned: readonly number[] = this.owned): Promise<ConsumerGroupHeartbeatResponse> {
    const response = await this.send({ memberId: this.memberId, memberEpoch: this.memberEpoch, topicPartitions: this.topicPartitions(owned) });
    this.accept(response);
    return response;
  }

  async leave(): Promise<ConsumerGroupHeartbeatResponse> {
    return this.send({ memberId: this.memberId, memberEpoch: LEAVE_EPOCH });
  }

  topicPartitions(partitions: readonly number[]): ConsumerGroupHeartbeatRequest["topicPartitions"] {
    return partitions.length === 0 ? [] : [{ topicId: this.topicId, partitions: [...partitions] }];
  }

  private accept(response: ConsumerGroupHeartbeatResponse): void {
    assert.equal(response.errorCode, ErrorCode.NONE, `heartbeat failed: ${errorName(response.errorCode)} ${response.errorMessage ?? ""}`);
    this.memberId = response.memberId ?? this.memberId;
    this.memberEpoch = response.memberEpoch;
    // A member applies a new assignment at once (revoking is instant here: nothing to commit).
    if (response.assignment !== null) this.owned = assignedPartitions(response, this.topicId);
  }
}

function assignedPartitions(response: ConsumerGroupHeartbeatResponse, topicId: string): number[] {
  assert.ok(response.assignment !== null, "the response carries an assignment");
  for (const entry of response.assignment.topicPartitions) assert.equal(entry.topicId, topicId, "only the subscribed topic is assigned");
  return response.assignment.topicPartitions.flatMap((entry) => entry.partitions).sort((a, b) => a - b);
}

function expectError(response: ConsumerGroupHeartbeatResponse, code: number, what: string): void {
  assert.equal(errorName(response.errorCode), errorName(code), `${what}: ${response.errorMessage ?? ""}`);
  assert.equal(response.memberId, null, what);
  assert.equal(response.assignment, null, what);
}

async function describeGroup(connection: KafkaConnection): Promise<DescribedGroup> {
  const response = await connection.send<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, DESCRIBE_VERSION, { groupIds: [GROUP], includeAuthorizedOperations: false });
  assert.equal(response.groups.length, 1);
  const [group] = response.groups;
  assert.equal(group.errorCode, ErrorCode.NONE, group.errorMessage ?? "");
  return group;
}

/** memberId -> { epoch, assigned, target } as ConsumerGroupDescribe reports it. */
function membersOf(group: DescribedGroup): Map<string, { epoch: number; assigned: number[]; target: number[]; clientId: string; clientHost: string }> {
  const partitionsOf = (assignment: DescribedGroup["members"][number]["assignment"]): number[] => {
    for (const entry of assignment.topicPartitions) assert.equal(entry.topicName, TOPIC);
    return assignment.topicPartitions.flatMap((entry) => entry.partitions).sort((a, b) => a - b);
  };
  return new Map(
    group.members.map((member) => [
      member.memberId,
      { epoch: member.memberEpoch, assigned: partitionsOf(member.assignment), target: partitionsOf(member.targetAssignment), clientId: member.clientId, clientHost: member.clientHost },
    ]),
  );
}

function offsetCommit(member: Member, partition: number, offset: number, epoch = member.memberEpoch, memberId = member.memberId): OffsetCommitRequest {
  return {
    groupId: GROUP,
    generationIdOrMemberEpoch: epoch,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: `by ${memberId}` }] }],
  };
}

async function commitCode(connection: KafkaConnection, version: number, request: OffsetCommitRequest): Promise<string> {
  const response = await connection.send<OffsetCommitResponse>(ApiKey.OffsetCommit, version, request);
  return errorName(response.topics[0].partitions[0].errorCode);
}

async function fetchAsMember(connection: KafkaConnection, memberId: string | null, memberEpoch: number, partition: number): Promise<OffsetFetchResponseGroup> {
  const response = await connection.send<OffsetFetchResponse>(ApiKey.OffsetFetch, MEMBER_OFFSET_FETCH_VERSION, {
    groupId: "",
    topics: null,
    groups: [{ groupId: GROUP, memberId, memberEpoch, topics: [{ name: TOPIC, partitionIndexes: [partition] }] }],
    requireStable: true,
  });
  assert.equal(response.groups.length, 1);
  return response.groups[0];
}

/** FindCoordinator v4 (a list of keys), retried while the coordinator is starting. */
async function findCoordinator(connection: KafkaConnection): Promise<{ host: string; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const found = await connection.send<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, { key: "", keyType: 0, coordinatorKeys: [GROUP] });
    assert.equal(found.coordinators.length, 1);
    const [entry] = found.coordinators;
    assert.equal(entry.key, GROUP);
    if (entry.errorCode === ErrorCode.NONE) return entry;
    assert.ok(entry.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE && attempt < COORDINATOR_ATTEMPTS_MAX, `FindCoordinator: ${errorName(entry.errorCode)}`);
  }
}

function lines(output: Buffer): string[][] {
  return output
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(/ +/));
}

test("KIP-848 over the wire: join, revoke before reassigning, acknowledge, describe, commit with the member epoch, errors, leave", { timeout: 60_000 }, async () => {
  await withBroker(async (broker) => {
    const [address] = parseBootstrapServers(broker.bootstrap);
    const client = await KafkaClient.connect({ bootstrapServers: [address] });
    const connections: KafkaConnection[] = [];
    try {
      const [created] = await createTopics(client, [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, configs: new Map() }]);
      assert.equal(created.error, null);
      const producer = new Producer(client, { lingerMs: 0 });
      for (let partition = 0; partition < PARTITIONS; partition++) {
        for (let index = 0; index < RECORDS_PER_PARTITION; index++) await producer.send({ topic: TOPIC, partition, value: Buffer.from(`${partition}-${index}`) });
      }
      await producer.close();
      const topicId = (await client.metadata([TOPIC])).topics.get(TOPIC)?.topicId;
      assert.ok(topicId !== undefined);

      // The broker advertises the KIP-848 APIs; the consumer asks for the group's coordinator.
      const bootstrapConnection = await KafkaConnection.connect(address.host, address.port, { clientId: "kip848-bootstrap" });
      connections.push(bootstrapConnection);
      const versions = await bootstrapConnection.send<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: "kip848-test", clientSoftwareVersion: "1" });
      for (const apiKey of [ApiKey.ConsumerGroupHeartbeat, ApiKey.ConsumerGroupDescribe]) {
        const range = versions.apiKeys.find((entry) => entry.apiKey === apiKey);
        assert.ok(range !== undefined && range.minVersion === 0, `ApiVersions lists api ${apiKey} from v0`);
      }
      const coordinator = await findCoordinator(bootstrapConnection);
      assert.equal(coordinator.port, address.port);
      const open = async (clientId: string): Promise<KafkaConnection> => {
        const connection = await KafkaConnection.connect(coordinator.host, coordinator.port, { clientId });
        connections.push(connection);
        return connection;
      };
      const a = new Member(await open("member-a"), topicId);
      const b = new Member(await open("member-b"), topicId);

      // Member A joins alone: a broker-chosen member id, epoch 1, every partition.
      const joinedA = await a.join();
      assert.ok(a.memberId.length > 0, "the broker gives the member its id");
      assert.equal(a.memberEpoch, 1);
      assert.equal(joinedA.heartbeatIntervalMs, HEARTBEAT_INTERVAL_MS);
      assert.deepEqual(a.owned, [0, 1, 2, 3]);
      const ackA = await a.heartbeat();
      assert.equal(ackA.memberEpoch, 1);
      assert.equal(ackA.assignment, null, "an unchanged assignment is not sent again");

      // Member B joins: the group epoch moves to 2; B's partitions are still A's, so B waits with none.
      const joinedB = await b.join();
      assert.ok(b.memberId.length > 0 && b.memberId !== a.memberId);
      assert.equal(b.memberEpoch, 2);
      assert.deepEqual(assignedPartitions(joinedB, topicId), []);

      // A's next heartbeat asks it to revoke: its assignment shrinks, its epoch stays until it acknowledges.
      const revoke = await a.heartbeat([0, 1, 2, 3]);
      assert.equal(revoke.memberEpoch, 1);
      const keptByA = assignedPartitions(revoke, topicId);
      assert.equal(keptByA.length, 2);
      const reconciling = await describeGroup(a.connection);
      assert.equal(reconciling.groupState, "Reconciling");
      assert.equal(reconciling.groupEpoch, 2);
      assert.equal(reconciling.assignmentEpoch, 2);
      const during = membersOf(reconciling);
      assert.deepEqual(during.get(a.memberId), { epoch: 1, assigned: keptByA, target: keptByA, clientId: "member-a", clientHost: "/127.0.0.1" });
      const targetOfB = during.get(b.memberId)?.target ?? [];
      assert.deepEqual(during.get(b.memberId)?.assigned, []);
      assert.deepEqual([...keptByA, ...targetOfB].sort(), [0, 1, 2, 3], "the targets split the partitions");

      // B asks again before A has let go: still nothing (and nothing new to send).
      const stillWaiting = await b.heartbeat();
      assert.equal(stillWaiting.memberEpoch, 2);
      assert.equal(stillWaiting.assignment, null);
      assert.deepEqual(b.owned, []);

      // A acknowledges the revocation by reporting only what it kept: it moves to epoch 2.
      const acknowledged = await a.heartbeat(keptByA);
      assert.equal(acknowledged.memberEpoch, 2);
      assert.deepEqual(a.owned, keptByA);
      // Now B receives the released partitions.
      const released = await b.heartbeat();
      assert.equal(released.memberEpoch, 2);
      assert.deepEqual(assignedPartitions(released, topicId), targetOfB);
      assert.equal((await b.heartbeat()).assignment, null);

      const stable = await describeGroup(a.connection);
      assert.equal(stable.groupState, "Stable");
      assert.equal(stable.groupEpoch, 2);
      assert.equal(stable.assignmentEpoch, 2);
      assert.equal(stable.assignorName, "uniform");
      const settled = membersOf(stable);
      assert.deepEqual(settled.get(a.memberId), { epoch: 2, assigned: keptByA, target: keptByA, clientId: "member-a", clientHost: "/127.0.0.1" });
      assert.deepEqual(settled.get(b.memberId), { epoch: 2, assigned: targetOfB, target: targetOfB, clientId: "member-b", clientHost: "/127.0.0.1" });
      assert.deepEqual(stable.members.find((member) => member.memberId === a.memberId)?.subscribedTopicNames, [TOPIC]);

      // Offsets: a member commits with OffsetCommit v9 and its member epoch as the generation.
      const partitionOfA = keptByA[0];
      assert.equal(await commitCode(a.connection, MEMBER_OFFSET_COMMIT_VERSION, offsetCommit(a, partitionOfA, 3)), "NONE");
      assert.equal(await commitCode(a.connection, MEMBER_OFFSET_COMMIT_VERSION, offsetCommit(a, partitionOfA, 4, 1)), "STALE_MEMBER_EPOCH");
      assert.equal(await commitCode(a.connection, MEMBER_OFFSET_COMMIT_VERSION, offsetCommit(a, partitionOfA, 4, 2, "not-a-member")), "UNKNOWN_MEMBER_ID");
      assert.equal(await commitCode(a.connection, MEMBER_OFFSET_COMMIT_VERSION - 1, offsetCommit(a, partitionOfA, 4)), "UNSUPPORTED_VERSION", "members of consumer groups need v9");
      assert.equal(await commitCode(a.connection, MEMBER_OFFSET_COMMIT_VERSION, offsetCommit(a, partitionOfA, 4, -1, "")), "UNKNOWN_MEMBER_ID", "an admin commit needs an empty group");
      const fetched = await fetchAsMember(a.connection, a.memberId, a.memberEpoch, partitionOfA);
      assert.equal(fetched.errorCode, ErrorCode.NONE);
      assert.equal(fetched.topics[0].partitions[0].committedOffset, 3);
      assert.equal(fetched.topics[0].partitions[0].metadata, `by ${a.memberId}`);
      assert.equal(errorName((await fetchAsMember(a.connection, a.memberId, 1, partitionOfA)).errorCode), "STALE_MEMBER_EPOCH");
      assert.equal(errorName((await fetchAsMember(a.connection, "not-a-member", 2, partitionOfA)).errorCode), "UNKNOWN_MEMBER_ID");
      assert.equal((await fetchAsMember(b.connection, null, -1, partitionOfA)).topics[0].partitions[0].committedOffset, 3, "an admin fetch needs no member");

      // Epoch errors: ahead of the coordinator, or behind it by more than a lost response explains.
      expectError(await a.send({ memberId: a.memberId, memberEpoch: 7, topicPartitions: a.topicPartitions(a.owned) }), ErrorCode.FENCED_MEMBER_EPOCH, "an epoch from the future");
      const retried = await a.send({ memberId: a.memberId, memberEpoch: 1, topicPartitions: a.topicPartitions(keptByA) });
      assert.equal(retried.errorCode, ErrorCode.NONE, "the previous epoch with a subset of the assignment is a retry after a lost response");
      assert.equal(retried.memberEpoch, 2);
      expectError(await a.send({ memberId: a.memberId, memberEpoch: 1, topicPartitions: a.topicPartitions([0, 1, 2, 3]) }), ErrorCode.FENCED_MEMBER_EPOCH, "the previous epoch owning more");
      expectError(await a.send({ memberId: "not-a-member", memberEpoch: 2, topicPartitions: [] }), ErrorCode.UNKNOWN_MEMBER_ID, "an unknown member id");
      const sticky = await b.send({ memberEpoch: JOIN_EPOCH, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS, subscribedTopicNames: [TOPIC], serverAssignor: "sticky", topicPartitions: [] });
      expectError(sticky, ErrorCode.UNSUPPORTED_ASSIGNOR, "an assignor the broker does not have");
      assert.match(sticky.errorMessage ?? "", /sticky/);
      const noTimeout = await b.send({ memberEpoch: JOIN_EPOCH, subscribedTopicNames: [TOPIC], topicPartitions: [] });
      expectError(noTimeout, ErrorCode.INVALID_REQUEST, "a join without a rebalance timeout");
      // None of that changed the group.
      assert.equal((await describeGroup(a.connection)).groupEpoch, 2);

      // The CLI sees the group through ConsumerGroupDescribe.
      const cli = ["--bootstrap-server", broker.bootstrap];
      const listed = await runCli(["groups", "list", "--type", "--state", ...cli]);
      assert.equal(listed.code, 0, describeResult(listed));
      assert.deepEqual(lines(listed.stdout), [["GROUP", "TYPE", "STATE"], [GROUP, "consumer", "Stable"]]);
      const members = await runCli(["groups", "describe", "--group", GROUP, "--members", "--verbose", ...cli]);
      assert.equal(members.code, 0, describeResult(members));
      const assignment = (partitions: readonly number[]): string => `${TOPIC}:${partitions.join(",")}`;
      assert.deepEqual(
        lines(members.stdout).slice(1).sort(),
        [
          [GROUP, a.memberId, "/127.0.0.1", "member-a", "2", "2", assignment(keptByA), "2", assignment(keptByA)],
          [GROUP, b.memberId, "/127.0.0.1", "member-b", "2", "2", assignment(targetOfB), "2", assignment(targetOfB)],
        ].sort(),
      );
      const offsets = await runCli(["groups", "describe", "--group", GROUP, ...cli]);
      assert.equal(offsets.code, 0, describeResult(offsets));
      const rows = lines(offsets.stdout).slice(1);
      assert.equal(rows.length, PARTITIONS);
      for (const row of rows) {
        const partition = Number(row[2]);
        const owner = keptByA.includes(partition) ? a : b;
        const committed = partition === partitionOfA ? ["3", "5", "2"] : ["-", "5", "-"];
        assert.deepEqual(row, [GROUP, TOPIC, String(partition), ...committed, owner.memberId, "/127.0.0.1", owner === a ? "member-a" : "member-b"]);
      }
      const state = await runCli(["groups", "describe", "--group", GROUP, "--state", "--verbose", ...cli]);
      assert.equal(state.code, 0, describeResult(state));
      const stateRow = lines(state.stdout)[1];
      assert.deepEqual([stateRow[0], ...stateRow.slice(3)], [GROUP, "uniform", "Stable", "2", "2", "2"]);
      const activeReset = await runCli(["groups", "reset-offsets", "--group", GROUP, "--all-topics", "--to-earliest", "--execute", ...cli]);
      assert.equal(activeReset.code, 1, describeResult(activeReset));
      assert.match(activeReset.stderr, /Assignments can only be reset if the group 'kip848-group' is inactive, but the current state is Stable\./);

      // A leaves with epoch -1; its partitions go to B at the next heartbeat, in a new epoch.
      const left = await a.leave();
      assert.equal(left.errorCode, ErrorCode.NONE);
      assert.equal(left.memberEpoch, LEAVE_EPOCH);
      expectError(await a.send({ memberId: a.memberId, memberEpoch: 2, topicPartitions: a.topicPartitions(keptByA) }), ErrorCode.UNKNOWN_MEMBER_ID, "a member that left");
      const takeOver = await b.heartbeat();
      assert.equal(takeOver.memberEpoch, 3);
      assert.deepEqual(b.owned, [0, 1, 2, 3]);
      const alone = await describeGroup(b.connection);
      assert.equal(alone.groupState, "Stable");
      assert.equal(alone.groupEpoch, 3);
      assert.deepEqual([...membersOf(alone).keys()], [b.memberId]);

      // Once B leaves too the group is Empty: the CLI may reset its offsets, then delete it.
      assert.equal((await b.leave()).errorCode, ErrorCode.NONE);
      assert.equal((await describeGroup(b.connection)).groupState, "Empty");
      const reset = await runCli(["groups", "reset-offsets", "--group", GROUP, "--topic", TOPIC, "--to-offset", "1", "--execute", ...cli]);
      assert.equal(reset.code, 0, describeResult(reset));
      assert.deepEqual(lines(reset.stdout).slice(1), [0, 1, 2, 3].map((partition) => [GROUP, TOPIC, String(partition), "1"]));
      const afterReset = await fetchAsMember(b.connection, null, -1, partitionOfA);
      assert.equal(afterReset.topics[0].partitions[0].committedOffset, 1);
      const deleted = await runCli(["groups", "delete", "--group", GROUP, ...cli]);
      assert.equal(deleted.code, 0, describeResult(deleted));
      const gone = await b.connection.send<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, DESCRIBE_VERSION, { groupIds: [GROUP], includeAuthorizedOperations: false });
      assert.equal(errorName(gone.groups[0].errorCode), "GROUP_ID_NOT_FOUND");
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
      await client.close();
    }
  });
});
