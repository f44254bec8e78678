// Support for the consumer group interop tests (test/interop/groups-*.test.ts): start a broker,
// tell whether it serves the group APIs yet, and wait for a group to settle as a Kafka client
// sees it (DescribeGroups), so the tests need nothing from the broker's internals.

import { setTimeout as delay } from "node:timers/promises";
import type { TestContext } from "node:test";
import kafkajs from "kafkajs";
import { startBroker, type BrokerHandle, type BrokerOptions } from "../../src/index.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";

const { AssignerProtocol } = kafkajs;
type Admin = ReturnType<InstanceType<typeof kafkajs.Kafka>["admin"]>;

const GROUP_APIS = [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch];
const POLL_INTERVAL_MS = 50;

/** Whether the broker advertises the classic group APIs (they are registered by the broker assembly). */
export async function servesGroupApis(broker: BrokerHandle): Promise<boolean> {
  const listener = broker.listeners[0];
  const connection = await KafkaConnection.connect(listener.host === "" ? "127.0.0.1" : listener.host, listener.port);
  try {
    const versions = await connection.send<ApiVersionsResponse>(ApiKey.ApiVersions, 0, {});
    const keys = new Set(versions.apiKeys.map((entry) => entry.apiKey));
    return GROUP_APIS.every((apiKey) => keys.has(apiKey));
  } finally {
    await connection.close();
  }
}

/** Runs the test body against a fresh in-memory broker that must advertise the group APIs. */
export async function withGroupBroker(_t: TestContext, run: (broker: BrokerHandle) => Promise<void>, options: BrokerOptions = {}): Promise<void> {
  const broker = await startBroker({ port: 0, storage: "memory", ...options });
  try {
    if (!(await servesGroupApis(broker))) throw new Error("the broker does not advertise the consumer group APIs");
    await run(broker);
  } finally {
    await broker.close();
  }
}

export interface ObservedMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly partitions: readonly string[];
}

/** The group as DescribeGroups shows it, with each member's assignment decoded. */
export async function describeGroup(admin: Admin, groupId: string): Promise<{ state: string; members: ObservedMember[] }> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  return {
    state: group.state,
    members: group.members.map((member) => {
      const decoded = member.memberAssignment.length === 0 ? null : AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      const partitions = Object.entries(decoded?.assignment ?? {}).flatMap(([topic, list]) => (list as number[]).map((partition) => `${topic}-${partition}`));
      return { memberId: member.memberId, clientId: member.clientId, partitions: partitions.sort() };
    }),
  };
}

/** Waits until the group is Stable with this many members sharing exactly these many partitions. */
export async function waitForStableGroup(admin: Admin, groupId: string, members: number, partitions: number, timeoutMs = 30_000): Promise<ObservedMember[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const group = await describeGroup(admin, groupId);
    const assigned = group.members.flatMap((member) => member.partitions);
    if (group.state === "Stable" && group.members.length === members && assigned.length === partitions && new Set(assigned).size === partitions) return group.members;
    if (performance.now() >= deadline) throw new Error(`group ${groupId} did not settle with ${members} members and ${partitions} partitions: ${JSON.stringify(group)}`);
    await delay(POLL_INTERVAL_MS);
  }
}

/** Polls until the condition holds, or fails with the description. */
export async function eventually(description: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() >= deadline) throw new Error(`timed out waiting until ${description}`);
    await delay(POLL_INTERVAL_MS);
  }
}
