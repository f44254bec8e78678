// DescribeConfigs entries: Kafka's source ids, synonyms in Kafka's order, hidden passwords and
// unknown keys, read-only flags from the dynamic scopes, config type ids, documentation.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EMBEDDED_DEFAULTS, brokerConfigWith, loadBrokerConfig } from "../../src/config/broker-config.js";
import { CONFIG_SOURCE, CONFIG_TYPE } from "../../src/config/config-source.js";
import {
  describeBrokerConfigs,
  describeClusterDefaultBrokerConfigs,
  describeTopicConfigs,
  type DescribeConfigsEntry,
} from "../../src/config/describe-configs.js";
import { BROKER_CONFIG_DEFINITIONS, TOPIC_CONFIG_DEFINITIONS } from "../../src/config/definitions/index.js";

const { STATIC_BROKER_CONFIG, DEFAULT_CONFIG, DYNAMIC_TOPIC_CONFIG, DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG } = CONFIG_SOURCE;

function entry(entries: readonly DescribeConfigsEntry[], name: string): DescribeConfigsEntry {
  const found = entries.find((candidate) => candidate.name === name);
  assert.ok(found !== undefined, `no entry for ${name}`);
  return found;
}

test("Kafka's ConfigSource and ConfigType ids", () => {
  assert.deepEqual(CONFIG_SOURCE, {
    UNKNOWN: 0,
    DYNAMIC_TOPIC_CONFIG: 1,
    DYNAMIC_BROKER_CONFIG: 2,
    DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
    STATIC_BROKER_CONFIG: 4,
    DEFAULT_CONFIG: 5,
    DYNAMIC_BROKER_LOGGER_CONFIG: 6,
    CLIENT_METRICS_CONFIG: 7,
    GROUP_CONFIG: 8,
  });
  assert.deepEqual(CONFIG_TYPE, { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 });
});

describe("describeBrokerConfigs", () => {
  test("lists every defined config, sorted, each with type and documentation", () => {
    const entries = describeBrokerConfigs(brokerConfigWith());
    assert.equal(entries.length, BROKER_CONFIG_DEFINITIONS.length);
    assert.deepEqual(entries.map((item) => item.name), [...entries.map((item) => item.name)].sort());
    assert.ok(entries.every((item) => item.documentation !== null && item.configType !== CONFIG_TYPE.UNKNOWN));
  });

  test("defaults: source DEFAULT_CONFIG, one DEFAULT synonym; Long.MAX_VALUE shown exactly", () => {
    const entries = describeBrokerConfigs(brokerConfigWith());
    assert.deepEqual(entry(entries, "log.flush.interval.messages"), {
      ...entry(entries, "log.flush.interval.messages"),
      value: "9223372036854775807",
      source: DEFAULT_CONFIG,
      synonyms: [{ name: "log.flush.interval.messages", value: "9223372036854775807", source: DEFAULT_CONFIG }],
      configType: CONFIG_TYPE.LONG,
      readOnly: false,
    });
    const rolls = entry(entries, "log.roll.ms");
    assert.equal(rolls.value, null, "an unset config has a null value");
    assert.equal(rolls.source, DEFAULT_CONFIG);
    assert.deepEqual(rolls.synonyms, []);
  });

  test("static values come first, then the defaults of the same names", () => {
    const { config } = loadBrokerConfig({ embeddedDefaults: EMBEDDED_DEFAULTS, overrides: { "log.retention.hours": "24" } });
    const entries = describeBrokerConfigs(config);
    const hours = entry(entries, "log.retention.hours");
    assert.equal(hours.value, "24");
    assert.equal(hours.source, STATIC_BROKER_CONFIG);
    assert.equal(hours.readOnly, true);
    assert.deepEqual(hours.synonyms, [
      { name: "log.retention.hours", value: "24", source: STATIC_BROKER_CONFIG },
      { name: "log.retention.hours", value: "168", source: DEFAULT_CONFIG },
    ]);
    const replication = entry(entries, "offsets.topic.replication.factor");
    assert.equal(replication.configType, CONFIG_TYPE.SHORT);
    assert.deepEqual(replication.synonyms.map((synonym) => [synonym.value, synonym.source]), [["1", STATIC_BROKER_CONFIG], ["3", DEFAULT_CONFIG]]);
  });

  test("describing a lower-precedence name omits the names that shadow it, as Kafka does", () => {
    const entries = describeBrokerConfigs(brokerConfigWith({ "log.retention.ms": "1000" }));
    assert.deepEqual(entry(entries, "log.retention.hours").synonyms, [{ name: "log.retention.hours", value: "168", source: DEFAULT_CONFIG }]);
    assert.deepEqual(entry(entries, "log.retention.ms").synonyms, [
      { name: "log.retention.ms", value: "1000", source: STATIC_BROKER_CONFIG },
      { name: "log.retention.hours", value: "168", source: DEFAULT_CONFIG },
    ]);
  });

  test("passwords and unknown keys are sensitive and hidden", () => {
    const entries = describeBrokerConfigs(brokerConfigWith({ "ssl.keystore.password": "hunter2", "my.plugin.secret": "s3cret" }));
    const password = entry(entries, "ssl.keystore.password");
    assert.equal(password.isSensitive, true);
    assert.equal(password.value, null);
    assert.equal(password.configType, CONFIG_TYPE.PASSWORD);
    assert.deepEqual(password.synonyms, [{ name: "ssl.keystore.password", value: null, source: STATIC_BROKER_CONFIG }]);
    const unknown = entry(entries, "my.plugin.secret");
    assert.equal(unknown.isSensitive, true);
    assert.equal(unknown.value, null);
    assert.equal(unknown.configType, CONFIG_TYPE.UNKNOWN);
    assert.equal(unknown.readOnly, true);
  });

  test("listener-prefixed keys take the type and synonym of their base config", () => {
    const entries = describeBrokerConfigs(brokerConfigWith({ "listener.name.plaintext.max.connections": "10", "max.connections": "20" }));
    const prefixed = entry(entries, "listener.name.plaintext.max.connections");
    assert.equal(prefixed.value, "10");
    assert.equal(prefixed.configType, CONFIG_TYPE.INT);
    assert.deepEqual(prefixed.synonyms, [
      { name: "listener.name.plaintext.max.connections", value: "10", source: STATIC_BROKER_CONFIG },
      { name: "max.connections", value: "20", source: STATIC_BROKER_CONFIG },
      { name: "max.connections", value: "2147483647", source: DEFAULT_CONFIG },
    ]);
  });

  test("read-only follows Kafka's dynamic update modes", () => {
    const entries = describeBrokerConfigs(brokerConfigWith());
    for (const [name, readOnly] of [
      ["log.retention.ms", false],
      ["log.retention.hours", true],
      ["listeners", false],
      ["num.io.threads", false],
      ["num.partitions", true],
      ["message.max.bytes", false],
      ["log.dirs", true],
    ] as const) {
      assert.equal(entry(entries, name).readOnly, readOnly, name);
    }
  });

  test("dynamic configs rank above static ones", () => {
    const config = brokerConfigWith({ "log.retention.ms": "1000" });
    const entries = describeBrokerConfigs(config, { clusterDefault: { "log.retention.ms": "2000" }, perBroker: { "log.retention.ms": "3000" } });
    const retention = entry(entries, "log.retention.ms");
    assert.equal(retention.value, "3000");
    assert.equal(retention.source, DYNAMIC_BROKER_CONFIG);
    assert.deepEqual(retention.synonyms.map((synonym) => [synonym.value, synonym.source]), [
      ["3000", DYNAMIC_BROKER_CONFIG],
      ["2000", DYNAMIC_DEFAULT_BROKER_CONFIG],
      ["1000", STATIC_BROKER_CONFIG],
      ["168", DEFAULT_CONFIG],
    ]);
  });

  test("the cluster-default resource lists only the dynamic defaults", () => {
    const entries = describeClusterDefaultBrokerConfigs(brokerConfigWith(), { clusterDefault: { "log.retention.ms": "2000" }, perBroker: { "max.connections": "5" } });
    assert.deepEqual(entries.map((item) => [item.name, item.value, item.source, item.synonyms.length]), [["log.retention.ms", "2000", DYNAMIC_DEFAULT_BROKER_CONFIG, 1]]);
  });
});

describe("describeTopicConfigs", () => {
  test("lists every topic config; without overrides values come from the broker", () => {
    const entries = describeTopicConfigs(brokerConfigWith());
    assert.deepEqual(entries.map((item) => item.name), TOPIC_CONFIG_DEFINITIONS.map((definition) => definition.name).sort());
    const segmentBytes = entry(entries, "segment.bytes");
    assert.equal(segmentBytes.value, "1073741824");
    assert.equal(segmentBytes.source, DEFAULT_CONFIG);
    assert.equal(segmentBytes.readOnly, false);
    assert.deepEqual(segmentBytes.synonyms, [{ name: "log.segment.bytes", value: "1073741824", source: DEFAULT_CONFIG }]);
    const flushMessages = entry(entries, "flush.messages");
    assert.equal(flushMessages.value, "9223372036854775807");
    const remote = entry(entries, "remote.storage.enable");
    assert.deepEqual([remote.value, remote.source, remote.synonyms], ["false", DEFAULT_CONFIG, []]);
  });

  test("retention.ms: topic override, then log.retention.* by source and precedence", () => {
    const broker = brokerConfigWith({ "log.retention.hours": "24", "log.retention.minutes": "90" });
    const withoutOverride = entry(describeTopicConfigs(broker, {}), "retention.ms");
    assert.equal(withoutOverride.value, String(90 * 60 * 1000));
    assert.equal(withoutOverride.source, STATIC_BROKER_CONFIG);
    assert.deepEqual(withoutOverride.synonyms, [
      { name: "log.retention.minutes", value: "90", source: STATIC_BROKER_CONFIG },
      { name: "log.retention.hours", value: "24", source: STATIC_BROKER_CONFIG },
      { name: "log.retention.hours", value: "168", source: DEFAULT_CONFIG },
    ]);
    const withOverride = entry(describeTopicConfigs(broker, { "retention.ms": "1000" }), "retention.ms");
    assert.equal(withOverride.value, "1000");
    assert.equal(withOverride.source, DYNAMIC_TOPIC_CONFIG);
    assert.deepEqual(withOverride.synonyms[0], { name: "retention.ms", value: "1000", source: DYNAMIC_TOPIC_CONFIG });
    assert.equal(withOverride.synonyms.length, 4);
  });

  test("values are canonical and typed ids are right", () => {
    const entries = describeTopicConfigs(brokerConfigWith(), { "cleanup.policy": "compact , delete", "min.cleanable.dirty.ratio": "1" });
    assert.equal(entry(entries, "cleanup.policy").value, "compact,delete");
    assert.equal(entry(entries, "cleanup.policy").configType, CONFIG_TYPE.LIST);
    assert.equal(entry(entries, "min.cleanable.dirty.ratio").value, "1.0");
    assert.equal(entry(entries, "min.cleanable.dirty.ratio").configType, CONFIG_TYPE.DOUBLE);
    assert.equal(entry(entries, "preallocate").configType, CONFIG_TYPE.BOOLEAN);
  });

  test("dynamic broker configs feed topic defaults", () => {
    const entries = describeTopicConfigs(brokerConfigWith(), {}, { clusterDefault: { "log.segment.bytes": "4096" } });
    const segmentBytes = entry(entries, "segment.bytes");
    assert.equal(segmentBytes.value, "4096");
    assert.equal(segmentBytes.source, DYNAMIC_DEFAULT_BROKER_CONFIG);
  });

  test("an invalid override throws", () => {
    assert.throws(() => describeTopicConfigs(brokerConfigWith(), { "segment.ms": "0" }), /segment.ms: Value must be at least 1/);
  });
});
