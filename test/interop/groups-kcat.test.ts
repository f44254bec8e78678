// kcat -G (librdkafka 2.0.2's balanced consumer: FindCoordinator v2, JoinGroup v5, SyncGroup v3,
// Heartbeat v3, OffsetCommit v7, OffsetFetch v7) with two members, eager (range) and incremental
// (cooperative-sticky): the members split the partitions, consume every message once, and when
// one stops the other takes over its partitions from the committed offsets.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import kafkajs from "kafkajs";
import { eventually, waitForStableGroup, withGroupBroker } from "../coordinator/interop-support.js";

const { Kafka, logLevel } = kafkajs;

const TOPIC = "events";
const PARTITIONS = 4;

interface KcatMember {
  readonly child: ChildProcess;
  readonly values: string[];
  stderr(): string;
  stop(): Promise<void>;
}

function startMember(bootstrap: string, groupId: string, assignor: string): KcatMember {
  const child = spawn(
    "kcat",
    [
      "-b", bootstrap, "-u", "-G", groupId, "-f", "%s\\n",
      // Not "-o beginning": kcat would then start every assigned partition at the beginning,
      // ignoring the committed offsets.
      "-X", "auto.offset.reset=earliest",
      "-X", `partition.assignment.strategy=${assignor}`,
      "-X", "session.timeout.ms=6000",
      "-X", "heartbeat.interval.ms=300",
      "-X", "auto.commit.interval.ms=100",
      TOPIC,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const values: string[] = [];
  let partial = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    values.push(...lines.filter((line) => line.length > 0));
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    child,
    values,
    stderr: () => stderr,
    async stop() {
      // SIGTERM makes kcat close its consumer: final commit, then LeaveGroup.
      child.kill("SIGTERM");
      await closed;
    },
  };
}

for (const assignor of ["range", "cooperative-sticky"]) {
  test(`kcat -G with the ${assignor} assignor: two members share, hand over and consume each message once`, { timeout: 120_000 }, async (t) => {
    await withGroupBroker(t, async (broker) => {
      const kafka = new Kafka({ clientId: "kcat-groups", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      const producer = kafka.producer();
      await admin.connect();
      await producer.connect();
      const groupId = `kcat-${assignor}`;
      const members: KcatMember[] = [];
      try {
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
        await producer.send({ topic: TOPIC, messages: Array.from({ length: 400 }, (_, index) => ({ key: String(index), value: `before-${index}` })) });
        members.push(startMember(broker.bootstrap, groupId, assignor), startMember(broker.bootstrap, groupId, assignor));
        const split = await waitForStableGroup(admin, groupId, 2, PARTITIONS);
        assert.deepEqual(split.map((member) => member.partitions.length), [2, 2]);
        const all = () => [...members[0].values, ...members[1].values];
        await eventually("the first 400 messages are consumed", () => new Set(all()).size === 400);

        await members[1].stop();
        await waitForStableGroup(admin, groupId, 1, PARTITIONS);
        await producer.send({ topic: TOPIC, messages: Array.from({ length: 100 }, (_, index) => ({ key: String(index), value: `after-${index}` })) });
        await eventually("the survivor consumes the 100 new messages", () => members[0].values.filter((value) => value.startsWith("after-")).length === 100);
        await members[0].stop();

        const counts = new Map<string, number>();
        for (const value of all()) counts.set(value, (counts.get(value) ?? 0) + 1);
        assert.equal(counts.size, 500, members[0].stderr() + members[1].stderr());
        assert.deepEqual([...counts.entries()].filter(([, count]) => count > 1), [], "no message was consumed twice");
        const committed = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
        const total = committed[0].partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
        assert.equal(total, 500, "the committed offsets cover every message");
      } finally {
        await Promise.all(members.map((member) => (member.child.exitCode === null ? member.stop() : Promise.resolve())));
        await producer.disconnect();
        await admin.disconnect();
      }
    });
  });
}
