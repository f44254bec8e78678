// kafka-python 2.0.2 KafkaConsumer with group_id (JoinGroup v2, SyncGroup v1, Heartbeat v1,
// OffsetCommit v2, OffsetFetch v1, FindCoordinator v0): consumes, commits, and a new consumer
// process of the same group resumes after the committed offset.

import { test } from "node:test";
import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { describeFailure, runPython } from "../helpers/processes.js";
import { withGroupBroker } from "../coordinator/interop-support.js";

const { Kafka, logLevel } = kafkajs;

const CONSUME = `
import sys
from kafka import KafkaConsumer
consumer = KafkaConsumer(
    'ledger', bootstrap_servers=sys.argv[1], group_id='python-group', client_id='python-consumer',
    auto_offset_reset='earliest', enable_auto_commit=False, consumer_timeout_ms=5000,
    session_timeout_ms=10000, heartbeat_interval_ms=500)
limit = int(sys.argv[2])
values = []
for message in consumer:
    values.append(message.value.decode())
    if len(values) >= limit:
        break
consumer.commit()
print(','.join(values))
consumer.close()
`;

test("kafka-python: consume and commit, then a restarted consumer resumes from the committed offset", { timeout: 120_000 }, async (t) => {
  await withGroupBroker(t, async (broker) => {
    const kafka = new Kafka({ clientId: "python-groups", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: "ledger", numPartitions: 1 }], waitForLeaders: true });
      await producer.send({ topic: "ledger", messages: Array.from({ length: 30 }, (_, index) => ({ value: `entry-${index}` })) });
      const first = await runPython(CONSUME, [broker.bootstrap, "12"], { timeoutMs: 60_000 });
      assert.equal(first.code, 0, describeFailure(first));
      assert.deepEqual(first.stdout.trim().split(","), Array.from({ length: 12 }, (_, index) => `entry-${index}`));
      const committed = await admin.fetchOffsets({ groupId: "python-group", topics: ["ledger"] });
      assert.equal(committed[0].partitions[0].offset, "12");

      const second = await runPython(CONSUME, [broker.bootstrap, "1000"], { timeoutMs: 60_000 });
      assert.equal(second.code, 0, describeFailure(second));
      assert.deepEqual(second.stdout.trim().split(","), Array.from({ length: 18 }, (_, index) => `entry-${index + 12}`));
      const described = await admin.describeGroups(["python-group"]);
      assert.equal(described.groups[0].state, "Empty");
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
