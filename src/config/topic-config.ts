// Topic-level configs: validating a topic's overrides (CreateTopics, AlterConfigs) and resolving the
// effective value of every topic config from the overrides, then the broker synonyms in Kafka's order
// (retention.ms <- log.retention.ms, log.retention.minutes, log.retention.hours), then the table
// default. The result is the typed LogConfig storage runs with, plus the settings storage does not
// own (min.insync.replicas, compression, unclean leader election).

import type { CleanupPolicy, LogConfig, TimestampTypeName } from "../storage/log-config.js";
import { assert } from "../lib/assert.js";
import type { SynonymUnit, TopicConfigDefinition, TypedConfigValue } from "./config-definition.js";
import { ConfigError, formatConfigIssue, type ConfigIssue } from "./config-error.js";
import type { ConfigEntryValue, ConfigValueSource } from "./config-source.js";
import { checkValidator, parseConfigValue } from "./config-value.js";
import { BROKER_CONFIGS_BY_NAME, TOPIC_CONFIGS_BY_NAME, TOPIC_CONFIG_DEFINITIONS } from "./definitions/index.js";
import type { BROKER_COMPRESSION_TYPES } from "./definitions/topic-configs.js";

const MS_PER_MINUTE = 60 * 1000;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
/** local.retention.* value meaning "same as the non-local retention". */
const LOCAL_RETENTION_INHERIT = -2;

export type BrokerCompressionType = (typeof BROKER_COMPRESSION_TYPES)[number];

/** A topic's config overrides as stored or sent: a Map or a plain object. */
export type TopicConfigOverrides = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** Looks up the effective value of a broker config (a BrokerConfig's `values` map satisfies it). */
export interface BrokerValues {
  readonly values: ReadonlyMap<string, ConfigEntryValue>;
}

export interface ResolvedTopicValue {
  readonly typed: TypedConfigValue;
  readonly display: string | null;
  /** "topic": the topic's own override; "broker": a broker synonym; "default": the topic table default. */
  readonly origin: "topic" | "broker" | "default";
  /** For origin "broker": which synonym supplied the value, and that broker value's source. */
  readonly brokerSynonym?: string;
  readonly brokerSource?: ConfigValueSource;
}

export interface ResolvedTopicConfig {
  readonly logConfig: LogConfig;
  readonly minInsyncReplicas: number;
  readonly compressionType: BrokerCompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly uncleanLeaderElectionEnable: boolean;
  /** Always retention.ms / retention.bytes: Tributary has no tiered storage (-2 resolved). */
  readonly localRetentionMs: number;
  readonly localRetentionBytes: number;
  readonly leaderReplicationThrottledReplicas: readonly string[];
  readonly followerReplicationThrottledReplicas: readonly string[];
}

export function overrideEntries(overrides: TopicConfigOverrides | undefined): Array<[string, string]> {
  if (overrides === undefined) return [];
  if (overrides instanceof Map) return [...overrides.entries()];
  return Object.entries(overrides as Readonly<Record<string, string>>);
}

function convertSynonymValue(
  topic: TopicConfigDefinition,
  unit: SynonymUnit,
  value: ConfigEntryValue,
): { typed: TypedConfigValue; display: string | null } {
  let typed = value.typed;
  let display = value.display;
  if (unit !== "same" && typeof typed === "number") {
    typed = typed * (unit === "hours" ? MS_PER_HOUR : MS_PER_MINUTE);
    display = String(typed);
  }
  // Kafka treats any negative broker retention time as "forever" (-1).
  if (topic.name === "retention.ms" && typeof typed === "number" && typed < 0) {
    typed = -1;
    display = "-1";
  }
  return { typed, display };
}

/** The value a topic config takes from the broker when the topic does not override it. */
export function brokerDefaultForTopicConfig(topic: TopicConfigDefinition, broker: BrokerValues): ResolvedTopicValue {
  for (const synonym of topic.synonyms) {
    const value = broker.values.get(synonym.name);
    assert(value !== undefined, `broker config ${synonym.name} has no value`);
    if (value.typed === null) continue;
    const converted = convertSynonymValue(topic, synonym.unit, value);
    return { ...converted, origin: "broker", brokerSynonym: synonym.name, brokerSource: value.source };
  }
  const parsed = parseConfigValue(topic, topic.defaultValue);
  assert(parsed.ok, `default of topic config ${topic.name} does not parse`);
  return { typed: parsed.typed, display: parsed.display, origin: "default" };
}

/**
 * Checks that every broker-supplied topic default passes the topic config's own rule (log.roll.ms=0
 * is a valid long but not a valid segment.ms). Issues are reported against the broker key.
 */
export function checkBrokerTopicDefaults(broker: BrokerValues): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const topic of TOPIC_CONFIG_DEFINITIONS) {
    if (topic.validator === undefined) continue;
    const resolved = brokerDefaultForTopicConfig(topic, broker);
    if (resolved.origin !== "broker" || resolved.typed === null || resolved.brokerSynonym === undefined) continue;
    const broken = checkValidator(topic.validator, resolved.typed);
    if (broken === undefined) continue;
    const brokerValue = broker.values.get(resolved.brokerSynonym);
    issues.push({
      key: resolved.brokerSynonym,
      value: brokerValue?.display ?? null,
      rule: `${broken} (as the broker default of topic config ${topic.name})`,
    });
  }
  return issues;
}

function checkCompactionLags(values: ReadonlyMap<string, ResolvedTopicValue>): ConfigIssue | undefined {
  const min = values.get("min.compaction.lag.ms");
  const max = values.get("max.compaction.lag.ms");
  if (min === undefined || max === undefined || typeof min.typed !== "number" || typeof max.typed !== "number") return undefined;
  if (min.typed <= max.typed) return undefined;
  const message = `conflict topic config setting min.compaction.lag.ms (${min.display}) > max.compaction.lag.ms (${max.display})`;
  return { key: "min.compaction.lag.ms", value: min.display, rule: message, message };
}

/**
 * Resolves every topic config. Unknown names and invalid values become issues (keyed by topic
 * config name); resolution continues with the broker default for a bad override.
 */
export function resolveTopicValues(
  broker: BrokerValues,
  overrides: TopicConfigOverrides | undefined,
): { values: Map<string, ResolvedTopicValue>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const given = new Map<string, string>();
  for (const [name, value] of overrideEntries(overrides)) {
    if (!TOPIC_CONFIGS_BY_NAME.has(name)) {
      const message = `Unknown topic config name: ${name}`;
      issues.push({ key: name, value, rule: message, message });
      continue;
    }
    given.set(name, value);
  }
  const values = new Map<string, ResolvedTopicValue>();
  for (const topic of TOPIC_CONFIG_DEFINITIONS) {
    const raw = given.get(topic.name);
    if (raw !== undefined) {
      const parsed = parseConfigValue(topic, raw);
      if (parsed.ok) {
        values.set(topic.name, { typed: parsed.typed, display: parsed.display, origin: "topic" });
        continue;
      }
      issues.push({ key: topic.name, value: raw, rule: parsed.rule });
    }
    values.set(topic.name, brokerDefaultForTopicConfig(topic, broker));
  }
  const lagConflict = checkCompactionLags(values);
  if (lagConflict !== undefined) issues.push(lagConflict);
  return { values, issues };
}

/**
 * Validates a topic's config overrides as CreateTopics / AlterConfigs receive them. Returns one
 * message per bad key in Kafka's INVALID_CONFIG wording ("Invalid value X for configuration Y: Z");
 * an empty map means every override is acceptable. Null values (AlterConfigs deletes) are rejected
 * here; callers that delete keys remove them before validating. Without a broker config, the
 * cross-config check uses Kafka's table defaults.
 */
export function validateTopicConfigs(
  configs: ReadonlyMap<string, string | null> | Readonly<Record<string, string | null>>,
  brokerConfig?: BrokerValues,
): ReadonlyMap<string, string> {
  const errors = new Map<string, string>();
  const present = new Map<string, string>();
  const entries: Array<[string, string | null]> =
    configs instanceof Map ? [...configs.entries()] : Object.entries(configs as Readonly<Record<string, string | null>>);
  for (const [name, value] of entries) {
    if (value === null) {
      errors.set(name, `Null value not supported for topic configs: ${name}`);
      continue;
    }
    present.set(name, value);
  }
  const broker = brokerConfig ?? tableDefaultBrokerValues();
  for (const issue of resolveTopicValues(broker, present).issues) {
    if (!errors.has(issue.key)) errors.set(issue.key, formatConfigIssue(issue));
  }
  return errors;
}

function numberValue(values: ReadonlyMap<string, ResolvedTopicValue>, name: string): number {
  const value = values.get(name)?.typed;
  assert(typeof value === "number", `topic config ${name} is not a number`);
  return value;
}

function booleanValue(values: ReadonlyMap<string, ResolvedTopicValue>, name: string): boolean {
  const value = values.get(name)?.typed;
  assert(typeof value === "boolean", `topic config ${name} is not a boolean`);
  return value;
}

function stringValue(values: ReadonlyMap<string, ResolvedTopicValue>, name: string): string {
  const value = values.get(name)?.typed;
  assert(typeof value === "string", `topic config ${name} is not a string`);
  return value;
}

function listValue(values: ReadonlyMap<string, ResolvedTopicValue>, name: string): readonly string[] {
  const value = values.get(name)?.typed;
  assert(Array.isArray(value), `topic config ${name} is not a list`);
  return value;
}

function cleanupPolicyOf(items: readonly string[]): CleanupPolicy {
  const compact = items.includes("compact");
  const remove = items.includes("delete");
  assert(compact || remove, "cleanup.policy names no policy");
  if (compact && remove) return "compact,delete";
  return compact ? "compact" : "delete";
}

/** Builds the typed result from fully valid resolved values. */
export function typedTopicConfig(values: ReadonlyMap<string, ResolvedTopicValue>): ResolvedTopicConfig {
  const retentionMs = numberValue(values, "retention.ms");
  const retentionBytes = numberValue(values, "retention.bytes");
  const localRetentionMs = numberValue(values, "local.retention.ms");
  const localRetentionBytes = numberValue(values, "local.retention.bytes");
  const logConfig: LogConfig = {
    segmentBytes: numberValue(values, "segment.bytes"),
    segmentMs: numberValue(values, "segment.ms"),
    segmentJitterMs: numberValue(values, "segment.jitter.ms"),
    segmentIndexBytes: numberValue(values, "segment.index.bytes"),
    indexIntervalBytes: numberValue(values, "index.interval.bytes"),
    retentionMs,
    retentionBytes,
    flushMessages: numberValue(values, "flush.messages"),
    flushMs: numberValue(values, "flush.ms"),
    maxMessageBytes: numberValue(values, "max.message.bytes"),
    messageTimestampType: stringValue(values, "message.timestamp.type") as TimestampTypeName,
    messageTimestampBeforeMaxMs: numberValue(values, "message.timestamp.before.max.ms"),
    messageTimestampAfterMaxMs: numberValue(values, "message.timestamp.after.max.ms"),
    fileDeleteDelayMs: numberValue(values, "file.delete.delay.ms"),
    cleanupPolicy: cleanupPolicyOf(listValue(values, "cleanup.policy")),
    deleteRetentionMs: numberValue(values, "delete.retention.ms"),
    minCompactionLagMs: numberValue(values, "min.compaction.lag.ms"),
    maxCompactionLagMs: numberValue(values, "max.compaction.lag.ms"),
    minCleanableDirtyRatio: numberValue(values, "min.cleanable.dirty.ratio"),
    preallocate: booleanValue(values, "preallocate"),
  };
  return {
    logConfig: Object.freeze(logConfig),
    minInsyncReplicas: numberValue(values, "min.insync.replicas"),
    compressionType: stringValue(values, "compression.type") as BrokerCompressionType,
    compressionGzipLevel: numberValue(values, "compression.gzip.level"),
    compressionLz4Level: numberValue(values, "compression.lz4.level"),
    compressionZstdLevel: numberValue(values, "compression.zstd.level"),
    uncleanLeaderElectionEnable: booleanValue(values, "unclean.leader.election.enable"),
    localRetentionMs: localRetentionMs === LOCAL_RETENTION_INHERIT ? retentionMs : localRetentionMs,
    localRetentionBytes: localRetentionBytes === LOCAL_RETENTION_INHERIT ? retentionBytes : localRetentionBytes,
    leaderReplicationThrottledReplicas: listValue(values, "leader.replication.throttled.replicas"),
    followerReplicationThrottledReplicas: listValue(values, "follower.replication.throttled.replicas"),
  };
}

/**
 * The full effective config of a topic: its overrides over the broker's values. Throws ConfigError
 * when an override is unknown or invalid (stored overrides were validated when written, so this
 * signals corruption or a programming error upstream).
 */
export function resolveTopicConfig(brokerConfig: BrokerValues, topicOverrides?: TopicConfigOverrides): ResolvedTopicConfig {
  const { values, issues } = resolveTopicValues(brokerConfig, topicOverrides);
  if (issues.length > 0) throw new ConfigError(issues);
  return typedTopicConfig(values);
}

/** The LogConfig a partition of this topic runs with (broker synonyms apply where not overridden). */
export function resolveLogConfig(brokerConfig: BrokerValues, topicOverrides?: TopicConfigOverrides): LogConfig {
  return resolveTopicConfig(brokerConfig, topicOverrides).logConfig;
}

// Broker values made of the table defaults only: what validateTopicConfigs compares against when the
// caller has no broker config at hand.
let tableDefaults: BrokerValues | undefined;

function tableDefaultBrokerValues(): BrokerValues {
  if (tableDefaults !== undefined) return tableDefaults;
  const values = new Map<string, ConfigEntryValue>();
  for (const topic of TOPIC_CONFIG_DEFINITIONS) {
    for (const synonym of topic.synonyms) {
      const definition = BROKER_CONFIGS_BY_NAME.get(synonym.name);
      assert(definition !== undefined, `unknown broker config ${synonym.name}`);
      const parsed = parseConfigValue(definition, definition.defaultValue);
      assert(parsed.ok, `default of broker config ${synonym.name} does not parse`);
      values.set(synonym.name, { typed: parsed.typed, display: parsed.display, source: "default" });
    }
  }
  tableDefaults = { values };
  return tableDefaults;
}
