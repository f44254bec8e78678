// Every Kafka 4.0 topic-level config: name, type, default, validator, importance, and the broker
// configs that supply its default in Kafka's order (ServerTopicConfigSynonyms): the first synonym
// with a value wins, so log.retention.ms beats log.retention.minutes beats log.retention.hours.
// Validation rules are Kafka's, with two deliberate differences stated in the entries: cleanup.policy
// must name at least one policy, and remote.storage.enable only accepts false (no tiered storage).

import {
  LONG_MAX_VALUE_STRING,
  atLeast,
  between,
  oneOf,
  type ConfigValidator,
  type SynonymUnit,
  type TopicConfigDefinition,
  type TopicConfigSynonym,
  type TypedConfigValue,
} from "../config-definition.js";

/**
 * Kafka's floor for segment.bytes: the size of the smallest legacy record. Kafka 4.0 (KIP-1030)
 * raised its own floor to 1 MiB; Tributary keeps the old floor so tests and small deployments can
 * roll tiny segments.
 */
export const SEGMENT_BYTES_MIN = 14;

export const CLEANUP_POLICIES = ["compact", "delete"] as const;

/** Kafka's BrokerCompressionType names, in Kafka's order. */
export const BROKER_COMPRESSION_TYPES = ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] as const;

export const TIMESTAMP_TYPES = ["CreateTime", "LogAppendTime"] as const;

/** gzip: 1..9, or -1 for the codec's default level. */
export const GZIP_LEVEL_VALIDATOR: ConfigValidator = { kind: "range-or", min: 1, max: 9, orValue: -1 };
export const LZ4_LEVEL_VALIDATOR: ConfigValidator = between(1, 17);
export const ZSTD_LEVEL_VALIDATOR: ConfigValidator = between(-131072, 22);

export const CLEANUP_POLICY_VALIDATOR: ConfigValidator = {
  kind: "custom",
  validValues: "[compact, delete]",
  check: (value: TypedConfigValue) => {
    if (!Array.isArray(value)) return "Value must be a list";
    // Kafka 4.0 still accepts an empty list (no cleanup at all); Tributary requires a policy.
    if (value.length === 0) return "At least one of compact, delete must be listed";
    const unknown = value.find((item: string) => !(CLEANUP_POLICIES as readonly string[]).includes(item));
    return unknown === undefined ? undefined : `String must be one of: ${CLEANUP_POLICIES.join(", ")} (got "${unknown}")`;
  },
};

const THROTTLED_REPLICA_ENTRY = /^[0-9]+:[0-9]+$/;

export const THROTTLED_REPLICAS_VALIDATOR: ConfigValidator = {
  kind: "custom",
  validValues: "[partitionId]:[brokerId],[partitionId]:[brokerId],... or *",
  check: (value: TypedConfigValue) => {
    if (!Array.isArray(value)) return "Value must be a list";
    if (value.length === 1 && value[0] === "*") return undefined;
    const bad = value.find((item: string) => !THROTTLED_REPLICA_ENTRY.test(item));
    return bad === undefined
      ? undefined
      : `Must be * or a list of replicas written partitionId:brokerId (got "${bad}")`;
  },
};

export const NO_TIERED_STORAGE_RULE = "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.";

const REMOTE_STORAGE_VALIDATOR: ConfigValidator = {
  kind: "custom",
  validValues: "false",
  check: (value: TypedConfigValue) => (value === true ? NO_TIERED_STORAGE_RULE : undefined),
};

function synonyms(...entries: Array<string | [string, SynonymUnit]>): TopicConfigSynonym[] {
  return entries.map((entry) => (typeof entry === "string" ? { name: entry, unit: "same" } : { name: entry[0], unit: entry[1] }));
}

export const TOPIC_CONFIG_DEFINITIONS: readonly TopicConfigDefinition[] = [
  {
    name: "cleanup.policy",
    type: "list",
    defaultValue: "delete",
    validator: CLEANUP_POLICY_VALIDATOR,
    importance: "medium",
    synonyms: synonyms("log.cleanup.policy"),
    documentation:
      'How old segments are cleaned up: "delete" removes whole segments once they pass the time or size limit, "compact" keeps only the newest record for each key. Both may be listed.',
  },
  {
    name: "compression.type",
    type: "string",
    defaultValue: "producer",
    validator: oneOf(...BROKER_COMPRESSION_TYPES),
    importance: "medium",
    synonyms: synonyms("compression.type"),
    documentation:
      'The codec this topic\'s record batches are stored in. "producer" keeps whatever codec the producer chose; "uncompressed" or a codec name sets the target codec.',
  },
  {
    name: "compression.gzip.level",
    type: "int",
    defaultValue: "-1",
    validator: GZIP_LEVEL_VALIDATOR,
    importance: "medium",
    synonyms: synonyms("compression.gzip.level"),
    documentation: "The gzip level used when compression.type is gzip; -1 selects the codec's own default.",
  },
  {
    name: "compression.lz4.level",
    type: "int",
    defaultValue: "9",
    validator: LZ4_LEVEL_VALIDATOR,
    importance: "medium",
    synonyms: synonyms("compression.lz4.level"),
    documentation: "The LZ4 level used when compression.type is lz4.",
  },
  {
    name: "compression.zstd.level",
    type: "int",
    defaultValue: "3",
    validator: ZSTD_LEVEL_VALIDATOR,
    importance: "medium",
    synonyms: synonyms("compression.zstd.level"),
    documentation: "The Zstandard level used when compression.type is zstd; negative levels trade ratio for speed.",
  },
  {
    name: "delete.retention.ms",
    type: "long",
    defaultValue: "86400000",
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.cleaner.delete.retention.ms"),
    documentation:
      "How long a tombstone (a record with a null value) stays readable in a compacted topic, so that consumers which fall behind still see the delete.",
  },
  {
    name: "file.delete.delay.ms",
    type: "long",
    defaultValue: "60000",
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.segment.delete.delay.ms"),
    documentation:
      "How long a segment removed by retention stays on disk (renamed to .deleted) before its files are unlinked, so reads already in progress can finish.",
  },
  {
    name: "flush.messages",
    type: "long",
    defaultValue: LONG_MAX_VALUE_STRING,
    validator: atLeast(1),
    importance: "medium",
    synonyms: synonyms("log.flush.interval.messages"),
    documentation:
      "Force an fsync of a partition after this many records have been appended to it. The default never forces one: the operating system flushes and replication provides durability.",
  },
  {
    name: "flush.ms",
    type: "long",
    defaultValue: LONG_MAX_VALUE_STRING,
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.flush.interval.ms", "log.flush.scheduler.interval.ms"),
    documentation:
      "Force an fsync of a partition when its oldest unflushed record is this old. The default never forces one and leaves flushing to the operating system.",
  },
  {
    name: "follower.replication.throttled.replicas",
    type: "list",
    defaultValue: "",
    validator: THROTTLED_REPLICAS_VALIDATOR,
    importance: "medium",
    synonyms: [],
    documentation:
      "The replicas of this topic (partitionId:brokerId pairs, or * for all) whose follower-side fetching is limited by follower.replication.throttled.rate, typically while partitions move.",
  },
  {
    name: "index.interval.bytes",
    type: "int",
    defaultValue: "4096",
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.index.interval.bytes"),
    documentation:
      "How many bytes of records are appended between two entries of the sparse offset index. Smaller values make lookups faster and index files larger.",
  },
  {
    name: "leader.replication.throttled.replicas",
    type: "list",
    defaultValue: "",
    validator: THROTTLED_REPLICAS_VALIDATOR,
    importance: "medium",
    synonyms: [],
    documentation:
      "The replicas of this topic (partitionId:brokerId pairs, or * for all) whose leader-side serving of follower fetches is limited by leader.replication.throttled.rate.",
  },
  {
    name: "local.retention.bytes",
    type: "long",
    defaultValue: "-2",
    validator: atLeast(-2),
    importance: "medium",
    synonyms: synonyms("log.local.retention.bytes"),
    documentation: "With tiered storage, how large a partition may grow on local disk; -2 means use retention.bytes.",
    tributaryNote: "Tributary has no tiered storage, so local retention is always retention.bytes.",
  },
  {
    name: "local.retention.ms",
    type: "long",
    defaultValue: "-2",
    validator: atLeast(-2),
    importance: "medium",
    synonyms: synonyms("log.local.retention.ms"),
    documentation: "With tiered storage, how long segments stay on local disk; -2 means use retention.ms.",
    tributaryNote: "Tributary has no tiered storage, so local retention is always retention.ms.",
  },
  {
    name: "max.compaction.lag.ms",
    type: "long",
    defaultValue: LONG_MAX_VALUE_STRING,
    validator: atLeast(1),
    importance: "medium",
    synonyms: synonyms("log.cleaner.max.compaction.lag.ms"),
    documentation:
      "The longest a record may stay uncompacted: a compacted log whose oldest dirty record is older than this is cleaned even when its dirty ratio is low.",
  },
  {
    name: "max.message.bytes",
    type: "int",
    defaultValue: "1048588",
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("message.max.bytes"),
    documentation:
      "The largest record batch, after compression, this topic accepts. Consumers and replica fetchers must be allowed to fetch batches of this size.",
  },
  {
    name: "message.downconversion.enable",
    type: "boolean",
    defaultValue: "true",
    importance: "low",
    synonyms: synonyms("log.message.downconversion.enable"),
    documentation:
      "Kept so that tools which set it still work. Brokers no longer convert record batches to old formats for old consumers, so the value changes nothing.",
  },
  {
    name: "message.timestamp.after.max.ms",
    type: "long",
    defaultValue: "3600000",
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.message.timestamp.after.max.ms"),
    documentation:
      "How far ahead of the broker's clock a CreateTime timestamp may be; a batch with a later timestamp is rejected. Not checked for LogAppendTime topics.",
  },
  {
    name: "message.timestamp.before.max.ms",
    type: "long",
    defaultValue: LONG_MAX_VALUE_STRING,
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.message.timestamp.before.max.ms"),
    documentation:
      "How far behind the broker's clock a CreateTime timestamp may be; a batch with an older timestamp is rejected. Not checked for LogAppendTime topics.",
  },
  {
    name: "message.timestamp.type",
    type: "string",
    defaultValue: "CreateTime",
    validator: oneOf(...TIMESTAMP_TYPES),
    importance: "medium",
    synonyms: synonyms("log.message.timestamp.type"),
    documentation:
      "Whether record timestamps are the producer's creation time (CreateTime) or the time the broker appended the batch (LogAppendTime).",
  },
  {
    name: "min.cleanable.dirty.ratio",
    type: "double",
    defaultValue: "0.5",
    validator: between(0, 1),
    importance: "medium",
    synonyms: synonyms("log.cleaner.min.cleanable.ratio"),
    documentation:
      "The share of a compacted log that must be uncompacted (dirty) before the cleaner works on it. Higher values mean less cleaning and more superseded records on disk.",
  },
  {
    name: "min.compaction.lag.ms",
    type: "long",
    defaultValue: "0",
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.cleaner.min.compaction.lag.ms"),
    documentation: "The least time a record stays uncompacted, giving consumers a window in which they see every update to a key.",
  },
  {
    name: "min.insync.replicas",
    type: "int",
    defaultValue: "1",
    validator: atLeast(1),
    importance: "medium",
    synonyms: synonyms("min.insync.replicas"),
    documentation:
      "With acks=all, how many in-sync replicas must hold a write before it is acknowledged; with fewer in sync, produce fails with NOT_ENOUGH_REPLICAS.",
  },
  {
    name: "preallocate",
    type: "boolean",
    defaultValue: "false",
    importance: "medium",
    synonyms: synonyms("log.preallocate"),
    documentation: "Whether a new segment file is allocated at its full size on disk when it is created.",
    tributaryNote: "Accepted; Tributary lets the file system allocate segment files as they grow either way.",
  },
  {
    name: "remote.log.copy.disable",
    type: "boolean",
    defaultValue: "false",
    importance: "medium",
    synonyms: [],
    documentation: "With tiered storage, stops copying new segments to remote storage while what is already there stays readable.",
  },
  {
    name: "remote.log.delete.on.disable",
    type: "boolean",
    defaultValue: "false",
    importance: "medium",
    synonyms: [],
    documentation: "Confirms that switching remote.storage.enable off may delete the topic's data in remote storage.",
  },
  {
    name: "remote.storage.enable",
    type: "boolean",
    defaultValue: "false",
    validator: REMOTE_STORAGE_VALIDATOR,
    importance: "medium",
    synonyms: [],
    documentation: "Whether this topic's older segments are moved to remote (tiered) storage.",
    tributaryNote: "Tributary has no tiered storage, so only false is accepted (Kafka answers the same when tiered storage is off).",
  },
  {
    name: "retention.bytes",
    type: "long",
    defaultValue: "-1",
    importance: "medium",
    synonyms: synonyms("log.retention.bytes"),
    documentation:
      "How large a partition may grow before its oldest segments are deleted under the delete policy; -1 means no size limit. The limit applies per partition.",
  },
  {
    name: "retention.ms",
    type: "long",
    defaultValue: "604800000",
    validator: atLeast(-1),
    importance: "medium",
    synonyms: synonyms("log.retention.ms", ["log.retention.minutes", "minutes"], ["log.retention.hours", "hours"]),
    documentation:
      "How long a segment is kept after its newest record before it is deleted under the delete policy; -1 keeps data forever.",
  },
  {
    name: "segment.bytes",
    type: "int",
    defaultValue: "1073741824",
    validator: atLeast(SEGMENT_BYTES_MIN),
    importance: "medium",
    synonyms: synonyms("log.segment.bytes"),
    documentation:
      "The size at which a partition's active segment is closed and a new one started. Retention and compaction act on whole segments.",
    tributaryNote: "Kafka 4.0 requires at least 1 MiB; Tributary accepts down to 14 bytes so tests can roll small segments.",
  },
  {
    name: "segment.index.bytes",
    type: "int",
    defaultValue: "10485760",
    validator: atLeast(4),
    importance: "medium",
    synonyms: synonyms("log.index.size.max.bytes"),
    documentation:
      "The size a segment's offset and time index files are preallocated to; the segment also rolls when its index is full.",
  },
  {
    name: "segment.jitter.ms",
    type: "long",
    defaultValue: "0",
    validator: atLeast(0),
    importance: "medium",
    synonyms: synonyms("log.roll.jitter.ms", ["log.roll.jitter.hours", "hours"]),
    documentation: "A random amount, up to this value, subtracted from segment.ms for each segment so that many partitions do not roll at the same moment.",
  },
  {
    name: "segment.ms",
    type: "long",
    defaultValue: "604800000",
    validator: atLeast(1),
    importance: "medium",
    synonyms: synonyms("log.roll.ms", ["log.roll.hours", "hours"]),
    documentation:
      "The age at which the active segment is rolled even when it is not full, so that time-based retention and compaction can reach its records.",
  },
  {
    name: "unclean.leader.election.enable",
    type: "boolean",
    defaultValue: "false",
    importance: "medium",
    synonyms: synonyms("unclean.leader.election.enable"),
    documentation:
      "Whether a replica outside the ISR may become leader when no in-sync replica is left, trading possible loss of acknowledged data for availability.",
  },
];
