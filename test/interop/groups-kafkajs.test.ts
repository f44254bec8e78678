// kafkajs consumer groups (classic protocol: JoinGroup v5, SyncGroup v3, Heartbeat v3,
// OffsetCommit v5, OffsetFetch v4): three consumers share a six-partition topic, one leaves and
// its partitions move to the others within the session timeout, 60,000 messages are consumed
// exactly once across the group with a commit after every message, and a consumer started
// later resumes from the committed offsets.

import { test } from "node:test";
import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { eventually, waitForStableGroup, withGroupBroker } from "../coordinator/interop-support.js";

const { Kafka, logLevel } = kafkajs;

const TOPIC = "orders";
const PARTITIONS = 6;
const MESSAGES = 60_000;
const BATCH = 1000;
const SESSION_TIMEOUT_MS = 6000;

function client(bootstrap: string, clientId: string): InstanceType<typeof Kafka> {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 1000 } });
}

function consumerOf(kafka: InstanceType<typeof Kafka>, groupId: string) {
  // Short fetch waits and heartbeats: kafkajs notices a rebalance between fetches.
  return kafka.consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, rebalanceTimeout: 20_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
}

test("kafkajs: three consumers split six partitions, survive one leaving, and consume 60,000 messages exactly once", { timeout: 300_000 }, async (t) => {
  await withGroupBroker(t, async (broker) => {
    const kafka = client(broker.bootstrap, "groups-test");
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    const consumers = [0, 1, 2].map(() => consumerOf(kafka, "exactly-once"));
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
      for (let start = 0; start < MESSAGES; start += BATCH) {
        await producer.send({ topic: TOPIC, messages: Array.from({ length: BATCH }, (_, index) => ({ key: String(start + index), value: `message-${start + index}` })) });
      }
      const deliveries = new Map<string, number>();
      for (const consumer of consumers) {
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        await consumer.run({
          autoCommitThreshold: 1,
          eachMessage: async ({ message }) => {
            const value = message.value?.toString() ?? "";
            deliveries.set(value, (deliveries.get(value) ?? 0) + 1);
          },
        });
      }
      const members = await waitForStableGroup(admin, "exactly-once", 3, PARTITIONS);
      assert.deepEqual(members.map((member) => member.partitions.length).sort(), [2, 2, 2]);

      await eventually("a third of the messages are consumed", () => deliveries.size >= MESSAGES / 3, 120_000);
      const leftAtMs = performance.now();
      await consumers[2].disconnect();
      const remaining = await waitForStableGroup(admin, "exactly-once", 2, PARTITIONS);
      assert.ok(performance.now() - leftAtMs < SESSION_TIMEOUT_MS, "the partitions moved within the session timeout");
      assert.deepEqual(remaining.map((member) => member.partitions.length).sort(), [3, 3]);

      await eventually("every message is consumed", () => deliveries.size === MESSAGES, 180_000);
      const duplicates = [...deliveries.entries()].filter(([, count]) => count !== 1);
      assert.deepEqual(duplicates.slice(0, 10), [], `${duplicates.length} messages were delivered more than once`);
      await Promise.all(consumers.slice(0, 2).map((consumer) => consumer.disconnect()));

      const committed = await admin.fetchOffsets({ groupId: "exactly-once", topics: [TOPIC] });
      const ends = await admin.fetchTopicOffsets(TOPIC);
      assert.deepEqual(
        committed[0].partitions.map((partition) => [partition.partition, partition.offset]).sort((a, b) => Number(a[0]) - Number(b[0])),
        ends.map((end) => [end.partition, end.high]).sort((a, b) => Number(a[0]) - Number(b[0])),
        "the committed offsets are at the end of every partition",
      );
    } finally {
      await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

test("kafkajs: a consumer started later resumes from the group's committed offsets", { timeout: 120_000 }, async (t) => {
  await withGroupBroker(t, async (broker) => {
    const kafka = client(broker.bootstrap, "resume-test");
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
      await producer.send({ topic: TOPIC, messages: Array.from({ length: 20 }, (_, index) => ({ value: `first-${index}` })) });
      const seen: string[] = [];
      const first = consumerOf(kafka, "resume");
      await first.connect();
      await first.subscribe({ topic: TOPIC, fromBeginning: true });
      await first.run({ autoCommitThreshold: 1, eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? "") });
      await eventually("the first 20 messages are consumed", () => seen.length === 20);
      await first.disconnect();
      const committed = await admin.fetchOffsets({ groupId: "resume", topics: [TOPIC] });
      assert.equal(committed[0].partitions[0].offset, "20");

      await producer.send({ topic: TOPIC, messages: Array.from({ length: 5 }, (_, index) => ({ value: `second-${index}` })) });
      const resumed: { offset: string; value: string }[] = [];
      const second = consumerOf(kafka, "resume");
      await second.connect();
      await second.subscribe({ topic: TOPIC, fromBeginning: true });
      await second.run({ eachMessage: async ({ message }) => void resumed.push({ offset: message.offset, value: message.value?.toString() ?? "" }) });
      await eventually("the 5 new messages are consumed", () => resumed.length >= 5);
      await second.disconnect();
      assert.deepEqual(resumed.map((entry) => entry.value), ["second-0", "second-1", "second-2", "second-3", "second-4"]);
      assert.equal(resumed[0].offset, "20");
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

test("kafkajs admin: list, describe and delete groups, and reset offsets of a stopped group", { timeout: 60_000 }, async (t) => {
  await withGroupBroker(t, async (broker) => {
    const kafka = client(broker.bootstrap, "admin-test");
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
      await admin.setOffsets({ groupId: "reset", topic: TOPIC, partitions: [{ partition: 0, offset: "7" }, { partition: 1, offset: "9" }] });
      const listed = await admin.listGroups();
      assert.deepEqual(listed.groups.map((group) => group.groupId), ["reset"]);
      const offsets = await admin.fetchOffsets({ groupId: "reset", topics: [TOPIC] });
      assert.deepEqual(offsets[0].partitions.map((partition) => partition.offset).sort(), ["7", "9"]);
      const described = await admin.describeGroups(["reset"]);
      assert.equal(described.groups[0].state, "Empty");
      await admin.deleteGroups(["reset"]);
      assert.deepEqual((await admin.listGroups()).groups, []);
    } finally {
      await admin.disconnect();
    }
  });
});
