// librdkafka's admin API through python3-confluent-kafka (Debian: confluent-kafka 1.7.0 on
// librdkafka 2.0.2): create_partitions (CreatePartitions v0), describe_configs with synonyms
// (DescribeConfigs v1), alter_configs (AlterConfigs v0) and delete_topics (DeleteTopics v1).
// incremental_alter_configs, delete_records and describe_cluster arrived in later
// confluent-kafka releases; each is exercised when the installed client has it and skipped, with
// the reason, when it does not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runPython } from "../helpers/processes.js";

const PRELUDE = `
import json, sys
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
bootstrap, node_id = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})

def wait(futures):
    return {key: future.result(timeout=30) for key, future in futures.items()}

def error_of(futures):
    try:
        wait(futures)
        return None
    except KafkaException as exception:
        error = exception.args[0]
        return [error.name(), error.str()]
`;

const CORE_SCRIPT = `${PRELUDE}
out = {}
wait(admin.create_topics([NewTopic("ck-grow", num_partitions=1, replication_factor=1),
                          NewTopic("ck-gone", num_partitions=1, replication_factor=1),
                          NewTopic("ck-cfg", num_partitions=1, replication_factor=1, config={"retention.ms": "60000"})]))
wait(admin.create_partitions([NewPartitions("ck-grow", 3)]))
out["partitions"] = len(admin.list_topics(topic="ck-grow", timeout=10).topics["ck-grow"].partitions)
out["shrink"] = error_of(admin.create_partitions([NewPartitions("ck-grow", 2)]))

def configs(resource):
    described = wait(admin.describe_configs([resource]))
    entries = list(described.values())[0]
    return {name: {"value": entry.value, "source": int(entry.source), "read_only": entry.is_read_only,
                   "synonyms": [[s.name, s.value, int(s.source)] for s in entry.synonyms.values()]}
            for name, entry in entries.items()}

topic = configs(ConfigResource("topic", "ck-cfg"))
out["describe"] = {k: topic[k] for k in ["retention.ms", "cleanup.policy"]}
wait(admin.alter_configs([ConfigResource("topic", "ck-cfg", set_config={"cleanup.policy": "compact", "retention.ms": "90000"})]))
topic = configs(ConfigResource("topic", "ck-cfg"))
out["after_alter"] = {k: [topic[k]["value"], topic[k]["source"]] for k in ["retention.ms", "cleanup.policy"]}
out["alter_bad"] = error_of(admin.alter_configs([ConfigResource("topic", "ck-cfg", set_config={"cleanup.policy": "shred"})]))
out["alter_unknown_topic"] = error_of(admin.alter_configs([ConfigResource("topic", "ck-none", set_config={"retention.ms": "1"})]))

broker = configs(ConfigResource("broker", node_id))
out["broker"] = {k: [broker[k]["value"], broker[k]["read_only"]] for k in ["log.dirs", "message.max.bytes"]}
wait(admin.alter_configs([ConfigResource("broker", node_id, set_config={"message.max.bytes": "2000000"})]))
broker = configs(ConfigResource("broker", node_id))
out["broker_after"] = [broker["message.max.bytes"]["value"], broker["message.max.bytes"]["source"]]
out["broker_read_only"] = error_of(admin.alter_configs([ConfigResource("broker", node_id, set_config={"log.dirs": "/elsewhere"})]))

wait(admin.delete_topics(["ck-gone"]))
out["topics"] = sorted(t for t in admin.list_topics(timeout=10).topics)
out["delete_again"] = error_of(admin.delete_topics(["ck-gone"]))
print(json.dumps(out))
`;

test("confluent-kafka (librdkafka) admin adds partitions, describes and alters configs, deletes topics", async () => {
  await withBroker(async (broker) => {
    const result = await runPython(CORE_SCRIPT, [broker.bootstrap, String(broker.nodeId)]);
    assert.equal(result.code, 0, describeFailure(result));
    const out = JSON.parse(result.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    assert.equal(out.partitions, 3);
    assert.deepEqual(out.shrink, ["INVALID_PARTITIONS", "The topic ck-grow currently has 3 partition(s); 2 would not be an increase."]);
    assert.deepEqual(out.describe, {
      "retention.ms": {
        value: "60000",
        source: 1,
        read_only: false,
        synonyms: [
          ["retention.ms", "60000", 1],
          ["log.retention.hours", "168", 5],
        ],
      },
      "cleanup.policy": { value: "delete", source: 5, read_only: false, synonyms: [["log.cleanup.policy", "delete", 5]] },
    });
    assert.deepEqual(out.after_alter, { "retention.ms": ["90000", 1], "cleanup.policy": ["compact", 1] });
    const [badCode, badMessage] = out.alter_bad as [string, string];
    assert.equal(badCode, "INVALID_CONFIG");
    assert.match(badMessage, /^Invalid value shred for configuration cleanup\.policy: String must be one of: compact, delete/);
    assert.deepEqual(out.alter_unknown_topic, ["UNKNOWN_TOPIC_OR_PART", "The topic 'ck-none' does not exist."]);
    assert.deepEqual(out.broker, { "log.dirs": [null, true], "message.max.bytes": ["1048588", false] });
    assert.deepEqual(out.broker_after, ["2000000", 2]);
    assert.deepEqual(out.broker_read_only, ["INVALID_REQUEST", "Cannot update these configs dynamically: Set(log.dirs)"]);
    assert.deepEqual(out.topics, ["ck-cfg", "ck-grow"]);
    assert.deepEqual(out.delete_again, ["UNKNOWN_TOPIC_OR_PART", "Broker: Unknown topic or partition"]);
  });
});

/** Runs `script` if the installed AdminClient has `method`; returns the reason to skip otherwise. */
async function runIfAvailable(method: string, script: string, args: readonly string[]): Promise<{ skip: string } | { out: Record<string, unknown> }> {
  const probe = await runPython(`${PRELUDE}\nimport confluent_kafka\nprint(json.dumps([hasattr(AdminClient, "${method}"), confluent_kafka.version()[0]]))`, args);
  assert.equal(probe.code, 0, describeFailure(probe));
  const [available, version] = JSON.parse(probe.stdout.trim().split("\n").pop()!) as [boolean, string];
  if (!available) return { skip: `the installed python3-confluent-kafka ${version} has no AdminClient.${method}` };
  const result = await runPython(`${PRELUDE}\n${script}`, args);
  assert.equal(result.code, 0, describeFailure(result));
  return { out: JSON.parse(result.stdout.trim().split("\n").pop()!) as Record<string, unknown> };
}

test("confluent-kafka incremental_alter_configs (when the installed client has it)", async (t) => {
  await withBroker(async (broker) => {
    const outcome = await runIfAvailable(
      "incremental_alter_configs",
      `
from confluent_kafka.admin import ConfigEntry, AlterConfigOpType
wait(admin.create_topics([NewTopic("ck-inc", num_partitions=1, replication_factor=1, config={"retention.ms": "60000"})]))
wait(admin.incremental_alter_configs([ConfigResource("topic", "ck-inc", incremental_configs=[
    ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND),
    ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE)])]))
entries = list(wait(admin.describe_configs([ConfigResource("topic", "ck-inc")])).values())[0]
print(json.dumps({"cleanup.policy": entries["cleanup.policy"].value, "retention.ms": entries["retention.ms"].value}))
`,
      [broker.bootstrap, String(broker.nodeId)],
    );
    if ("skip" in outcome) {
      t.skip(outcome.skip);
      return;
    }
    assert.deepEqual(outcome.out, { "cleanup.policy": "delete,compact", "retention.ms": "604800000" });
  });
});

test("confluent-kafka delete_records (when the installed client has it)", async (t) => {
  await withBroker(async (broker) => {
    const outcome = await runIfAvailable(
      "delete_records",
      `
from confluent_kafka import Producer, TopicPartition
wait(admin.create_topics([NewTopic("ck-records", num_partitions=1, replication_factor=1)]))
producer = Producer({"bootstrap.servers": bootstrap})
for index in range(5):
    producer.produce("ck-records", value=str(index).encode())
producer.flush(30)
deleted = wait(admin.delete_records([TopicPartition("ck-records", 0, 3)]))
print(json.dumps({"low_watermark": list(deleted.values())[0].low_watermark}))
`,
      [broker.bootstrap, String(broker.nodeId)],
    );
    if ("skip" in outcome) {
      t.skip(outcome.skip);
      return;
    }
    assert.deepEqual(outcome.out, { low_watermark: 3 });
  });
});

test("confluent-kafka describe_cluster (when the installed client has it)", async (t) => {
  await withBroker(async (broker) => {
    const outcome = await runIfAvailable(
      "describe_cluster",
      `
cluster = admin.describe_cluster().result(timeout=30)
print(json.dumps({"cluster_id": cluster.cluster_id, "controller": cluster.controller.id, "nodes": [n.id for n in cluster.nodes]}))
`,
      [broker.bootstrap, String(broker.nodeId)],
    );
    if ("skip" in outcome) {
      t.skip(outcome.skip);
      return;
    }
    assert.deepEqual(outcome.out, { cluster_id: broker.clusterId, controller: broker.nodeId, nodes: [broker.nodeId] });
  });
});
