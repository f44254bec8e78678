// kafkajs 2.2.4 admin client against the topic and config administration APIs: DeleteTopics,
// CreatePartitions, DescribeConfigs (topic and broker, with synonyms), AlterConfigs (topic and
// broker), DeleteRecords (admin.deleteTopicRecords) and the offsets kafkajs reads back after
// producing (ListOffsets through admin.fetchTopicOffsets).

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";
import { describeFailure, runKcat } from "../helpers/processes.js";

/** kafkajs' ConfigResourceTypes and ConfigSource values. */
const TOPIC = 2;
const BROKER = 4;
const DYNAMIC_TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

type Admin = ReturnType<ReturnType<typeof kafkaClient>["admin"]>;

interface KafkaJsErrorShape {
  readonly type?: string;
  readonly name?: string;
  readonly cause?: unknown;
  readonly partitions?: readonly { readonly partition: number; readonly error: { readonly type?: string } }[];
}

/** The broker's error under kafkajs' retry wrappers (KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError). */
function brokerError(error: unknown): KafkaJsErrorShape {
  let current = error as KafkaJsErrorShape;
  while ((current.name === "KafkaJSNonRetriableError" || current.name === "KafkaJSNumberOfRetriesExceeded") && current.cause !== undefined) {
    current = current.cause as KafkaJsErrorShape;
  }
  return current;
}

function errorType(expected: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.equal(brokerError(error).type, expected, String(error));
    return true;
  };
}

async function withAdmin<T>(bootstrap: string, run: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient(bootstrap).admin();
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.disconnect();
  }
}

async function produce(bootstrap: string, topic: string, messages: { partition?: number; value: string }[]): Promise<void> {
  const producer = kafkaClient(bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const message of messages) {
      await producer.send({ topic, acks: -1, messages: [{ partition: message.partition ?? 0, value: message.value }] });
    }
  } finally {
    await producer.disconnect();
  }
}

async function configsOf(admin: Admin, type: number, name: string, configNames?: string[]) {
  const described = await admin.describeConfigs({ resources: [{ type, name, configNames }], includeSynonyms: true });
  assert.equal(described.resources.length, 1);
  const [resource] = described.resources;
  assert.equal(resource.errorCode, 0);
  return new Map(resource.configEntries.map((entry) => [entry.configName, entry]));
}

test("kafkajs deletes topics, adds partitions, and a re-created topic starts empty", async () => {
  await withBroker(async (broker) => {
    await withAdmin(broker.bootstrap, async (admin) => {
      assert.equal(
        await admin.createTopics({ topics: [{ topic: "kjs-doomed", numPartitions: 1 }, { topic: "kjs-growing", numPartitions: 2 }], waitForLeaders: true }),
        true,
      );
      await produce(broker.bootstrap, "kjs-doomed", [{ value: "a" }, { value: "b" }, { value: "c" }]);
      assert.deepEqual(
        (await admin.fetchTopicOffsets("kjs-doomed")).map(({ partition, high, low }) => ({ partition, high, low })),
        [{ partition: 0, high: "3", low: "0" }],
      );

      await admin.createPartitions({ topicPartitions: [{ topic: "kjs-growing", count: 5 }] });
      const grown = await admin.fetchTopicMetadata({ topics: ["kjs-growing"] });
      assert.deepEqual(grown.topics[0].partitions.map((partition) => partition.partitionId).sort(), [0, 1, 2, 3, 4]);
      for (const partition of grown.topics[0].partitions) assert.equal(partition.leader, broker.nodeId);
      // The new partitions take writes at once.
      await produce(broker.bootstrap, "kjs-growing", [{ partition: 4, value: "new partition" }]);
      const growingOffsets = await admin.fetchTopicOffsets("kjs-growing");
      assert.equal(growingOffsets.find((offsets) => offsets.partition === 4)?.high, "1");

      await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: "kjs-growing", count: 3 }] }), errorType("INVALID_PARTITIONS"));
      await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: "kjs-growing", count: 5 }] }), errorType("INVALID_PARTITIONS"));
      await assert.rejects(
        admin.createPartitions({ topicPartitions: [{ topic: "kjs-growing", count: 6, assignments: [[broker.nodeId], [broker.nodeId]] }] }),
        errorType("INVALID_REPLICA_ASSIGNMENT"),
      );
      await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: "kjs-missing", count: 6 }] }), errorType("UNKNOWN_TOPIC_OR_PARTITION"));
      await admin.createPartitions({ topicPartitions: [{ topic: "kjs-growing", count: 6, assignments: [[broker.nodeId]] }] });
      assert.equal((await admin.fetchTopicMetadata({ topics: ["kjs-growing"] })).topics[0].partitions.length, 6);

      await admin.deleteTopics({ topics: ["kjs-doomed"] });
      assert.deepEqual((await admin.listTopics()).sort(), ["kjs-growing"]);
      await assert.rejects(admin.deleteTopics({ topics: ["kjs-doomed"] }), errorType("UNKNOWN_TOPIC_OR_PARTITION"));

      assert.equal(await admin.createTopics({ topics: [{ topic: "kjs-doomed", numPartitions: 1 }], waitForLeaders: true }), true);
      assert.deepEqual(
        (await admin.fetchTopicOffsets("kjs-doomed")).map(({ partition, high, low }) => ({ partition, high, low })),
        [{ partition: 0, high: "0", low: "0" }],
      );
    });
  });
});

test("kafkajs describes topic configs with synonyms and alters them (AlterConfigs replaces all overrides)", async () => {
  await withBroker(async (broker) => {
    await withAdmin(broker.bootstrap, async (admin) => {
      await admin.createTopics({
        topics: [{ topic: "kjs-configs", numPartitions: 1, configEntries: [{ name: "retention.ms", value: "60000" }] }],
        waitForLeaders: true,
      });
      let configs = await configsOf(admin, TOPIC, "kjs-configs");
      const retention = configs.get("retention.ms");
      assert.equal(retention?.configValue, "60000");
      assert.equal(retention?.configSource, DYNAMIC_TOPIC_CONFIG);
      assert.equal(retention?.readOnly, false);
      assert.deepEqual(retention?.configSynonyms.map((synonym) => synonym.configName).slice(0, 1), ["retention.ms"]);
      assert.ok(retention?.configSynonyms.some((synonym) => synonym.configName === "log.retention.hours" && synonym.configValue === "168"));
      const segmentBytes = configs.get("segment.bytes");
      assert.equal(segmentBytes?.configValue, "1073741824");
      assert.equal(segmentBytes?.configSource, DEFAULT_CONFIG);
      assert.equal(segmentBytes?.isDefault, true);
      assert.deepEqual(segmentBytes?.configSynonyms, [{ configName: "log.segment.bytes", configValue: "1073741824", configSource: DEFAULT_CONFIG }]);

      // Only the names asked for come back; unknown names are left out silently.
      configs = await configsOf(admin, TOPIC, "kjs-configs", ["cleanup.policy", "no.such.config"]);
      assert.deepEqual([...configs.keys()], ["cleanup.policy"]);

      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: TOPIC, name: "kjs-configs", configEntries: [{ name: "cleanup.policy", value: "compact" }, { name: "segment.bytes", value: "1048576" }] }],
      });
      configs = await configsOf(admin, TOPIC, "kjs-configs");
      assert.equal(configs.get("cleanup.policy")?.configValue, "compact");
      assert.equal(configs.get("cleanup.policy")?.configSource, DYNAMIC_TOPIC_CONFIG);
      assert.equal(configs.get("segment.bytes")?.configValue, "1048576");
      // The legacy API replaces every override: retention.ms is back to the broker's value.
      assert.equal(configs.get("retention.ms")?.configValue, "604800000");
      assert.notEqual(configs.get("retention.ms")?.configSource, DYNAMIC_TOPIC_CONFIG);

      // validate_only checks and changes nothing.
      await admin.alterConfigs({
        validateOnly: true,
        resources: [{ type: TOPIC, name: "kjs-configs", configEntries: [{ name: "retention.ms", value: "1000" }] }],
      });
      assert.equal((await configsOf(admin, TOPIC, "kjs-configs")).get("retention.ms")?.configValue, "604800000");

      const alter = (name: string, configName: string, value: string) =>
        admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name, configEntries: [{ name: configName, value }] }] });
      await assert.rejects(alter("kjs-configs", "segment.bytes", "lots"), errorType("INVALID_CONFIG"));
      await assert.rejects(alter("kjs-configs", "no.such.config", "1"), errorType("INVALID_CONFIG"));
      await assert.rejects(alter("kjs-configs", "cleanup.policy", "shred"), errorType("INVALID_CONFIG"));
      await assert.rejects(alter("kjs-unknown", "retention.ms", "1000"), errorType("UNKNOWN_TOPIC_OR_PARTITION"));
      await assert.rejects(configsOf(admin, TOPIC, "kjs-unknown"), errorType("UNKNOWN_TOPIC_OR_PARTITION"));
    });
  });
});

test("kafkajs describes and alters this broker's configs; dynamic broker values reach topics", async () => {
  await withBroker(async (broker) => {
    await withAdmin(broker.bootstrap, async (admin) => {
      await admin.createTopics({ topics: [{ topic: "kjs-inherits", numPartitions: 1 }], waitForLeaders: true });
      const brokerName = String(broker.nodeId);
      let configs = await configsOf(admin, BROKER, brokerName);
      assert.equal(configs.get("log.dirs")?.readOnly, true);
      // As in Kafka, only the first synonym of a topic config's broker default is dynamic.
      assert.equal(configs.get("log.retention.ms")?.readOnly, false);
      assert.equal(configs.get("log.retention.hours")?.readOnly, true);
      assert.equal(configs.get("log.retention.hours")?.configValue, "168");
      assert.equal(configs.get("log.retention.hours")?.configSource, DEFAULT_CONFIG);
      assert.equal(configs.get("offsets.topic.replication.factor")?.configSource, STATIC_BROKER_CONFIG);

      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: BROKER, name: brokerName, configEntries: [{ name: "log.retention.ms", value: "3600000" }] }],
      });
      configs = await configsOf(admin, BROKER, brokerName, ["log.retention.ms"]);
      assert.equal(configs.get("log.retention.ms")?.configValue, "3600000");
      assert.equal(configs.get("log.retention.ms")?.configSource, DYNAMIC_BROKER_CONFIG);
      assert.deepEqual(configs.get("log.retention.ms")?.configSynonyms[0], {
        configName: "log.retention.ms",
        configValue: "3600000",
        configSource: DYNAMIC_BROKER_CONFIG,
      });

      // A topic without its own retention.ms now runs with the broker's dynamic value.
      const topicRetention = (await configsOf(admin, TOPIC, "kjs-inherits", ["retention.ms"])).get("retention.ms");
      assert.equal(topicRetention?.configValue, "3600000");
      assert.equal(topicRetention?.configSource, DYNAMIC_BROKER_CONFIG);

      const alterBroker = (name: string, value: string) =>
        admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: brokerName, configEntries: [{ name, value }] }] });
      await assert.rejects(alterBroker("log.dirs", "/elsewhere"), errorType("INVALID_REQUEST"));
      await assert.rejects(alterBroker("log.retention.hours", "1"), errorType("INVALID_REQUEST"));
      await assert.rejects(alterBroker("log.retention.ms", "soon"), errorType("INVALID_REQUEST"));

      // The legacy API replaces the broker's dynamic configs too: an empty set removes them.
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: brokerName, configEntries: [] }] });
      configs = await configsOf(admin, BROKER, brokerName, ["log.retention.ms"]);
      assert.equal(configs.get("log.retention.ms")?.configSource, DEFAULT_CONFIG);
    });
  });
});

test("kafkajs deletes records up to an offset or the high watermark; kcat then reads from the new start", async () => {
  await withBroker(async (broker) => {
    await withAdmin(broker.bootstrap, async (admin) => {
      await admin.createTopics({ topics: [{ topic: "kjs-records", numPartitions: 2 }], waitForLeaders: true });
      await produce(broker.bootstrap, "kjs-records", [
        ...Array.from({ length: 10 }, (_, index) => ({ partition: 0, value: `zero-${index}` })),
        ...Array.from({ length: 5 }, (_, index) => ({ partition: 1, value: `one-${index}` })),
      ]);
      const offsets = async () =>
        (await admin.fetchTopicOffsets("kjs-records")).map(({ partition, high, low }) => ({ partition, high, low })).sort((a, b) => a.partition - b.partition);
      assert.deepEqual(await offsets(), [
        { partition: 0, high: "10", low: "0" },
        { partition: 1, high: "5", low: "0" },
      ]);

      await admin.deleteTopicRecords({ topic: "kjs-records", partitions: [{ partition: 0, offset: "4" }, { partition: 1, offset: "-1" }] });
      assert.deepEqual(await offsets(), [
        { partition: 0, high: "10", low: "4" },
        { partition: 1, high: "5", low: "5" },
      ]);

      await assert.rejects(admin.deleteTopicRecords({ topic: "kjs-records", partitions: [{ partition: 0, offset: "11" }] }), (error: unknown) => {
        const shaped = brokerError(error);
        assert.equal(shaped.name, "KafkaJSDeleteTopicRecordsError");
        assert.equal(shaped.partitions?.[0]?.error.type, "OFFSET_OUT_OF_RANGE");
        return true;
      });

      const consumed = await runKcat(["-C", "-b", broker.bootstrap, "-t", "kjs-records", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o %s\\n"]);
      assert.equal(consumed.code, 0, describeFailure(consumed));
      assert.deepEqual(consumed.stdout.trim().split("\n"), ["4 zero-4", "5 zero-5", "6 zero-6", "7 zero-7", "8 zero-8", "9 zero-9"]);
    });
  });
});
