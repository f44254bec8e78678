// kafka-python 2.0.2 (Debian python3-kafka): KafkaAdminClient creates and lists topics, and
// KafkaConsumer.topics() sees them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runPython } from "../helpers/processes.js";

const SCRIPT = `
import json, sys
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
bootstrap = sys.argv[1]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="py-admin")
created = admin.create_topics([NewTopic("py-a", 3, 1), NewTopic("py-b", 1, 1, topic_configs={"retention.ms": "60000"})])
errors = [[t[0], t[1]] for t in created.topic_errors]
listed = sorted(admin.list_topics())
described = admin.describe_topics(["py-a"])
admin.close()
consumer = KafkaConsumer(bootstrap_servers=bootstrap)
topics = sorted(consumer.topics())
partitions = sorted(consumer.partitions_for_topic("py-a"))
consumer.close()
print(json.dumps({"errors": errors, "listed": listed, "topics": topics, "partitions": partitions,
                  "described": [{"topic": d["topic"], "partitions": len(d["partitions"])} for d in described]}))
`;

test("kafka-python admin creates and lists topics; KafkaConsumer sees them", async () => {
  await withBroker(async (broker) => {
    const result = await runPython(SCRIPT, [broker.bootstrap]);
    assert.equal(result.code, 0, describeFailure(result));
    const output = JSON.parse(result.stdout.trim().split("\n").pop()!) as {
      errors: [string, number][];
      listed: string[];
      topics: string[];
      partitions: number[];
      described: { topic: string; partitions: number }[];
    };
    assert.deepEqual(output.errors, [
      ["py-a", 0],
      ["py-b", 0],
    ]);
    assert.deepEqual(output.listed, ["py-a", "py-b"]);
    assert.deepEqual(output.topics, ["py-a", "py-b"]);
    assert.deepEqual(output.partitions, [0, 1, 2]);
    assert.deepEqual(output.described, [{ topic: "py-a", partitions: 3 }]);
  });
});
