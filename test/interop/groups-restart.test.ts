// Offsets and groups survive a broker restart: graceful (a consumer keeps going across it, with
// no message read twice) and kill -9 of a `tributary start` process (what was acknowledged is
// there after the restart). Both keep their data on disk and reuse the same port, so clients
// reconnect to the same address.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { startBroker, type BrokerHandle } from "../../src/index.js";
import { eventually, servesGroupApis, waitForStableGroup } from "../coordinator/interop-support.js";
import { BrokerChild } from "../fault/broker-child.js";

const { Kafka, logLevel } = kafkajs;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function client(bootstrap: string) {
  return new Kafka({ clientId: "restart-test", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
}

test("a consumer group and its offsets survive a graceful broker restart; the consumer carries on", { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-groups-"));
  const port = await freePort();
  const start = (): Promise<BrokerHandle> => startBroker({ port, storage: "disk", dataDir });
  let broker = await start();
  try {
    assert.ok(await servesGroupApis(broker), "the broker must advertise the consumer group APIs");
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic: "journal", numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic: "journal", messages: Array.from({ length: 100 }, (_, index) => ({ key: String(index), value: `a-${index}` })) });
    const deliveries = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: "durable", sessionTimeout: 30_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "journal", fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async ({ message }) => void deliveries.set(message.value?.toString() ?? "", (deliveries.get(message.value?.toString() ?? "") ?? 0) + 1) });
    await eventually("the first 100 messages are consumed", () => deliveries.size === 100);
    const before = await waitForStableGroup(admin, "durable", 1, 2);

    await admin.disconnect();
    await producer.disconnect();
    await broker.close();
    broker = await start();

    const admin2 = client(broker.bootstrap).admin();
    const producer2 = client(broker.bootstrap).producer();
    await admin2.connect();
    await producer2.connect();
    const after = await waitForStableGroup(admin2, "durable", 1, 2);
    assert.equal(after[0].memberId, before[0].memberId, "the member is still in the group after the restart");
    await producer2.send({ topic: "journal", messages: Array.from({ length: 50 }, (_, index) => ({ key: String(index), value: `b-${index}` })) });
    await eventually("the consumer reads the new messages", () => deliveries.size === 150);
    await consumer.disconnect();
    assert.deepEqual([...deliveries.entries()].filter(([, count]) => count > 1), [], "nothing was read twice");
    const committed = await admin2.fetchOffsets({ groupId: "durable", topics: ["journal"] });
    assert.equal(committed[0].partitions.reduce((sum, partition) => sum + Number(partition.offset), 0), 150);
    await producer2.disconnect();
    await admin2.disconnect();
  } finally {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("committed offsets and group metadata survive kill -9 of the broker process", { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-groups-kill-"));
  const broker = new BrokerChild({ dataDir });
  await broker.start();
  try {
    const handle = { listeners: [{ host: "127.0.0.1", port: broker.port }] } as unknown as BrokerHandle;
    assert.ok(await servesGroupApis(handle), "the broker must advertise the consumer group APIs");
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic: "audit", numPartitions: 3 }], waitForLeaders: true });
    await producer.send({ topic: "audit", messages: Array.from({ length: 60 }, (_, index) => ({ key: String(index), value: `v-${index}` })) });
    let consumed = 0;
    const consumer = kafka.consumer({ groupId: "survivor", sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "audit", fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void consumed++ });
    await eventually("60 messages are consumed", () => consumed === 60);
    await consumer.disconnect();
    await admin.setOffsets({ groupId: "manual", topic: "audit", partitions: [{ partition: 1, offset: "5" }] });
    const expected = await admin.fetchOffsets({ groupId: "survivor", topics: ["audit"] });
    await producer.disconnect();
    await admin.disconnect();

    await broker.kill();
    await broker.start();
    const admin2 = client(broker.bootstrap).admin();
    await admin2.connect();
    try {
      assert.deepEqual(await admin2.fetchOffsets({ groupId: "survivor", topics: ["audit"] }), expected);
      const manual = await admin2.fetchOffsets({ groupId: "manual", topics: ["audit"] });
      assert.equal(manual[0].partitions.find((partition) => partition.partition === 1)?.offset, "5");
      const listed = await admin2.listGroups();
      assert.deepEqual(listed.groups.map((group) => group.groupId).sort(), ["manual", "survivor"]);
      const described = await admin2.describeGroups(["survivor"]);
      assert.equal(described.groups[0].state, "Empty");
      assert.equal(described.groups[0].protocolType, "consumer");
    } finally {
      await admin2.disconnect();
    }
  } finally {
    await broker.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
