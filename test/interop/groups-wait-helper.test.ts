// The embedded broker's test helpers: wait until a consumer group is Stable with its assignment
// instead of sleeping a guessed amount (group.initial.rebalance.delay.ms is 0 by default here).

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { createTopicsWithKafkajs, kafkaClient } from "../helpers/kafkajs.js";

test("broker.waitForGroupAssignment resolves once kafkajs consumers share the partitions", async () => {
  await withBroker(async (broker) => {
    await createTopicsWithKafkajs(broker.bootstrap, [{ topic: "waited", numPartitions: 4 }]);
    const consumers = [0, 1].map((index) => kafkaClient(broker.bootstrap, `waiter-${index}`).consumer({ groupId: "waiting-group", heartbeatInterval: 300, maxWaitTimeInMs: 200 }));
    try {
      for (const consumer of consumers) {
        await consumer.connect();
        await consumer.subscribe({ topic: "waited", fromBeginning: true });
        await consumer.run({ eachMessage: async () => undefined });
      }
      const group = await broker.waitForGroupAssignment("waiting-group", { members: 2, partitions: 4, timeoutMs: 20_000 });
      assert.equal(group.state, "Stable");
      assert.equal(group.members.length, 2);
      await Promise.all(consumers.map((consumer) => consumer.disconnect()));
      const empty = await broker.waitForGroupState("waiting-group", "Empty", { timeoutMs: 20_000 });
      assert.equal(empty?.members.length, 0);
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
    }
  });
});
