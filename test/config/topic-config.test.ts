// Topic configs: Kafka's validation rules and messages, and resolution through the broker synonyms
// in Kafka's order (topic override > log.retention.ms > log.retention.minutes > log.retention.hours).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { brokerConfigWith } from "../../src/config/broker-config.js";
import { ConfigError } from "../../src/config/config-error.js";
import { resolveLogConfig, resolveTopicConfig, validateTopicConfigs } from "../../src/config/topic-config.js";
import { DEFAULT_LOG_CONFIG } from "../../src/storage/log-config.js";

const HOUR_MS = 60 * 60 * 1000;

describe("validateTopicConfigs", () => {
  test("valid overrides produce no errors", () => {
    const errors = validateTopicConfigs({
      "cleanup.policy": "compact,delete",
      "compression.type": "zstd",
      "compression.zstd.level": "-5",
      "retention.ms": "-1",
      "segment.bytes": "14",
      "min.cleanable.dirty.ratio": "0.1",
      "message.timestamp.type": "LogAppendTime",
      "leader.replication.throttled.replicas": "0:1,1:2",
      "follower.replication.throttled.replicas": "*",
      "flush.messages": "9223372036854775807",
    });
    assert.deepEqual([...errors], []);
  });

  test("each bad key gets Kafka's INVALID_CONFIG wording", () => {
    const errors = validateTopicConfigs(
      new Map<string, string | null>([
        ["segment.bytes", "13"],
        ["retention.ms", "-2"],
        ["cleanup.policy", "compact,remove"],
        ["compression.type", "brotli"],
        ["compression.gzip.level", "0"],
        ["min.cleanable.dirty.ratio", "1.5"],
        ["max.message.bytes", "big"],
        ["leader.replication.throttled.replicas", "0-1"],
        ["unknown.setting", "1"],
        ["preallocate", null],
      ]),
    );
    assert.deepEqual(Object.fromEntries(errors), {
      "segment.bytes": "Invalid value 13 for configuration segment.bytes: Value must be at least 14",
      "retention.ms": "Invalid value -2 for configuration retention.ms: Value must be at least -1",
      "cleanup.policy": 'Invalid value compact,remove for configuration cleanup.policy: String must be one of: compact, delete (got "remove")',
      "compression.type": "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
      "compression.gzip.level": "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1",
      "min.cleanable.dirty.ratio": "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1",
      "max.message.bytes": "Invalid value big for configuration max.message.bytes: Not a number of type INT",
      "leader.replication.throttled.replicas":
        'Invalid value 0-1 for configuration leader.replication.throttled.replicas: Must be * or a list of replicas written partitionId:brokerId (got "0-1")',
      "unknown.setting": "Unknown topic config name: unknown.setting",
      preallocate: "Null value not supported for topic configs: preallocate",
    });
  });

  test("an empty cleanup.policy and remote storage are refused", () => {
    const errors = validateTopicConfigs({ "cleanup.policy": "", "remote.storage.enable": "true" });
    assert.match(errors.get("cleanup.policy") ?? "", /At least one of compact, delete must be listed/);
    assert.match(errors.get("remote.storage.enable") ?? "", /Tiered Storage functionality is disabled in the broker/);
  });

  test("min.compaction.lag.ms may not exceed max.compaction.lag.ms, counting broker defaults", () => {
    assert.equal(
      validateTopicConfigs({ "min.compaction.lag.ms": "5000", "max.compaction.lag.ms": "1000" }).get("min.compaction.lag.ms"),
      "conflict topic config setting min.compaction.lag.ms (5000) > max.compaction.lag.ms (1000)",
    );
    const broker = brokerConfigWith({ "log.cleaner.max.compaction.lag.ms": "1000" });
    assert.ok(validateTopicConfigs({ "min.compaction.lag.ms": "5000" }, broker).has("min.compaction.lag.ms"));
    assert.equal(validateTopicConfigs({ "min.compaction.lag.ms": "5000" }).size, 0);
  });
});

describe("resolveLogConfig", () => {
  test("a default broker and no overrides give storage's DEFAULT_LOG_CONFIG", () => {
    assert.deepEqual(resolveLogConfig(brokerConfigWith()), DEFAULT_LOG_CONFIG);
  });

  test("retention: topic retention.ms > log.retention.ms > log.retention.minutes > log.retention.hours", () => {
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.retention.hours": "24" })).retentionMs, 24 * HOUR_MS);
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.retention.hours": "24", "log.retention.minutes": "30" })).retentionMs, 30 * 60 * 1000);
    const allThree = brokerConfigWith({ "log.retention.hours": "24", "log.retention.minutes": "30", "log.retention.ms": "5000" });
    assert.equal(resolveLogConfig(allThree).retentionMs, 5000);
    assert.equal(resolveLogConfig(allThree, { "retention.ms": "123" }).retentionMs, 123);
  });

  test("a negative broker retention time means forever (-1)", () => {
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.retention.hours": "-5" })).retentionMs, -1);
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.retention.ms": "-7" })).retentionMs, -1);
  });

  test("segment.ms from log.roll.ms, else log.roll.hours; jitter likewise", () => {
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.roll.hours": "2" })).segmentMs, 2 * HOUR_MS);
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.roll.hours": "2", "log.roll.ms": "60000" })).segmentMs, 60000);
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.roll.jitter.hours": "1" })).segmentJitterMs, HOUR_MS);
  });

  test("flush.ms from log.flush.interval.ms, else log.flush.scheduler.interval.ms", () => {
    assert.equal(resolveLogConfig(brokerConfigWith()).flushMs, Number.MAX_SAFE_INTEGER);
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.flush.scheduler.interval.ms": "3000" })).flushMs, 3000);
    assert.equal(resolveLogConfig(brokerConfigWith({ "log.flush.scheduler.interval.ms": "3000", "log.flush.interval.ms": "100" })).flushMs, 100);
  });

  test("single-name synonyms: message.max.bytes, log.segment.bytes, log.cleaner.*, log.cleanup.policy", () => {
    const broker = brokerConfigWith({
      "message.max.bytes": "2000000",
      "log.segment.bytes": "1048576",
      "log.cleaner.delete.retention.ms": "1000",
      "log.cleaner.min.cleanable.ratio": "0.25",
      "log.cleanup.policy": "compact",
      "log.segment.delete.delay.ms": "5",
      "log.index.size.max.bytes": "4096",
      "log.message.timestamp.type": "LogAppendTime",
      "log.preallocate": "true",
    });
    const logConfig = resolveLogConfig(broker);
    assert.equal(logConfig.maxMessageBytes, 2000000);
    assert.equal(logConfig.segmentBytes, 1048576);
    assert.equal(logConfig.deleteRetentionMs, 1000);
    assert.equal(logConfig.minCleanableDirtyRatio, 0.25);
    assert.equal(logConfig.cleanupPolicy, "compact");
    assert.equal(logConfig.fileDeleteDelayMs, 5);
    assert.equal(logConfig.segmentIndexBytes, 4096);
    assert.equal(logConfig.messageTimestampType, "LogAppendTime");
    assert.equal(logConfig.preallocate, true);
  });

  test("cleanup.policy lists normalise to storage's three policies", () => {
    const broker = brokerConfigWith();
    assert.equal(resolveLogConfig(broker, { "cleanup.policy": "delete,compact" }).cleanupPolicy, "compact,delete");
    assert.equal(resolveLogConfig(broker, { "cleanup.policy": "delete,delete" }).cleanupPolicy, "delete");
  });

  test("overrides may be a Map; an invalid or unknown override throws ConfigError", () => {
    const broker = brokerConfigWith();
    assert.equal(resolveLogConfig(broker, new Map([["segment.bytes", "4096"]])).segmentBytes, 4096);
    assert.throws(() => resolveLogConfig(broker, { "segment.bytes": "1" }), ConfigError);
    assert.throws(() => resolveLogConfig(broker, { "retention.hours": "1" }), /Unknown topic config name: retention.hours/);
  });
});

test("resolveTopicConfig carries the settings storage does not own", () => {
  const broker = brokerConfigWith({ "min.insync.replicas": "2", "compression.type": "lz4", "unclean.leader.election.enable": "true" });
  const resolved = resolveTopicConfig(broker, { "compression.lz4.level": "12", "local.retention.ms": "-2", "retention.ms": "99" });
  assert.equal(resolved.minInsyncReplicas, 2);
  assert.equal(resolved.compressionType, "lz4");
  assert.equal(resolved.compressionLz4Level, 12);
  assert.equal(resolved.uncleanLeaderElectionEnable, true);
  assert.equal(resolved.localRetentionMs, 99);
  assert.equal(resolved.localRetentionBytes, -1);
  assert.deepEqual(resolved.leaderReplicationThrottledReplicas, []);
});
