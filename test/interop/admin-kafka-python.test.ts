// kafka-python 2.0.2 (Debian python3-kafka) KafkaAdminClient against the topic and config
// administration APIs: create_partitions (CreatePartitions v1), describe_configs with synonyms
// (DescribeConfigs v2), alter_configs (AlterConfigs v1) for a topic and the broker, and
// delete_topics (DeleteTopics v3). kafka-python raises Kafka's error classes for topic errors and
// returns config errors in the response; both are checked.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runPython } from "../helpers/processes.js";

const SCRIPT = `
import json, sys
from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
from kafka import errors
bootstrap, node_id = sys.argv[1], sys.argv[2]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="py-admin")
out = {}

def raised(call):
    try:
        call()
        return None
    except errors.KafkaError as error:
        return type(error).__name__

admin.create_topics([NewTopic("py-grow", 1, 1), NewTopic("py-gone", 2, 1),
                     NewTopic("py-cfg", 1, 1, topic_configs={"retention.ms": "60000"})])
grown = admin.create_partitions({"py-grow": NewPartitions(4)})
out["create_partitions"] = [list(e[:2]) for e in grown.topic_errors]
out["partitions"] = len(admin.describe_topics(["py-grow"])[0]["partitions"])
out["shrink"] = raised(lambda: admin.create_partitions({"py-grow": NewPartitions(2)}))
out["same"] = raised(lambda: admin.create_partitions({"py-grow": NewPartitions(4)}))
out["unknown_partitions"] = raised(lambda: admin.create_partitions({"py-missing": NewPartitions(4)}))

def topic_configs(name):
    response = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)], include_synonyms=True)[0]
    error_code, error_message, resource_type, resource_name, entries = response.resources[0]
    # kafka-python's v1/v2 schema calls the config source byte "is_default"; synonyms are right.
    return error_code, {e[0]: {"value": e[1], "read_only": e[2], "synonyms": [list(s) for s in e[5]]} for e in entries}

code, configs = topic_configs("py-cfg")
out["describe"] = {"error": code, "retention.ms": configs["retention.ms"], "segment.bytes": configs["segment.bytes"]}
altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "py-cfg", configs={"retention.ms": "120000", "cleanup.policy": "compact"})])
out["alter"] = [list(r[:4]) for r in altered.resources]
code, configs = topic_configs("py-cfg")
out["after_alter"] = {k: configs[k]["value"] for k in ["retention.ms", "cleanup.policy"]}
bad = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "py-cfg", configs={"retention.ms": "soon"})])
out["alter_bad"] = list(bad.resources[0][:2])
unknown = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "py-nope", configs={"retention.ms": "1000"})])
out["alter_unknown"] = list(unknown.resources[0][:2])

broker = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, node_id, configs={"num.partitions": None, "log.dirs": None, "message.max.bytes": None})])[0]
error_code, error_message, resource_type, resource_name, entries = broker.resources[0]
out["broker"] = {"error": error_code, "name": resource_name, "configs": sorted([e[0], e[1], e[2]] for e in entries)}
out["broker_alter"] = list(admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, node_id, configs={"log.retention.ms": "7200000"})]).resources[0][:2])
out["broker_read_only"] = list(admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, node_id, configs={"log.dirs": "/elsewhere"})]).resources[0][:2])
code, configs = topic_configs("py-grow")
out["inherited_retention"] = configs["retention.ms"]

deleted = admin.delete_topics(["py-gone"])
out["delete"] = [list(e[:2]) for e in deleted.topic_error_codes]
out["delete_again"] = raised(lambda: admin.delete_topics(["py-gone"]))
out["topics"] = sorted(admin.list_topics())
admin.close()
print(json.dumps(out))
`;

test("kafka-python admin adds partitions, describes and alters configs, and deletes topics", async () => {
  await withBroker(async (broker) => {
    const result = await runPython(SCRIPT, [broker.bootstrap, String(broker.nodeId)]);
    assert.equal(result.code, 0, describeFailure(result));
    const out = JSON.parse(result.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    assert.deepEqual(out.create_partitions, [["py-grow", 0]]);
    assert.equal(out.partitions, 4);
    assert.equal(out.shrink, "InvalidPartitionsError");
    assert.equal(out.same, "InvalidPartitionsError");
    assert.equal(out.unknown_partitions, "UnknownTopicOrPartitionError");

    assert.deepEqual(out.describe, {
      error: 0,
      "retention.ms": {
        value: "60000",
        read_only: false,
        // The topic's override first, then the broker synonyms in Kafka's order (source ids: 1 topic, 5 default).
        synonyms: [
          ["retention.ms", "60000", 1],
          ["log.retention.hours", "168", 5],
        ],
      },
      "segment.bytes": { value: "1073741824", read_only: false, synonyms: [["log.segment.bytes", "1073741824", 5]] },
    });
    assert.deepEqual(out.alter, [[0, null, 2, "py-cfg"]]);
    assert.deepEqual(out.after_alter, { "retention.ms": "120000", "cleanup.policy": "compact" });
    assert.deepEqual(out.alter_bad, [40, "Invalid value soon for configuration retention.ms: Not a number of type LONG"]);
    assert.deepEqual(out.alter_unknown, [3, "The topic 'py-nope' does not exist."]);

    assert.deepEqual(out.broker, {
      error: 0,
      name: String(broker.nodeId),
      configs: [
        ["log.dirs", null, true],
        ["message.max.bytes", "1048588", false],
        ["num.partitions", "1", true],
      ],
    });
    assert.deepEqual(out.broker_alter, [0, null]);
    assert.deepEqual(out.broker_read_only, [42, "Cannot update these configs dynamically: Set(log.dirs)"]);
    // The dynamic broker value is what a topic without an override now runs with (source 2: dynamic broker).
    assert.deepEqual(out.inherited_retention, {
      value: "7200000",
      read_only: false,
      synonyms: [
        ["log.retention.ms", "7200000", 2],
        ["log.retention.hours", "168", 5],
      ],
    });

    assert.deepEqual(out.delete, [["py-gone", 0]]);
    assert.equal(out.delete_again, "UnknownTopicOrPartitionError");
    assert.deepEqual(out.topics, ["py-cfg", "py-grow"]);
  });
});
