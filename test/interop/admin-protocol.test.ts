// The topic and config administration APIs at the protocol level, for what no installed client
// sends or shows: every served version (flexible and not), Kafka's exact error codes and messages
// at the edges, IncrementalAlterConfigs (no installed client has it), DescribeCluster and
// DescribeLogDirs (none of kafkajs 2.2.4, kafka-python 2.0.2 or confluent-kafka 1.7.0 sends
// them), DeleteTopics by topic id (v6) and BROKER_LOGGER resources. Requests go through our own
// protocol client, which encodes them with the generated codecs as any client would.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";
import { createLogger } from "../../src/lib/logger.js";
import { encodeRecordBatch } from "../../src/protocol/records/index.js";
import type { BrokerHandle } from "../../src/index.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import type { MetadataResponse } from "../../src/protocol/generated/metadata.js";
import type { ProduceResponse } from "../../src/protocol/generated/produce.js";
import type { DeleteTopicsResponse } from "../../src/protocol/generated/delete-topics.js";
import type { CreatePartitionsResponse } from "../../src/protocol/generated/create-partitions.js";
import type { DescribeConfigsResponse, DescribeConfigsResult } from "../../src/protocol/generated/describe-configs.js";
import type { AlterConfigsResponse } from "../../src/protocol/generated/alter-configs.js";
import type { IncrementalAlterConfigsResponse } from "../../src/protocol/generated/incremental-alter-configs.js";
import type { DeleteRecordsResponse } from "../../src/protocol/generated/delete-records.js";
import type { DescribeClusterResponse } from "../../src/protocol/generated/describe-cluster.js";
import type { DescribeLogDirsResponse } from "../../src/protocol/generated/describe-log-dirs.js";

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

async function withClient<T>(broker: BrokerHandle, run: (client: KafkaConnection) => Promise<T>): Promise<T> {
  const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}

async function createTopic(client: KafkaConnection, name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<string> {
  const response = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(response.topics[0].errorCode, ErrorCode.NONE, response.topics[0].errorMessage ?? "");
  return response.topics[0].topicId;
}

async function partitionCount(client: KafkaConnection, name: string): Promise<number> {
  const metadata = await client.send<MetadataResponse>(ApiKey.Metadata, 12, {
    topics: [{ topicId: ZERO_UUID, name }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  return metadata.topics[0].errorCode === ErrorCode.NONE ? metadata.topics[0].partitions.length : -1;
}

async function produce(client: KafkaConnection, topic: string, partition: number, count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    const records = encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from(`record-${index}`) }] });
    const response = await client.send<ProduceResponse>(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    });
    assert.equal(response.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
  }
}

function describeConfigs(
  client: KafkaConnection,
  version: number,
  resources: { resourceType: number; resourceName: string; configurationKeys?: string[] | null }[],
  options: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
): Promise<DescribeConfigsResponse> {
  return client.send<DescribeConfigsResponse>(ApiKey.DescribeConfigs, version, {
    resources: resources.map((resource) => ({ configurationKeys: null, ...resource })),
    includeSynonyms: options.includeSynonyms ?? false,
    includeDocumentation: options.includeDocumentation ?? false,
  });
}

function configValues(result: DescribeConfigsResult): Record<string, string | null> {
  return Object.fromEntries(result.configs.map((config) => [config.name, config.value]));
}

async function incremental(
  client: KafkaConnection,
  version: number,
  resources: { resourceType: number; resourceName: string; configs: { name: string; configOperation: number; value: string | null }[] }[],
  validateOnly = false,
): Promise<[number, string | null][]> {
  const response = await client.send<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, version, { resources, validateOnly });
  assert.deepEqual(
    response.responses.map((entry) => [entry.resourceType, entry.resourceName]),
    resources.map((resource) => [resource.resourceType, resource.resourceName]),
  );
  return response.responses.map((entry) => [entry.errorCode, entry.errorMessage]);
}

async function legacyAlter(
  client: KafkaConnection,
  version: number,
  resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[],
  validateOnly = false,
): Promise<[number, string | null][]> {
  const response = await client.send<AlterConfigsResponse>(ApiKey.AlterConfigs, version, { resources, validateOnly });
  return response.responses.map((entry) => [entry.errorCode, entry.errorMessage]);
}

test("ApiVersions advertises the administration APIs with Kafka 4.0's ranges", async () => {
  await withBroker(async (broker) => {
    await withClient(broker, async (client) => {
      const response = await client.send<ApiVersionsResponse>(ApiKey.ApiVersions, 3, {
        clientSoftwareName: "tributary-test",
        clientSoftwareVersion: "1",
      });
      const ranges = new Map(response.apiKeys.map((key) => [key.apiKey, [key.minVersion, key.maxVersion]]));
      assert.deepEqual(ranges.get(ApiKey.DeleteTopics), [1, 6]);
      assert.deepEqual(ranges.get(ApiKey.DeleteRecords), [0, 2]);
      assert.deepEqual(ranges.get(ApiKey.DescribeConfigs), [1, 4]);
      assert.deepEqual(ranges.get(ApiKey.AlterConfigs), [0, 2]);
      assert.deepEqual(ranges.get(ApiKey.DescribeLogDirs), [1, 4]);
      assert.deepEqual(ranges.get(ApiKey.CreatePartitions), [0, 3]);
      assert.deepEqual(ranges.get(ApiKey.IncrementalAlterConfigs), [0, 1]);
      assert.deepEqual(ranges.get(ApiKey.DescribeCluster), [0, 1]);
    });
  });
});

test("DeleteTopics v6 deletes by topic id and reports Kafka's errors for bad targets", async () => {
  await withBroker(async (broker) => {
    await withClient(broker, async (client) => {
      const byIdId = await createTopic(client, "by-id", 1);
      const bothId = await createTopic(client, "both-ways", 1);
      await createTopic(client, "by-name", 1);
      const unknownId = "AAAAAAAAAAAAAAAAAAAAAQ";
      const response = await client.send<DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, {
        topics: [
          { name: null, topicId: byIdId },
          { name: "by-name", topicId: ZERO_UUID },
          { name: null, topicId: ZERO_UUID },
          { name: "by-name-and-id", topicId: byIdId },
          { name: "twice", topicId: ZERO_UUID },
          { name: "twice", topicId: ZERO_UUID },
          { name: null, topicId: unknownId },
          { name: "never-created", topicId: ZERO_UUID },
          { name: "both-ways", topicId: ZERO_UUID },
          { name: null, topicId: bothId },
        ],
        topicNames: [],
        timeoutMs: 5000,
      });
      assert.deepEqual(
        response.responses.map((result) => [result.name, result.topicId, result.errorCode, result.errorMessage]),
        [
          ["by-id", byIdId, ErrorCode.NONE, null],
          ["by-name", response.responses[1].topicId, ErrorCode.NONE, null],
          [null, ZERO_UUID, ErrorCode.INVALID_REQUEST, "Neither topic name nor id were specified."],
          ["by-name-and-id", byIdId, ErrorCode.INVALID_REQUEST, "You may not specify both topic name and topic id."],
          ["twice", ZERO_UUID, ErrorCode.INVALID_REQUEST, "Duplicate topic name."],
          [null, unknownId, ErrorCode.UNKNOWN_TOPIC_ID, "This server does not host this topic ID."],
          ["never-created", ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition."],
          ["both-ways", bothId, ErrorCode.INVALID_REQUEST, "The provided topic name maps to an ID that was already supplied."],
          ["both-ways", bothId, ErrorCode.INVALID_REQUEST, "The provided topic name maps to an ID that was already supplied."],
        ],
      );
      assert.notEqual(response.responses[1].topicId, ZERO_UUID);
      assert.equal(await partitionCount(client, "by-id"), -1);
      assert.equal(await partitionCount(client, "by-name"), -1);
      assert.equal(await partitionCount(client, "both-ways"), 1, "a refused deletion leaves the topic");

      // Older versions name topics only; v5 added error messages, v4 is the first flexible one.
      for (const version of [1, 4, 5]) {
        await createTopic(client, `old-${version}`, 1);
        const old = await client.send<DeleteTopicsResponse>(ApiKey.DeleteTopics, version, {
          topics: [],
          topicNames: [`old-${version}`, "missing"],
          timeoutMs: 5000,
        });
        assert.deepEqual(
          old.responses.map((result) => [result.name, result.errorCode, result.errorMessage]),
          [
            [`old-${version}`, ErrorCode.NONE, null],
            ["missing", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, version >= 5 ? "This server does not host this topic-partition." : null],
          ],
        );
      }
    });
  });
});

test("DeleteTopics with delete.topic.enable=false: TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3)", async () => {
  await withBroker(
    async (broker) => {
      await withClient(broker, async (client) => {
        await createTopic(client, "kept", 1);
        for (const [version, errorCode] of [
          [1, ErrorCode.INVALID_REQUEST],
          [3, ErrorCode.TOPIC_DELETION_DISABLED],
          [6, ErrorCode.TOPIC_DELETION_DISABLED],
        ]) {
          const response = await client.send<DeleteTopicsResponse>(ApiKey.DeleteTopics, version, {
            topics: version >= 6 ? [{ name: "kept", topicId: ZERO_UUID }] : [],
            topicNames: version >= 6 ? [] : ["kept"],
            timeoutMs: 5000,
          });
          assert.deepEqual(response.responses.map((result) => [result.name, result.errorCode]), [["kept", errorCode]]);
        }
        assert.equal(await partitionCount(client, "kept"), 1);
      });
    },
    { config: { "delete.topic.enable": "false" } },
  );
});

test("CreatePartitions v0-v3: validate_only, duplicates and Kafka's messages", async () => {
  await withBroker(async (broker) => {
    await withClient(broker, async (client) => {
      await createTopic(client, "grow", 2);
      const create = async (version: number, topics: { name: string; count: number; assignments?: number[][] | null }[], validateOnly = false) => {
        const response = await client.send<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, {
          topics: topics.map((topic) => ({
            name: topic.name,
            count: topic.count,
            assignments: topic.assignments === undefined || topic.assignments === null ? null : topic.assignments.map((brokerIds) => ({ brokerIds })),
          })),
          timeoutMs: 5000,
          validateOnly,
        });
        return response.results.map((result) => [result.name, result.errorCode, result.errorMessage]);
      };
      assert.deepEqual(await create(3, [{ name: "grow", count: 4 }], true), [["grow", ErrorCode.NONE, null]]);
      assert.equal(await partitionCount(client, "grow"), 2, "validate_only adds nothing");
      const node = broker.nodeId;
      assert.deepEqual(
        await create(0, [
          { name: "grow", count: 2 },
          { name: "missing", count: 3 },
          { name: "twice", count: 3 },
          { name: "twice", count: 4 },
        ]),
        [
          ["grow", ErrorCode.INVALID_PARTITIONS, "Topic already has 2 partition(s)."],
          ["missing", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null],
          ["twice", ErrorCode.INVALID_REQUEST, "Duplicate topic name."],
        ],
      );
      assert.deepEqual(await create(1, [{ name: "grow", count: 1 }]), [
        ["grow", ErrorCode.INVALID_PARTITIONS, "The topic grow currently has 2 partition(s); 1 would not be an increase."],
      ]);
      assert.deepEqual(await create(2, [{ name: "grow", count: 4, assignments: [[node]] }]), [
        ["grow", ErrorCode.INVALID_REPLICA_ASSIGNMENT, "Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified."],
      ]);
      assert.deepEqual(await create(3, [{ name: "grow", count: 3, assignments: [[node + 100]] }]), [
        ["grow", ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${node + 100}, but no such broker is registered.`],
      ]);
      assert.deepEqual(await create(3, [{ name: "grow", count: 3, assignments: [[node, node]] }]), [
        ["grow", ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${node} more than once.`],
      ]);
      assert.deepEqual(await create(3, [{ name: "grow", count: 3, assignments: [[]] }]), [
        ["grow", ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty replica list."],
      ]);
      assert.deepEqual(await create(3, [{ name: "grow", count: 4, assignments: [[node], [node]] }]), [["grow", ErrorCode.NONE, null]]);
      assert.equal(await partitionCount(client, "grow"), 4);
      await produce(client, "grow", 3, 1);
    });
  });
});

test("DescribeConfigs v1-v4: synonyms, documentation and types on request; broker, cluster default and logger resources", async () => {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  await withBroker(
    async (broker) => {
      await withClient(broker, async (client) => {
        await createTopic(client, "described", 1, { "cleanup.policy": "compact" });
        const node = String(broker.nodeId);

        const v1 = await describeConfigs(client, 1, [{ resourceType: TOPIC, resourceName: "described", configurationKeys: ["cleanup.policy", "retention.ms"] }]);
        assert.equal(v1.results[0].errorCode, ErrorCode.NONE);
        assert.deepEqual(
          v1.results[0].configs.map((config) => [config.name, config.value, config.configSource, config.synonyms.length]),
          [
            ["cleanup.policy", "compact", 1, 0],
            ["retention.ms", "604800000", 5, 0],
          ],
        );

        for (const version of [3, 4]) {
          const described = await describeConfigs(
            client,
            version,
            [{ resourceType: TOPIC, resourceName: "described", configurationKeys: ["cleanup.policy", "segment.bytes"] }],
            { includeSynonyms: true, includeDocumentation: true },
          );
          const [policy, segmentBytes] = described.results[0].configs;
          assert.equal(policy.configType, 7, "cleanup.policy is a LIST");
          assert.equal(segmentBytes.configType, 3, "segment.bytes is an INT");
          assert.deepEqual(policy.synonyms, [
            { name: "cleanup.policy", value: "compact", source: 1 },
            { name: "log.cleanup.policy", value: "delete", source: 5 },
          ]);
          assert.ok((policy.documentation ?? "").length > 20, "documentation is included when asked for");
        }
        const withoutDocs = await describeConfigs(client, 4, [{ resourceType: TOPIC, resourceName: "described", configurationKeys: ["cleanup.policy"] }]);
        assert.equal(withoutDocs.results[0].configs[0].documentation, null);

        const errors = await describeConfigs(client, 4, [
          { resourceType: TOPIC, resourceName: "no-such-topic" },
          { resourceType: TOPIC, resourceName: "bad/name" },
          { resourceType: BROKER, resourceName: "not-a-number" },
          { resourceType: BROKER, resourceName: String(broker.nodeId + 7) },
          { resourceType: BROKER_LOGGER, resourceName: "" },
          { resourceType: 99, resourceName: "x" },
        ]);
        assert.deepEqual(
          errors.results.map((result) => [result.resourceType, result.resourceName, result.errorCode, result.errorMessage, result.configs.length]),
          [
            [TOPIC, "no-such-topic", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "", 0],
            [
              TOPIC,
              "bad/name",
              ErrorCode.INVALID_TOPIC_EXCEPTION,
              `Topic name "bad/name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
              0,
            ],
            [BROKER, "not-a-number", ErrorCode.INVALID_REQUEST, "Broker id must be an integer, but it is: not-a-number", 0],
            [BROKER, String(broker.nodeId + 7), ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${node} or empty string, but received ${broker.nodeId + 7}`, 0],
            [BROKER_LOGGER, "", ErrorCode.INVALID_REQUEST, "Broker id must not be empty", 0],
            [99, "x", ErrorCode.INVALID_REQUEST, "Unexpected resource type 99 for resource x", 0],
          ],
        );

        // The cluster-default broker resource lists only dynamic cluster-wide values.
        let clusterDefault = await describeConfigs(client, 2, [{ resourceType: BROKER, resourceName: "" }], { includeSynonyms: true });
        assert.deepEqual(clusterDefault.results[0].configs, []);
        assert.deepEqual(await incremental(client, 1, [{ resourceType: BROKER, resourceName: "", configs: [{ name: "log.retention.ms", configOperation: SET, value: "7200000" }] }]), [
          [ErrorCode.NONE, null],
        ]);
        clusterDefault = await describeConfigs(client, 2, [{ resourceType: BROKER, resourceName: "" }], { includeSynonyms: true });
        assert.deepEqual(
          clusterDefault.results[0].configs.map((config) => [config.name, config.value, config.configSource, config.synonyms]),
          [["log.retention.ms", "7200000", 3, [{ name: "log.retention.ms", value: "7200000", source: 3 }]]],
        );
        const brokerView = await describeConfigs(client, 4, [{ resourceType: BROKER, resourceName: node, configurationKeys: ["log.retention.ms"] }], {
          includeSynonyms: true,
        });
        assert.deepEqual(
          brokerView.results[0].configs.map((config) => [config.value, config.configSource, config.readOnly, config.synonyms.map((synonym) => synonym.source)]),
          [["7200000", 3, false, [3, 5]]],
        );

        // BROKER_LOGGER: this broker's log level, changeable at runtime (KIP-412).
        const loggers = await describeConfigs(client, 4, [{ resourceType: BROKER_LOGGER, resourceName: node }]);
        assert.deepEqual(loggers.results[0].configs.map((config) => [config.name, config.value, config.configSource]), [["root", "OFF", 6]]);
        assert.deepEqual(
          await incremental(client, 1, [{ resourceType: BROKER_LOGGER, resourceName: node, configs: [{ name: "root", configOperation: SET, value: "DEBUG" }] }]),
          [[ErrorCode.NONE, null]],
        );
        const changed = await describeConfigs(client, 4, [{ resourceType: BROKER_LOGGER, resourceName: node }]);
        assert.deepEqual(configValues(changed.results[0]), { root: "DEBUG" });
      });
    },
    { logger: createLogger({ level: "silent", pretty: false, destination: discard }) },
  );
});

test("IncrementalAlterConfigs v0-v1 on topics: SET, DELETE, APPEND, SUBTRACT, validate_only and Kafka's errors", async () => {
  await withBroker(async (broker) => {
    await withClient(broker, async (client) => {
      await createTopic(client, "edited", 1, { "retention.ms": "60000" });
      const current = async (): Promise<Record<string, string | null>> =>
        configValues(
          (await describeConfigs(client, 4, [{ resourceType: TOPIC, resourceName: "edited", configurationKeys: ["cleanup.policy", "retention.ms", "segment.bytes"] }]))
            .results[0],
        );
      const edit = (version: number, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false) =>
        incremental(client, version, [{ resourceType: TOPIC, resourceName: "edited", configs }], validateOnly);

      assert.deepEqual(await edit(0, [{ name: "cleanup.policy", configOperation: APPEND, value: "compact" }]), [[ErrorCode.NONE, null]]);
      assert.deepEqual(await current(), { "cleanup.policy": "delete,compact", "retention.ms": "60000", "segment.bytes": "1073741824" });
      assert.deepEqual(
        await edit(1, [
          { name: "cleanup.policy", configOperation: SUBTRACT, value: "delete" },
          { name: "retention.ms", configOperation: DELETE, value: null },
          { name: "segment.bytes", configOperation: SET, value: "1048576" },
        ]),
        [[ErrorCode.NONE, null]],
      );
      assert.deepEqual(await current(), { "cleanup.policy": "compact", "retention.ms": "604800000", "segment.bytes": "1048576" });
      assert.deepEqual(await edit(1, [{ name: "segment.bytes", configOperation: SET, value: "2097152" }], true), [[ErrorCode.NONE, null]]);
      assert.equal((await current())["segment.bytes"], "1048576", "validate_only changes nothing");
      // Deleting a config the topic does not override is not an error.
      assert.deepEqual(await edit(1, [{ name: "retention.bytes", configOperation: DELETE, value: null }]), [[ErrorCode.NONE, null]]);

      assert.deepEqual(await edit(1, [{ name: "retention.ms", configOperation: APPEND, value: "5" }]), [
        [ErrorCode.INVALID_CONFIG, "Can't APPEND to key retention.ms because its type is not LIST."],
      ]);
      assert.deepEqual(await edit(1, [{ name: "retention.ms", configOperation: SET, value: null }]), [
        [ErrorCode.INVALID_REQUEST, "Null value not supported for : retention.ms"],
      ]);
      assert.deepEqual(
        await edit(1, [
          { name: "retention.ms", configOperation: SET, value: "1" },
          { name: "retention.ms", configOperation: SET, value: "2" },
        ]),
        [[ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys"]],
      );
      assert.deepEqual(await edit(1, [{ name: "retention.ms", configOperation: 7, value: "1" }]), [[ErrorCode.INVALID_REQUEST, "Unknown operations type 7"]]);
      assert.deepEqual(await edit(1, [{ name: "retention.ms", configOperation: SET, value: "-5" }]), [
        [ErrorCode.INVALID_CONFIG, "Invalid value -5 for configuration retention.ms: Value must be at least -1"],
      ]);
      assert.deepEqual(await edit(1, [{ name: "no.such.config", configOperation: SET, value: "1" }]), [
        [ErrorCode.INVALID_CONFIG, "Unknown topic config name: no.such.config"],
      ]);
      assert.deepEqual(
        await incremental(client, 1, [
          { resourceType: TOPIC, resourceName: "ghost", configs: [{ name: "retention.ms", configOperation: SET, value: "1000" }] },
          { resourceType: TOPIC, resourceName: "", configs: [] },
          { resourceType: TOPIC, resourceName: "edited", configs: [] },
          { resourceType: TOPIC, resourceName: "edited", configs: [] },
          { resourceType: 99, resourceName: "x", configs: [] },
        ]),
        [
          [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'ghost' does not exist."],
          [ErrorCode.INVALID_REQUEST, "Default topic resources are not allowed."],
          [ErrorCode.INVALID_REQUEST, "Each resource must appear at most once."],
          [ErrorCode.INVALID_REQUEST, "Each resource must appear at most once."],
          [ErrorCode.INVALID_REQUEST, "Unknown resource type 99"],
        ],
      );
    });
  });
});

test("IncrementalAlterConfigs and AlterConfigs on brokers and loggers: dynamic scopes and Kafka's messages", async () => {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  await withBroker(
    async (broker) => {
      await withClient(broker, async (client) => {
        const node = String(broker.nodeId);
        const onBroker = (name: string, configs: { name: string; configOperation: number; value: string | null }[]) =>
          incremental(client, 1, [{ resourceType: BROKER, resourceName: name, configs }]);
        assert.deepEqual(await onBroker(node, [{ name: "log.dirs", configOperation: SET, value: "/elsewhere" }]), [
          [ErrorCode.INVALID_REQUEST, "Cannot update these configs dynamically: Set(log.dirs)"],
        ]);
        assert.deepEqual(await onBroker(node, [{ name: "ssl.keystore.location", configOperation: SET, value: "/keys" }]), [
          [ErrorCode.INVALID_REQUEST, "These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)"],
        ]);
        assert.deepEqual(await onBroker("", [{ name: "advertised.listeners", configOperation: SET, value: "PLAINTEXT://elsewhere:9092" }]), [
          [ErrorCode.INVALID_REQUEST, "Cannot update these configs at default cluster level, broker id must be specified: Set(advertised.listeners)"],
        ]);
        assert.deepEqual(await onBroker(node, [{ name: "message.max.bytes", configOperation: SET, value: "big" }]), [
          [ErrorCode.INVALID_REQUEST, "Invalid value big for configuration message.max.bytes: Not a number of type INT"],
        ]);
        assert.deepEqual(await onBroker(node, [{ name: "log.retention.ms", configOperation: APPEND, value: "1" }]), [
          [ErrorCode.INVALID_CONFIG, "Config value append is not allowed for config key: log.retention.ms"],
        ]);
        assert.deepEqual(await onBroker(node, [{ name: "no.such.config", configOperation: SUBTRACT, value: "1" }]), [
          [ErrorCode.INVALID_CONFIG, "Unknown config name: no.such.config"],
        ]);
        assert.deepEqual(await onBroker("twelve", [{ name: "message.max.bytes", configOperation: SET, value: "2000000" }]), [
          [ErrorCode.INVALID_REQUEST, "Node id must be an integer, but it is: twelve"],
        ]);
        assert.deepEqual(await onBroker(String(broker.nodeId + 1), [{ name: "message.max.bytes", configOperation: SET, value: "2000000" }]), [
          [ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${node}, but received ${broker.nodeId + 1}`],
        ]);

        assert.deepEqual(
          await onBroker(node, [
            { name: "message.max.bytes", configOperation: SET, value: "2000000" },
            { name: "custom.setting", configOperation: SET, value: "kept" },
          ]),
          [[ErrorCode.NONE, null]],
        );
        const described = await describeConfigs(client, 4, [{ resourceType: BROKER, resourceName: node, configurationKeys: ["message.max.bytes", "custom.setting"] }]);
        assert.deepEqual(
          described.results[0].configs.map((config) => [config.name, config.value, config.configSource, config.isSensitive]),
          [
            // Like Kafka, a key of unknown type is treated as sensitive and not shown.
            ["custom.setting", null, 2, true],
            ["message.max.bytes", "2000000", 2, false],
          ],
        );
        assert.deepEqual(await onBroker(node, [{ name: "message.max.bytes", configOperation: DELETE, value: null }]), [[ErrorCode.NONE, null]]);
        const reverted = await describeConfigs(client, 4, [{ resourceType: BROKER, resourceName: node, configurationKeys: ["message.max.bytes"] }]);
        assert.deepEqual(configValues(reverted.results[0]), { "message.max.bytes": "1048588" });

        // Loggers: only through the incremental API, with RuntimeLoggerManager's checks.
        const onLogger = (configs: { name: string; configOperation: number; value: string | null }[]) =>
          incremental(client, 0, [{ resourceType: BROKER_LOGGER, resourceName: node, configs }]);
        assert.deepEqual(await onLogger([{ name: "root", configOperation: SET, value: "LOUD" }]), [
          [
            ErrorCode.INVALID_CONFIG,
            "Cannot set the log level of root to LOUD as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN",
          ],
        ]);
        assert.deepEqual(await onLogger([{ name: "kafka.server", configOperation: SET, value: "INFO" }]), [
          [ErrorCode.INVALID_CONFIG, "Logger kafka.server does not exist!"],
        ]);
        assert.deepEqual(await onLogger([{ name: "root", configOperation: DELETE, value: null }]), [
          [ErrorCode.INVALID_REQUEST, "Removing the log level of the root logger is not allowed"],
        ]);
        assert.deepEqual(await onLogger([{ name: "root", configOperation: APPEND, value: "INFO" }]), [
          [ErrorCode.INVALID_REQUEST, "APPEND operation is not allowed for the BROKER_LOGGER resource"],
        ]);
        assert.deepEqual(await legacyAlter(client, 2, [{ resourceType: BROKER_LOGGER, resourceName: node, configs: [{ name: "root", value: "INFO" }] }]), [
          [ErrorCode.INVALID_REQUEST, "Unknown resource type 8"],
        ]);
      });
    },
    { logger: createLogger({ level: "silent", pretty: false, destination: discard }) },
  );
});

test("AlterConfigs v0-v2: replaces a resource's configs, with the broker side's request checks", async () => {
  await withBroker(async (broker) => {
    await withClient(broker, async (client) => {
      await createTopic(client, "replaced", 1, { "retention.ms": "60000", "cleanup.policy": "compact" });
      for (const version of [0, 1, 2]) {
        assert.deepEqual(
          await legacyAlter(client, version, [{ resourceType: TOPIC, resourceName: "replaced", configs: [{ name: "segment.bytes", value: String(1048576 + version) }] }]),
          [[ErrorCode.NONE, null]],
        );
      }
      const described = await describeConfigs(client, 1, [
        { resourceType: TOPIC, resourceName: "replaced", configurationKeys: ["cleanup.policy", "retention.ms", "segment.bytes"] },
      ]);
      assert.deepEqual(
        described.results[0].configs.map((config) => [config.name, config.value, config.configSource]),
        [
          ["cleanup.policy", "delete", 5],
          ["retention.ms", "604800000", 5],
          ["segment.bytes", "1048578", 1],
        ],
      );
      assert.deepEqual(
        await legacyAlter(client, 2, [
          { resourceType: TOPIC, resourceName: "replaced", configs: [{ name: "retention.ms", value: null }] },
          { resourceType: TOPIC, resourceName: "bad name", configs: [] },
          { resourceType: BROKER, resourceName: "", configs: [{ name: "log.retention.ms", value: "1" }, { name: "log.retention.ms", value: "2" }] },
        ]),
        [
          [ErrorCode.INVALID_REQUEST, "Null value not supported for : retention.ms"],
          [ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name "bad name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`],
          [ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys"],
        ],
      );
      assert.deepEqual(
        await legacyAlter(client, 1, [{ resourceType: TOPIC, resourceName: "replaced", configs: [{ name: "retention.ms", value: "1000" }] }], true),
        [[ErrorCode.NONE, null]],
      );
      const unchanged = await describeConfigs(client, 1, [{ resourceType: TOPIC, resourceName: "replaced", configurationKeys: ["retention.ms"] }]);
      assert.deepEqual(configValues(unchanged.results[0]), { "retention.ms": "604800000" });
    });
  });
});

test("DeleteRecords v0-v2: offsets, the high watermark, and the errors at the edges", async () => {
  await withBroker(async (broker) => {
    await withClient(broker, async (client) => {
      await createTopic(client, "trimmed", 3);
      await produce(client, "trimmed", 0, 6);
      await produce(client, "trimmed", 1, 4);
      const deleteRecords = async (version: number, partitions: { partitionIndex: number; offset: number }[], topic = "trimmed") => {
        const response = await client.send<DeleteRecordsResponse>(ApiKey.DeleteRecords, version, { topics: [{ name: topic, partitions }], timeoutMs: 5000 });
        return response.topics[0].partitions.map((partition) => [partition.partitionIndex, partition.lowWatermark, partition.errorCode]);
      };
      assert.deepEqual(
        await deleteRecords(0, [
          { partitionIndex: 0, offset: 2 },
          { partitionIndex: 1, offset: -1 },
          { partitionIndex: 2, offset: 0 },
          { partitionIndex: 7, offset: 0 },
        ]),
        [
          [0, 2, ErrorCode.NONE],
          [1, 4, ErrorCode.NONE],
          [2, 0, ErrorCode.NONE],
          [7, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ],
      );
      // Deleting below the current start is accepted and changes nothing.
      assert.deepEqual(await deleteRecords(1, [{ partitionIndex: 0, offset: 1 }]), [[0, 2, ErrorCode.NONE]]);
      assert.deepEqual(
        await deleteRecords(2, [
          { partitionIndex: 0, offset: 7 },
          { partitionIndex: 0, offset: -5 },
        ]),
        [
          [0, -1, ErrorCode.OFFSET_OUT_OF_RANGE],
          [0, -1, ErrorCode.OFFSET_OUT_OF_RANGE],
        ],
      );
      assert.deepEqual(await deleteRecords(2, [{ partitionIndex: 0, offset: 0 }], "nowhere"), [[0, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);

      // A compacted topic keeps its records: the policy is checked as it is now, not at creation.
      assert.deepEqual(
        await incremental(client, 1, [{ resourceType: TOPIC, resourceName: "trimmed", configs: [{ name: "cleanup.policy", configOperation: SET, value: "compact" }] }]),
        [[ErrorCode.NONE, null]],
      );
      assert.deepEqual(await deleteRecords(2, [{ partitionIndex: 0, offset: 3 }]), [[0, -1, ErrorCode.POLICY_VIOLATION]]);
    });
  });
});

test("DescribeCluster v0-v1: brokers on the client's listener, cluster id, endpoint type checks", async () => {
  await withBroker(async (broker) => {
    await withClient(broker, async (client) => {
      for (const version of [0, 1]) {
        const response = await client.send<DescribeClusterResponse>(ApiKey.DescribeCluster, version, {
          includeClusterAuthorizedOperations: version === 1,
          endpointType: 1,
        });
        assert.equal(response.errorCode, ErrorCode.NONE);
        assert.equal(response.clusterId, broker.clusterId);
        assert.equal(response.controllerId, broker.nodeId);
        assert.deepEqual(response.brokers, [{ brokerId: broker.nodeId, host: broker.listeners[0].host, port: broker.listeners[0].port, rack: null }]);
        if (version === 1) assert.ok(response.clusterAuthorizedOperations > 0);
        else assert.equal(response.clusterAuthorizedOperations, -2147483648);
      }
      const controller = await client.send<DescribeClusterResponse>(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
      assert.deepEqual(
        [controller.errorCode, controller.errorMessage],
        [ErrorCode.MISMATCHED_ENDPOINT_TYPE, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"],
      );
      const unknown = await client.send<DescribeClusterResponse>(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 9 });
      assert.deepEqual([unknown.errorCode, unknown.errorMessage], [ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, "Unsupported endpoint type 9"]);
    });
  });
});

test("DescribeLogDirs v1-v4: partition sizes per log dir; volume sizes (v4) for a broker on disk", async () => {
  await withBroker(
    async (broker) => {
      await withClient(broker, async (client) => {
        await createTopic(client, "sized", 2);
        await createTopic(client, "other", 1);
        await produce(client, "sized", 0, 3);
        for (const version of [1, 2, 3, 4]) {
          const response = await client.send<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, version, {
            topics: [{ topic: "sized", partitions: [0, 1, 5] }],
          });
          assert.equal(response.errorCode, ErrorCode.NONE);
          assert.equal(response.results.length, 1);
          const [dir] = response.results;
          assert.deepEqual([dir.errorCode, dir.logDir], [ErrorCode.NONE, resolve("/memory-logs")]);
          assert.deepEqual(
            dir.topics.map((topic) => [topic.name, topic.partitions.map((partition) => [partition.partitionIndex, partition.partitionSize > 0, partition.offsetLag])]),
            [["sized", [[0, true, 0], [1, false, 0]]]],
          );
          // Storage in memory has no volume: unknown, as Kafka's default says.
          assert.deepEqual([dir.totalBytes, dir.usableBytes], [-1, -1]);
        }
        const all = await client.send<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, 4, { topics: null });
        assert.deepEqual(all.results[0].topics.map((topic) => [topic.name, topic.partitions.length]), [["other", 1], ["sized", 2]]);
      });
    },
    { config: { "log.dirs": "/memory-logs" } },
  );

  const dataDir = await mkdtemp(join(tmpdir(), "tributary-log-dirs-"));
  try {
    await withBroker(
      async (broker) => {
        await withClient(broker, async (client) => {
          await createTopic(client, "on-disk", 1);
          await produce(client, "on-disk", 0, 2);
          const response = await client.send<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, 4, { topics: null });
          const [dir] = response.results;
          assert.equal(dir.logDir, resolve(dataDir));
          assert.ok(dir.totalBytes > 0, `total bytes ${dir.totalBytes}`);
          assert.ok(dir.usableBytes >= 0 && dir.usableBytes <= dir.totalBytes, `usable bytes ${dir.usableBytes}`);
          assert.ok(dir.topics[0].partitions[0].partitionSize > 0);
          const v3 = await client.send<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, 3, { topics: null });
          assert.deepEqual([v3.results[0].totalBytes, v3.results[0].usableBytes], [-1, -1], "v3 has no volume fields");
        });
      },
      { storage: "disk", dataDir },
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
