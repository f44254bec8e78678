// kcat (librdkafka 2.0.2) reads broker and topic metadata, and auto-creates a topic it asks for.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runKcat } from "../helpers/processes.js";
import { createTopicsWithKafkajs } from "../helpers/kafkajs.js";

test("kcat -L lists the broker and the topics created", async () => {
  await withBroker(async (broker) => {
    await createTopicsWithKafkajs(broker.bootstrap, [{ topic: "orders", numPartitions: 3 }, { topic: "payments" }]);
    const result = await runKcat(["-b", broker.bootstrap, "-L", "-J"]);
    assert.equal(result.code, 0, describeFailure(result));
    const metadata = JSON.parse(result.stdout) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    assert.deepEqual(metadata.brokers.map((b) => b.id), [broker.nodeId]);
    assert.equal(metadata.brokers[0].name, broker.bootstrap);
    const topics = new Map(metadata.topics.map((t) => [t.topic, t]));
    assert.equal(topics.get("orders")?.partitions.length, 3);
    assert.equal(topics.get("payments")?.partitions.length, 1);
    for (const partition of topics.get("orders")!.partitions) assert.equal(partition.leader, broker.nodeId);
  });
});

test("kcat -L -t auto-creates a missing topic with num.partitions", async () => {
  await withBroker(
    async (broker) => {
      const result = await runKcat(["-b", broker.bootstrap, "-L", "-J", "-t", "auto-created"]);
      assert.equal(result.code, 0, describeFailure(result));
      const metadata = JSON.parse(result.stdout) as { topics: { topic: string; partitions: unknown[]; error?: string }[] };
      assert.equal(metadata.topics.length, 1);
      assert.equal(metadata.topics[0].topic, "auto-created");
      assert.equal(metadata.topics[0].partitions.length, 2);
    },
    { config: { "num.partitions": "2" } },
  );
});

test("a missing topic is not created when auto.create.topics.enable=false", async () => {
  await withBroker(
    async (broker) => {
      const result = await runKcat(["-b", broker.bootstrap, "-L", "-J", "-t", "not-created"]);
      assert.equal(result.code, 0, describeFailure(result));
      const metadata = JSON.parse(result.stdout) as { topics: { topic: string; partitions: unknown[]; error?: string }[] };
      assert.equal(metadata.topics[0].partitions.length, 0);
      assert.match(metadata.topics[0].error ?? "", /Unknown topic or partition/i);
    },
    { config: { "auto.create.topics.enable": "false" } },
  );
});
