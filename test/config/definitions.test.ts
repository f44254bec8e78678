// The tables themselves: every default parses and passes its own rule, names are unique and
// Kafka-shaped, the topic list is Kafka 4.0's, synonyms are in Kafka's order, and spot checks of
// Kafka 4.0 defaults and dynamic update modes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigValue } from "../../src/config/config-value.js";
import {
  BROKER_CONFIG_DEFINITIONS,
  BROKER_CONFIGS_BY_NAME,
  TOPIC_CONFIG_DEFINITIONS,
  TOPIC_CONFIGS_BY_NAME,
} from "../../src/config/definitions/index.js";

test("every default parses and passes its validator", () => {
  for (const definition of [...BROKER_CONFIG_DEFINITIONS, ...TOPIC_CONFIG_DEFINITIONS]) {
    const parsed = parseConfigValue(definition, definition.defaultValue);
    assert.ok(parsed.ok, `${definition.name}: ${parsed.ok ? "" : parsed.rule}`);
    if (definition.defaultValue !== null) assert.equal(parsed.display, definition.defaultValue, `${definition.name} default is canonical`);
  }
});

test("names are lower-case dotted words and documentation is one or two sentences", () => {
  for (const definition of [...BROKER_CONFIG_DEFINITIONS, ...TOPIC_CONFIG_DEFINITIONS]) {
    assert.match(definition.name, /^[a-z0-9]+(\.[a-z0-9]+)*$/, definition.name);
    assert.ok(definition.documentation.length > 20, `${definition.name} is documented`);
    const sentences = definition.documentation.split(/[.!?](\s|$)/).filter((part) => part.trim().length > 1);
    assert.ok(sentences.length <= 3, `${definition.name} documentation is short`);
  }
});

test("the topic configs are Kafka 4.0's list", () => {
  assert.deepEqual(
    TOPIC_CONFIG_DEFINITIONS.map((definition) => definition.name),
    [
      "cleanup.policy",
      "compression.type",
      "compression.gzip.level",
      "compression.lz4.level",
      "compression.zstd.level",
      "delete.retention.ms",
      "file.delete.delay.ms",
      "flush.messages",
      "flush.ms",
      "follower.replication.throttled.replicas",
      "index.interval.bytes",
      "leader.replication.throttled.replicas",
      "local.retention.bytes",
      "local.retention.ms",
      "max.compaction.lag.ms",
      "max.message.bytes",
      "message.downconversion.enable",
      "message.timestamp.after.max.ms",
      "message.timestamp.before.max.ms",
      "message.timestamp.type",
      "min.cleanable.dirty.ratio",
      "min.compaction.lag.ms",
      "min.insync.replicas",
      "preallocate",
      "remote.log.copy.disable",
      "remote.log.delete.on.disable",
      "remote.storage.enable",
      "retention.bytes",
      "retention.ms",
      "segment.bytes",
      "segment.index.bytes",
      "segment.jitter.ms",
      "segment.ms",
      "unclean.leader.election.enable",
    ],
  );
});

test("topic synonyms are in Kafka's order", () => {
  const synonyms = (name: string): string[] => (TOPIC_CONFIGS_BY_NAME.get(name)?.synonyms ?? []).map((synonym) => `${synonym.name}:${synonym.unit}`);
  assert.deepEqual(synonyms("retention.ms"), ["log.retention.ms:same", "log.retention.minutes:minutes", "log.retention.hours:hours"]);
  assert.deepEqual(synonyms("segment.ms"), ["log.roll.ms:same", "log.roll.hours:hours"]);
  assert.deepEqual(synonyms("segment.jitter.ms"), ["log.roll.jitter.ms:same", "log.roll.jitter.hours:hours"]);
  assert.deepEqual(synonyms("flush.ms"), ["log.flush.interval.ms:same", "log.flush.scheduler.interval.ms:same"]);
  assert.deepEqual(synonyms("max.message.bytes"), ["message.max.bytes:same"]);
  assert.deepEqual(synonyms("min.cleanable.dirty.ratio"), ["log.cleaner.min.cleanable.ratio:same"]);
  assert.deepEqual(synonyms("file.delete.delay.ms"), ["log.segment.delete.delay.ms:same"]);
  assert.deepEqual(synonyms("segment.index.bytes"), ["log.index.size.max.bytes:same"]);
  assert.deepEqual(synonyms("flush.messages"), ["log.flush.interval.messages:same"]);
  assert.deepEqual(synonyms("remote.storage.enable"), []);
});

test("Kafka 4.0 defaults", () => {
  const defaults: Record<string, string | null> = {
    "message.max.bytes": "1048588",
    "log.segment.bytes": "1073741824",
    "log.retention.hours": "168",
    "log.retention.ms": null,
    "log.flush.interval.messages": "9223372036854775807",
    "log.message.timestamp.after.max.ms": "3600000",
    "num.recovery.threads.per.data.dir": "2",
    "offsets.retention.minutes": "10080",
    "group.consumer.session.timeout.ms": "45000",
    "group.consumer.heartbeat.interval.ms": "5000",
    "transaction.max.timeout.ms": "900000",
    "transactional.id.expiration.ms": "604800000",
    "producer.id.expiration.ms": "86400000",
    "replica.lag.time.max.ms": "30000",
    "fetch.max.bytes": "57671680",
    "socket.request.max.bytes": "104857600",
    "log.cleaner.io.max.bytes.per.second": "1.7976931348623157E308",
    "listener.security.protocol.map": "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
  };
  for (const [name, value] of Object.entries(defaults)) assert.equal(BROKER_CONFIGS_BY_NAME.get(name)?.defaultValue, value, name);
  assert.equal(TOPIC_CONFIGS_BY_NAME.get("message.timestamp.after.max.ms")?.defaultValue, "3600000");
  assert.equal(TOPIC_CONFIGS_BY_NAME.get("message.timestamp.before.max.ms")?.defaultValue, "9223372036854775807");
});

test("where Tributary's default differs, Kafka's is recorded", () => {
  for (const name of ["node.id", "broker.id", "process.roles", "listeners", "log.dir"]) {
    assert.notEqual(BROKER_CONFIGS_BY_NAME.get(name)?.kafkaDefault, undefined, name);
  }
});

test("dynamic update modes follow Kafka's DynamicBrokerConfig", () => {
  const scope = (name: string) => BROKER_CONFIGS_BY_NAME.get(name)?.dynamicScope;
  for (const name of ["listeners", "advertised.listeners", "listener.security.protocol.map", "sasl.enabled.mechanisms", "ssl.keystore.location"]) {
    assert.equal(scope(name), "per-broker", name);
  }
  for (const name of ["max.connections", "num.network.threads", "num.io.threads", "log.retention.ms", "log.roll.ms", "message.max.bytes", "log.cleaner.threads", "min.insync.replicas", "metric.reporters", "producer.id.expiration.ms"]) {
    assert.equal(scope(name), "cluster-wide", name);
  }
  for (const name of ["log.retention.hours", "log.roll.hours", "log.flush.scheduler.interval.ms", "node.id", "log.dirs", "num.partitions", "offsets.topic.replication.factor"]) {
    assert.equal(scope(name), "read-only", name);
  }
  // Every first broker synonym of a topic config is dynamic, the later ones are not (Kafka's rule).
  for (const topic of TOPIC_CONFIG_DEFINITIONS) {
    topic.synonyms.forEach((synonym, index) => {
      const expected = index === 0 ? "cluster-wide" : "read-only";
      assert.equal(scope(synonym.name), expected, `${topic.name} <- ${synonym.name}`);
    });
  }
});
