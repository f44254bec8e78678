// The topic and config controllers against a real local metadata store: compare-and-set keeps
// concurrent writers from losing updates (another process is simulated by a store that commits
// its own change just before ours), a topic deletion takes its configs with it in one commit and
// cannot leave configs behind when it races a config change, and hosted logs follow: a changed
// topic config reaches the PartitionLog's config, a deleted topic's log goes (renamed
// <topic>-<partition>.<id>-delete first), and a topic re-created under the same name starts empty.

import { test } from "node:test";
import assert from "node:assert/strict";
import { LocalMetadataStore } from "../../src/cluster/metadata/local-metadata-store.js";
import { ClusterImage } from "../../src/cluster/metadata/cluster-image.js";
import type { MetadataEntry, MetadataEvent, MetadataOp, MetadataStore } from "../../src/cluster/metadata/metadata-store.js";
import { brokerKey, topicConfigsKey, topicKey, type TopicRecord } from "../../src/cluster/metadata/metadata-records.js";
import { TopicController } from "../../src/cluster/controller/topic-controller.js";
import { AlterConfigOpType, ConfigResourceType, type BrokerScope, type ConfigAlteration } from "../../src/cluster/controller/config-controller.js";
import { brokerConfigWith, resolveLogConfig, validateTopicConfigs } from "../../src/config/index.js";
import { ReplicaManager } from "../../src/broker/replica-manager.js";
import { LogManager, MemoryFileSystem } from "../../src/storage/index.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";
import { systemClock } from "../../src/lib/clock.js";
import { silentLogger } from "../../src/lib/logger.js";

const NODE_ID = 1;
const LOG_DIR = "/data";

/** A store that lets a test commit "another process's" change just before our next commit of a key. */
class InterferingStore implements MetadataStore {
  private readonly interference = new Map<string, () => Promise<unknown>>();

  constructor(readonly inner: MetadataStore) {}

  /** Runs `action` once, right before the next commit that touches `key`. */
  interfere(key: string, action: () => Promise<unknown>): void {
    this.interference.set(key, action);
  }

  get(key: string): Promise<MetadataEntry | undefined> {
    return this.inner.get(key);
  }

  list(prefix: string): Promise<MetadataEntry[]> {
    return this.inner.list(prefix);
  }

  async commit(ops: readonly MetadataOp[]): Promise<number> {
    for (const op of ops) {
      const action = this.interference.get(op.key);
      if (action === undefined) continue;
      this.interference.delete(op.key);
      await action();
    }
    return this.inner.commit(ops);
  }

  watch(prefix: string, listener: (events: readonly MetadataEvent[]) => void): () => void {
    return this.inner.watch(prefix, listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Fixture {
  readonly store: InterferingStore;
  readonly image: ClusterImage;
  readonly topics: TopicController;
  readonly scope: BrokerScope;
  close(): Promise<void>;
}

async function fixture(): Promise<Fixture> {
  const inner = await LocalMetadataStore.open(null);
  const store = new InterferingStore(inner);
  await inner.commit([{ type: "put", key: brokerKey(NODE_ID), value: JSON.stringify({ nodeId: NODE_ID, endpoints: [], rack: null }) }]);
  const image = await ClusterImage.load(store);
  const config = brokerConfigWith({ "node.id": String(NODE_ID), "log.dirs": LOG_DIR });
  const topics = new TopicController(
    store,
    image,
    () => ({ numPartitions: 1, defaultReplicationFactor: 1 }),
    (configs) => [...validateTopicConfigs(configs, config).values()],
  );
  return {
    store,
    image,
    topics,
    scope: { nodeId: NODE_ID, settings: () => config },
    async close() {
      image.close();
      await store.close();
    },
  };
}

async function createTopic(topics: TopicController, name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<TopicRecord> {
  const [outcome] = await topics.createTopics([{ name, numPartitions, replicationFactor: 1, assignments: [], configs }], false);
  assert.equal(outcome.errorCode, ErrorCode.NONE, outcome.errorMessage ?? "");
  assert.ok(outcome.topic !== null);
  return outcome.topic;
}

async function storedConfigs(store: MetadataStore, key: string): Promise<Record<string, string> | undefined> {
  const entry = await store.get(key);
  return entry === undefined ? undefined : (JSON.parse(entry.value) as { configs: Record<string, string> }).configs;
}

function setTopicConfig(name: string, config: string, value: string): ConfigAlteration {
  return { resourceType: ConfigResourceType.TOPIC, resourceName: name, changes: [{ name: config, operation: AlterConfigOpType.SET, value }] };
}

const noLoggers = (): never => assert.fail("no BROKER_LOGGER resource in these tests");

test("a topic config change that loses a compare-and-set race re-applies on the winner's configs", async () => {
  const { store, topics, scope, close } = await fixture();
  try {
    await createTopic(topics, "raced", 1, { "retention.ms": "1000" });
    store.interfere(topicConfigsKey("raced"), () =>
      store.inner.commit([
        { type: "put", key: topicConfigsKey("raced"), value: JSON.stringify({ configs: { "retention.ms": "1000", "cleanup.policy": "compact" } }) },
      ]),
    );
    const outcomes = await topics.configs.incrementalAlterConfigs([setTopicConfig("raced", "segment.bytes", "2048")], false, scope, noLoggers);
    assert.deepEqual(outcomes, [{ errorCode: ErrorCode.NONE, errorMessage: null }]);
    assert.deepEqual(await storedConfigs(store, topicConfigsKey("raced")), {
      "cleanup.policy": "compact",
      "retention.ms": "1000",
      "segment.bytes": "2048",
    });
  } finally {
    await close();
  }
});

test("a topic config change racing the topic's deletion fails and leaves no configs behind", async () => {
  const { store, topics, scope, close } = await fixture();
  try {
    await createTopic(topics, "vanishing", 1);
    store.interfere(topicConfigsKey("vanishing"), () =>
      store.inner.commit([
        { type: "delete", key: topicKey("vanishing") },
        { type: "delete", key: topicConfigsKey("vanishing") },
      ]),
    );
    const outcomes = await topics.configs.incrementalAlterConfigs([setTopicConfig("vanishing", "retention.ms", "5000")], false, scope, noLoggers);
    assert.deepEqual(outcomes, [{ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "The topic 'vanishing' does not exist." }]);
    assert.equal(await store.get(topicConfigsKey("vanishing")), undefined);
    // A topic created again under that name gets none of the lost change.
    await createTopic(topics, "vanishing", 1);
    assert.equal(await store.get(topicConfigsKey("vanishing")), undefined);

    // The same race for a topic that has overrides: their compare-and-set is what fails.
    await createTopic(topics, "configured", 1, { "retention.ms": "1000" });
    store.interfere(topicConfigsKey("configured"), () =>
      store.inner.commit([
        { type: "delete", key: topicKey("configured") },
        { type: "delete", key: topicConfigsKey("configured") },
      ]),
    );
    const again = await topics.configs.alterConfigs(
      [{ resourceType: ConfigResourceType.TOPIC, resourceName: "configured", configs: [{ name: "retention.ms", value: "2000" }] }],
      false,
      scope,
    );
    assert.deepEqual(again, [{ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "The topic 'configured' does not exist." }]);
    assert.equal(await store.get(topicConfigsKey("configured")), undefined);
  } finally {
    await close();
  }
});

test("adding partitions re-checks against a concurrent addition", async () => {
  const { store, topics, close } = await fixture();
  try {
    const topic = await createTopic(topics, "growing", 2);
    const grownElsewhere = (count: number): (() => Promise<unknown>) => async () => {
      const entry = await store.inner.get(topicKey("growing"));
      const current = JSON.parse(entry!.value) as TopicRecord;
      const partitions = Array.from({ length: count }, (_, partition) => current.partitions[partition] ?? { ...current.partitions[0], partition });
      return store.inner.commit([{ type: "put", key: topicKey("growing"), value: JSON.stringify({ ...topic, partitions }) }]);
    };
    store.interfere(topicKey("growing"), grownElsewhere(4));
    assert.deepEqual(await topics.createPartitions([{ name: "growing", count: 4, assignments: null }], false), [
      { name: "growing", errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: "Topic already has 4 partition(s)." },
    ]);
    store.interfere(topicKey("growing"), grownElsewhere(5));
    assert.deepEqual(await topics.createPartitions([{ name: "growing", count: 6, assignments: null }], false), [
      { name: "growing", errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    const stored = JSON.parse((await store.get(topicKey("growing")))!.value) as TopicRecord;
    assert.deepEqual(
      stored.partitions.map((partition) => partition.partition),
      [0, 1, 2, 3, 4, 5],
    );
  } finally {
    await close();
  }
});

test("concurrent config changes in one process all land", async () => {
  const { store, topics, scope, close } = await fixture();
  try {
    const count = 20;
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        topics.configs.incrementalAlterConfigs(
          [{ resourceType: ConfigResourceType.BROKER, resourceName: String(NODE_ID), changes: [{ name: `custom.key${index}`, operation: AlterConfigOpType.SET, value: String(index) }] }],
          false,
          scope,
          noLoggers,
        ),
      ),
    );
    assert.ok(outcomes.every(([outcome]) => outcome.errorCode === ErrorCode.NONE));
    const stored = await storedConfigs(store, `configs/brokers/${NODE_ID}`);
    assert.equal(Object.keys(stored ?? {}).length, count);
  } finally {
    await close();
  }
});

test("deleting topics removes each topic with its configs in one commit", async () => {
  const { store, topics, close } = await fixture();
  try {
    const first = await createTopic(topics, "first", 1, { "retention.ms": "1000" });
    await createTopic(topics, "second", 2, { "cleanup.policy": "compact" });
    const batches: string[][] = [];
    const unwatch = store.watch("", (events) => batches.push(events.map((event) => `${event.type} ${event.type === "put" ? event.entry.key : event.key}`)));
    const outcomes = await topics.deleteTopics([
      { name: null, topicId: first.topicId },
      { name: "second", topicId: ZERO_UUID },
    ]);
    unwatch();
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.name, outcome.errorCode]),
      [
        ["first", ErrorCode.NONE],
        ["second", ErrorCode.NONE],
      ],
    );
    assert.deepEqual(batches, [["delete topics/first", "delete configs/topics/first", "delete topics/second", "delete configs/topics/second"]]);
  } finally {
    await close();
  }
});

test("hosted logs follow: config changes reach the PartitionLog, deletion removes the log, re-creation starts empty", async () => {
  const { store, image, topics, scope, close } = await fixture();
  const fs = new MemoryFileSystem();
  const config = scope.settings();
  const logs = await LogManager.open({
    fs,
    clock: systemClock,
    logDirs: [LOG_DIR],
    defaultConfig: config.defaultLogConfig,
    configForTopic: (topic) => resolveLogConfig(config, image.topicConfigOverrides(topic)),
  });
  const replicas = new ReplicaManager(NODE_ID, image, logs, () => config, silentLogger());
  await replicas.start();
  try {
    const created = await createTopic(topics, "followed", 1);
    await replicas.settled();
    const hosted = replicas.get("followed", 0);
    assert.ok(hosted !== undefined);
    assert.equal(hosted.log.config.segmentBytes, 1073741824);

    const outcomes = await topics.configs.incrementalAlterConfigs(
      [
        {
          resourceType: ConfigResourceType.TOPIC,
          resourceName: "followed",
          changes: [
            { name: "segment.bytes", operation: AlterConfigOpType.SET, value: "4096" },
            { name: "retention.ms", operation: AlterConfigOpType.SET, value: "5000" },
            { name: "cleanup.policy", operation: AlterConfigOpType.APPEND, value: "compact" },
          ],
        },
      ],
      false,
      scope,
      noLoggers,
    );
    assert.deepEqual(outcomes, [{ errorCode: ErrorCode.NONE, errorMessage: null }]);
    await replicas.settled();
    assert.equal(hosted.log.config.segmentBytes, 4096);
    assert.equal(hosted.log.config.retentionMs, 5000);
    assert.equal(hosted.log.config.cleanupPolicy, "compact,delete");

    await topics.configs.alterConfigs([{ resourceType: ConfigResourceType.TOPIC, resourceName: "followed", configs: [] }], false, scope);
    await replicas.settled();
    assert.equal(hosted.log.config.segmentBytes, 1073741824, "the legacy API with no configs removes every override");
    assert.equal(hosted.log.config.retentionMs, 604800000);

    const [deleted] = await topics.deleteTopics([{ name: "followed", topicId: ZERO_UUID }]);
    assert.equal(deleted.errorCode, ErrorCode.NONE);
    await replicas.settled();
    assert.equal(replicas.get("followed", 0), undefined);
    assert.equal(logs.getLog("followed", 0), undefined);
    const renamed = (await fs.readdir(LOG_DIR)).filter((name) => name.startsWith("followed-0."));
    assert.equal(renamed.length, 1);
    assert.match(renamed[0], /^followed-0\.[0-9a-f]+-delete$/);

    const recreated = await createTopic(topics, "followed", 1);
    assert.notEqual(recreated.topicId, created.topicId);
    await replicas.settled();
    const fresh = replicas.get("followed", 0);
    assert.ok(fresh !== undefined);
    assert.equal(fresh.topicId, recreated.topicId);
    assert.deepEqual([fresh.log.logStartOffset, fresh.log.logEndOffset], [0, 0]);
  } finally {
    replicas.stop();
    await logs.close();
    await close();
    assert.equal(await store.get(topicKey("never")), undefined);
  }
});
