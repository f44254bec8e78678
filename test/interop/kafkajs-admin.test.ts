// kafkajs 2.2.4 admin client: topic creation, listing, metadata and cluster description.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";

test("kafkajs admin creates, lists and describes topics and the cluster", async () => {
  await withBroker(async (broker) => {
    const admin = kafkaClient(broker.bootstrap).admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [
          { topic: "kjs-a", numPartitions: 4 },
          { topic: "kjs-b", numPartitions: 1, configEntries: [{ name: "retention.ms", value: "60000" }] },
        ],
        waitForLeaders: true,
      });
      assert.equal(created, true);
      // A second attempt reports that nothing new was created (TOPIC_ALREADY_EXISTS per topic).
      assert.equal(await admin.createTopics({ topics: [{ topic: "kjs-a" }] }), false);

      assert.deepEqual((await admin.listTopics()).sort(), ["kjs-a", "kjs-b"]);

      const metadata = await admin.fetchTopicMetadata({ topics: ["kjs-a"] });
      assert.equal(metadata.topics.length, 1);
      const partitions = [...metadata.topics[0].partitions].sort((a, b) => a.partitionId - b.partitionId);
      assert.deepEqual(partitions.map((p) => p.partitionId), [0, 1, 2, 3]);
      for (const partition of partitions) {
        assert.equal(partition.leader, broker.nodeId);
        assert.deepEqual(partition.replicas, [broker.nodeId]);
        assert.deepEqual(partition.isr, [broker.nodeId]);
      }

      const cluster = await admin.describeCluster();
      assert.equal(cluster.clusterId, broker.clusterId);
      assert.equal(cluster.controller, broker.nodeId);
      assert.deepEqual(cluster.brokers, [{ nodeId: broker.nodeId, host: broker.listeners[0].host, port: broker.listeners[0].port }]);
    } finally {
      await admin.disconnect();
    }
  });
});

test("kafkajs admin gets Kafka's errors for invalid topics", async () => {
  await withBroker(async (broker) => {
    const admin = kafkaClient(broker.bootstrap).admin();
    await admin.connect();
    try {
      await assert.rejects(
        admin.createTopics({ topics: [{ topic: "bad name!", numPartitions: 1 }] }),
        (error: Error & { errors?: { type: string }[] }) => {
          assert.equal(error.errors?.[0]?.type, "INVALID_TOPIC_EXCEPTION");
          return true;
        },
      );
      await assert.rejects(
        admin.createTopics({ topics: [{ topic: "zero-partitions", numPartitions: 0 }] }),
        (error: Error & { errors?: { type: string }[] }) => {
          assert.equal(error.errors?.[0]?.type, "INVALID_PARTITIONS");
          return true;
        },
      );
      await assert.rejects(
        admin.createTopics({ topics: [{ topic: "too-many-replicas", replicationFactor: 3 }] }),
        (error: Error & { errors?: { type: string }[] }) => {
          assert.equal(error.errors?.[0]?.type, "INVALID_REPLICATION_FACTOR");
          return true;
        },
      );
    } finally {
      await admin.disconnect();
    }
  });
});
