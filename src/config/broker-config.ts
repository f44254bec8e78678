// Loads the broker's configuration: table defaults < embedded single-node defaults < server.properties
// < TRIBUTARY_* environment variables < overrides, then dynamic cluster defaults < dynamic per-broker
// configs (Kafka's precedence for configs altered at runtime). Every known key is parsed and validated
// against its table entry; unknown keys are kept (Kafka passes them to plug-ins) and reported as
// warnings; any invalid value throws one ConfigError listing every problem with its origin. The result
// is a typed BrokerConfig with camelCase fields for what the broker uses, the raw string map, and the
// source of every value (for DescribeConfigs).

import type { LogConfig } from "../storage/log-config.js";
import { assert } from "../lib/assert.js";
import type { TypedConfigValue } from "./config-definition.js";
import { ConfigError, type ConfigIssue } from "./config-error.js";
import type { ConfigEntryValue, ConfigValueSource } from "./config-source.js";
import { parseConfigValue } from "./config-value.js";
import { BROKER_CONFIG_DEFINITIONS, BROKER_CONFIGS_BY_NAME } from "./definitions/index.js";
import { configNameForEnv, envNameForConfig, ENV_PREFIX } from "./env.js";
import {
  checkDistinctPorts,
  parseConnectionOverrides,
  parseListenerEndpoints,
  parseSecurityProtocolMap,
  resolveListeners,
  type Listener,
  type SecurityProtocol,
} from "./listeners.js";
import { PropertiesSyntaxError, parseProperties } from "./properties.js";
import { checkBrokerTopicDefaults, resolveTopicConfig, type BrokerCompressionType } from "./topic-config.js";

/**
 * What `tributary start` and startBroker() apply for a single node, as Kafka's shipped
 * config/server.properties does: the internal topics (__consumer_offsets, __transaction_state) get
 * one replica, so consumer groups and transactions work with one broker, and the first consumer of
 * a new group starts without Kafka's 3-second wait for more members. Files, environment variables
 * and overrides still win over these.
 */
export const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  "offsets.topic.replication.factor": "1",
  "transaction.state.log.replication.factor": "1",
  "transaction.state.log.min.isr": "1",
  "group.initial.rebalance.delay.ms": "0",
});

/** server.properties as read by the caller: the path is only used in messages. */
export interface PropertiesFile {
  readonly path: string;
  readonly contents: string;
}

export type StringMap = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** Configs altered at runtime (stored in cluster metadata), above everything set at startup. */
export interface DynamicBrokerConfigs {
  /** Cluster-wide defaults: AlterConfigs on the broker resource with an empty name. */
  readonly clusterDefault?: StringMap;
  /** This broker's own dynamic configs: AlterConfigs on the broker resource named by its id. */
  readonly perBroker?: StringMap;
}

export interface LoadBrokerConfigOptions {
  /** Pass EMBEDDED_DEFAULTS for a single node; lowest precedence above the table defaults. */
  readonly embeddedDefaults?: StringMap;
  readonly file?: PropertiesFile;
  /** The process environment (e.g. process.env); only TRIBUTARY_* variables are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** --override key=value flags or programmatic settings; highest static precedence. */
  readonly overrides?: StringMap;
  readonly dynamic?: DynamicBrokerConfigs;
}

export interface ConfigWarning {
  readonly key: string;
  /** "unknown": not a broker config (kept, ignored); "no-effect": accepted for compatibility only. */
  readonly kind: "unknown" | "no-effect";
  /** Where the key was set, e.g. "/etc/tributary/server.properties". */
  readonly origin: string;
  readonly message: string;
}

export interface LoadedBrokerConfig {
  readonly config: BrokerConfig;
  readonly warnings: readonly ConfigWarning[];
}

export interface BrokerConfig {
  // Node
  readonly nodeId: number;
  readonly processRoles: readonly string[];
  readonly brokerRack: string | null;

  // Listeners and connections
  /** What the broker binds, with each listener's security protocol. */
  readonly listeners: readonly Listener[];
  /** What metadata responses advertise: advertised.listeners (else listeners), minus controller listeners. */
  readonly advertisedListeners: readonly Listener[];
  readonly listenerSecurityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly interBrokerListenerName: string;
  readonly controllerListenerNames: readonly string[];
  readonly socketSendBufferBytes: number;
  readonly socketReceiveBufferBytes: number;
  readonly socketListenBacklogSize: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  readonly maxConnectionCreationRate: number;
  readonly connectionsMaxIdleMs: number;
  readonly connectionFailedAuthenticationDelayMs: number;

  // Requests
  readonly messageMaxBytes: number;
  readonly socketRequestMaxBytes: number;
  readonly fetchMaxBytes: number;
  readonly maxIncrementalFetchSessionCacheSlots: number;
  readonly queuedMaxRequests: number;
  /** -1: no byte limit. */
  readonly queuedMaxRequestBytes: number;
  readonly requestTimeoutMs: number;

  // Log directories and topic creation
  /** log.dirs when set, else log.dir. */
  readonly logDirs: readonly string[];
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  /** The LogConfig of a topic without overrides (broker synonyms resolved). */
  readonly defaultLogConfig: LogConfig;
  readonly logRetentionCheckIntervalMs: number;
  /** Number.MAX_SAFE_INTEGER (Kafka's Long.MAX_VALUE) means no scheduled flush check. */
  readonly logFlushSchedulerIntervalMs: number;
  readonly logFlushOffsetCheckpointIntervalMs: number;
  readonly logFlushStartOffsetCheckpointIntervalMs: number;
  readonly logDirFailureTimeoutMs: number;

  // Log cleaner
  readonly logCleanerEnable: boolean;
  readonly logCleanerThreads: number;
  readonly logCleanerDedupeBufferSize: number;
  readonly logCleanerIoBufferSize: number;
  readonly logCleanerIoBufferLoadFactor: number;
  readonly logCleanerIoMaxBytesPerSecond: number;
  readonly logCleanerBackoffMs: number;

  // Broker defaults of topic configs that are not part of LogConfig
  readonly minInsyncReplicas: number;
  readonly compressionType: BrokerCompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly uncleanLeaderElectionEnable: boolean;

  // Replication
  readonly replicaLagTimeMaxMs: number;
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchResponseMaxBytes: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaFetchMinBytes: number;
  readonly replicaFetchBackoffMs: number;
  readonly replicaSocketTimeoutMs: number;
  readonly replicaSocketReceiveBufferBytes: number;
  readonly replicaHighWatermarkCheckpointIntervalMs: number;
  readonly numReplicaFetchers: number;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalancePerBrokerPercentage: number;
  readonly leaderImbalanceCheckIntervalSeconds: number;
  readonly controlledShutdownEnable: boolean;

  // Group coordinator and offsets
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly groupCoordinatorRebalanceProtocols: readonly string[];
  readonly groupCoordinatorAppendLingerMs: number;
  readonly groupConsumerSessionTimeoutMs: number;
  readonly groupConsumerMinSessionTimeoutMs: number;
  readonly groupConsumerMaxSessionTimeoutMs: number;
  readonly groupConsumerHeartbeatIntervalMs: number;
  readonly groupConsumerMinHeartbeatIntervalMs: number;
  readonly groupConsumerMaxHeartbeatIntervalMs: number;
  readonly groupConsumerMaxSize: number;
  readonly groupConsumerAssignors: readonly string[];
  readonly groupConsumerMigrationPolicy: string;
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsTopicCompressionCodec: number;
  /** offsets.retention.minutes in milliseconds. */
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly offsetMetadataMaxBytes: number;

  // Transactions and producer ids
  readonly transactionStateLogNumPartitions: number;
  readonly transactionStateLogReplicationFactor: number;
  readonly transactionStateLogMinIsr: number;
  readonly transactionStateLogSegmentBytes: number;
  readonly transactionMaxTimeoutMs: number;
  readonly transactionalIdExpirationMs: number;
  readonly transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  readonly transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  readonly transactionPartitionVerificationEnable: boolean;
  readonly producerIdExpirationMs: number;

  // Security
  readonly saslEnabledMechanisms: readonly string[];
  readonly saslMechanismInterBrokerProtocol: string;
  readonly saslServerMaxReceiveSize: number;
  readonly connectionsMaxReauthMs: number;
  /** Empty: no authorization. Any other value: the built-in ACL authorizer. */
  readonly authorizerClassName: string;
  /** super.users split on ";" (e.g. ["User:admin"]). */
  readonly superUsers: readonly string[];
  readonly allowEveryoneIfNoAclFound: boolean;
  readonly sslClientAuth: "required" | "requested" | "none";

  // Quotas
  readonly quotaWindowNum: number;
  readonly quotaWindowSizeSeconds: number;
  readonly replicationQuotaWindowNum: number;
  readonly replicationQuotaWindowSizeSeconds: number;
  readonly controllerQuotaWindowNum: number;
  readonly controllerQuotaWindowSizeSeconds: number;
  readonly leaderReplicationThrottledRate: number;
  readonly followerReplicationThrottledRate: number;
  readonly telemetryMaxBytes: number;

  /** Every key set at startup (embedded defaults, file, env, overrides), unknown keys included. */
  readonly raw: ReadonlyMap<string, string>;
  /** The effective source of every defined key and every key in `raw` or in the dynamic maps. */
  readonly sources: ReadonlyMap<string, ConfigValueSource>;
  /** Typed and display value of every defined broker config (defaults included). */
  readonly values: ReadonlyMap<string, ConfigEntryValue>;
  /** The dynamic configs applied (empty maps when none). */
  readonly dynamic: {
    readonly clusterDefault: ReadonlyMap<string, string>;
    readonly perBroker: ReadonlyMap<string, string>;
  };
}

interface Assignment {
  readonly value: string;
  readonly source: ConfigValueSource;
  readonly origin: string;
}

const LISTENER_PREFIX = /^listener\.name\.([^.]+)\.(.+)$/;
// Configs Kafka lets a listener override per SASL mechanism: listener.name.<l>.<mechanism>.<config>.
const MECHANISM_CONFIGS = new Set(["sasl.jaas.config", "connections.max.reauth.ms"]);
const BYTES_PER_MEBIBYTE = 1024 * 1024;
const MS_PER_MINUTE = 60 * 1000;

// The static assignments each BrokerConfig was built from, so dynamic configs can be re-applied
// without keeping layer bookkeeping in the public shape.
const staticAssignments = new WeakMap<BrokerConfig, ReadonlyMap<string, Assignment>>();

function entriesOf(map: StringMap | undefined): Array<[string, string]> {
  if (map === undefined) return [];
  if (map instanceof Map) return [...map.entries()];
  return Object.entries(map as Readonly<Record<string, string>>);
}

/** The broker config a listener-prefixed key overrides, e.g. listener.name.ssl.ssl.keystore.location. */
export function listenerBaseConfigName(key: string): string | undefined {
  const match = LISTENER_PREFIX.exec(key);
  if (match === null) return undefined;
  const base = match[2];
  if (BROKER_CONFIGS_BY_NAME.has(base)) return base;
  const afterMechanism = base.slice(base.indexOf(".") + 1);
  return base.includes(".") && MECHANISM_CONFIGS.has(afterMechanism) ? afterMechanism : undefined;
}

function isKnownKey(key: string): boolean {
  return BROKER_CONFIGS_BY_NAME.has(key) || listenerBaseConfigName(key) !== undefined;
}

/**
 * The value of `name` for one listener: listener.name.<listener>.<mechanism>.<name> (when a
 * mechanism is given), then listener.name.<listener>.<name>, then the broker-wide value.
 */
export function listenerConfigValue(config: BrokerConfig, listenerName: string, name: string, mechanism?: string): string | null {
  const prefix = `listener.name.${listenerName.toLowerCase()}.`;
  const candidates = mechanism === undefined ? [prefix + name] : [`${prefix}${mechanism.toLowerCase()}.${name}`, prefix + name];
  for (const key of candidates) {
    const value = config.dynamic.perBroker.get(key) ?? config.dynamic.clusterDefault.get(key) ?? config.raw.get(key);
    if (value !== undefined) return value;
  }
  return config.values.get(name)?.display ?? null;
}

/** Splits one "--override key=value" argument. */
export function parseOverride(argument: string): [string, string] {
  const separator = argument.indexOf("=");
  if (separator <= 0) {
    const rule = "An override must be written key=value";
    throw new ConfigError([{ key: argument, value: null, rule, message: `Invalid override "${argument}": expected key=value` }]);
  }
  return [argument.slice(0, separator).trim(), argument.slice(separator + 1)];
}

function originOfSource(source: ConfigValueSource, key: string): string {
  switch (source) {
    case "default":
      return "default";
    case "embedded":
      return "embedded single-node default";
    case "file":
      return "properties file";
    case "env":
      return `environment variable ${envNameForConfig(key)}`;
    case "override":
      return "override";
    case "dynamic-default":
      return "dynamic cluster-default config";
    case "dynamic-broker":
      return "dynamic broker config";
  }
}

function readPropertiesFile(file: PropertiesFile): Map<string, string> {
  try {
    return parseProperties(file.contents);
  } catch (error) {
    if (!(error instanceof PropertiesSyntaxError)) throw error;
    throw new ConfigError([{ key: "", value: null, rule: error.message, message: `${file.path}: ${error.message}` }]);
  }
}

function collectStatic(options: LoadBrokerConfigOptions, warnings: ConfigWarning[]): Map<string, Assignment> {
  const assignments = new Map<string, Assignment>();
  const assign = (key: string, value: string, source: ConfigValueSource, origin: string): void => {
    assignments.set(key, { value, source, origin });
  };
  for (const [key, value] of entriesOf(options.embeddedDefaults)) assign(key, value, "embedded", originOfSource("embedded", key));
  if (options.file !== undefined) {
    for (const [key, value] of readPropertiesFile(options.file)) assign(key, value, "file", options.file.path);
  }
  for (const [envName, value] of Object.entries(options.env ?? {})) {
    if (!envName.startsWith(ENV_PREFIX) || value === undefined) continue;
    const key = configNameForEnv(envName);
    if (key === undefined) {
      warnings.push({
        key: envName,
        kind: "unknown",
        origin: `environment variable ${envName}`,
        message: `Environment variable ${envName} does not name a config; ignored`,
      });
      continue;
    }
    assign(key, value, "env", `environment variable ${envName}`);
  }
  for (const [key, value] of entriesOf(options.overrides)) assign(key, value, "override", "override");

  // node.id and broker.id are one setting under two names (Kafka's populateSynonyms).
  const nodeId = assignments.get("node.id");
  const brokerId = assignments.get("broker.id");
  if (nodeId !== undefined && brokerId === undefined) assignments.set("broker.id", nodeId);
  if (brokerId !== undefined && nodeId === undefined) assignments.set("node.id", brokerId);
  return assignments;
}

function warningsFor(assignments: ReadonlyMap<string, Assignment>): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const [key, assignment] of assignments) {
    if (assignment.source === "embedded") continue;
    if (!isKnownKey(key)) {
      warnings.push({
        key,
        kind: "unknown",
        origin: assignment.origin,
        message: `${key} is not a known broker config; it is kept but not used (from ${assignment.origin})`,
      });
      continue;
    }
    if (BROKER_CONFIGS_BY_NAME.get(key)?.noEffect === true) {
      warnings.push({
        key,
        kind: "no-effect",
        origin: assignment.origin,
        message: `${key} is accepted for compatibility but has no effect in Tributary (from ${assignment.origin})`,
      });
    }
  }
  return warnings;
}

function checkDynamicKeys(map: ReadonlyMap<string, string>, perBroker: boolean, issues: ConfigIssue[]): void {
  const origin = perBroker ? "dynamic broker config" : "dynamic cluster-default config";
  for (const [key, value] of map) {
    const name = listenerBaseConfigName(key) ?? key;
    const definition = BROKER_CONFIGS_BY_NAME.get(name);
    // Kafka accepts unknown (custom) keys dynamically; only known read-only configs are refused.
    if (definition === undefined) continue;
    if (definition.dynamicScope === "read-only") {
      issues.push({ key, value, origin, rule: "Cannot update these configs dynamically" });
    } else if (!perBroker && definition.dynamicScope === "per-broker") {
      issues.push({ key, value, origin, rule: "Cannot update these configs at default cluster level, broker id must be specified" });
    }
  }
}

function parseAll(effective: ReadonlyMap<string, Assignment>, issues: ConfigIssue[]): Map<string, ConfigEntryValue> {
  const values = new Map<string, ConfigEntryValue>();
  for (const definition of BROKER_CONFIG_DEFINITIONS) {
    const assignment = effective.get(definition.name);
    const raw = assignment === undefined ? definition.defaultValue : assignment.value;
    const parsed = parseConfigValue(definition, raw);
    if (!parsed.ok) {
      assert(assignment !== undefined, `default of broker config ${definition.name} is invalid: ${parsed.rule}`);
      issues.push({ key: definition.name, value: raw, rule: parsed.rule, origin: assignment.origin });
      continue;
    }
    values.set(definition.name, { typed: parsed.typed, display: parsed.display, source: assignment?.source ?? "default" });
  }
  // Listener-prefixed overrides must be valid values of the config they override.
  for (const [key, assignment] of effective) {
    const base = listenerBaseConfigName(key);
    if (base === undefined) continue;
    const definition = BROKER_CONFIGS_BY_NAME.get(base);
    assert(definition !== undefined, `listener base config ${base} is not defined`);
    const parsed = parseConfigValue(definition, assignment.value);
    if (!parsed.ok) issues.push({ key, value: assignment.value, rule: parsed.rule, origin: assignment.origin });
  }
  return values;
}

/** Typed reads of validated values; a mismatch is a table bug, hence assertions. */
class ValueReader {
  constructor(private readonly values: ReadonlyMap<string, ConfigEntryValue>) {}

  private typed(name: string): TypedConfigValue {
    const value = this.values.get(name);
    assert(value !== undefined, `broker config ${name} is not defined`);
    return value.typed;
  }

  number(name: string): number {
    const value = this.typed(name);
    assert(typeof value === "number", `broker config ${name} is not a number`);
    return value;
  }

  boolean(name: string): boolean {
    const value = this.typed(name);
    assert(typeof value === "boolean", `broker config ${name} is not a boolean`);
    return value;
  }

  string(name: string): string {
    const value = this.typed(name);
    assert(typeof value === "string", `broker config ${name} is not a string`);
    return value;
  }

  optionalString(name: string): string | null {
    const value = this.typed(name);
    assert(value === null || typeof value === "string", `broker config ${name} is not a string`);
    return value;
  }

  list(name: string): readonly string[] {
    const value = this.typed(name);
    assert(Array.isArray(value), `broker config ${name} is not a list`);
    return value;
  }
}

function displayOf(values: ReadonlyMap<string, ConfigEntryValue>, name: string): string | null {
  return values.get(name)?.display ?? null;
}

function splitCsv(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

interface ListenerSetup {
  readonly listeners: Listener[];
  readonly advertisedListeners: Listener[];
  readonly protocolMap: Map<string, SecurityProtocol>;
  readonly interBrokerListenerName: string;
  readonly controllerListenerNames: string[];
}

function setUpListeners(
  read: ValueReader,
  values: ReadonlyMap<string, ConfigEntryValue>,
  issues: ConfigIssue[],
): ListenerSetup | undefined {
  const protocolMapResult = parseSecurityProtocolMap(read.string("listener.security.protocol.map"));
  const endpointsResult = parseListenerEndpoints(read.string("listeners"));
  assert(protocolMapResult.ok && endpointsResult.ok, "listener configs were validated");
  const protocolMap = protocolMapResult.value;
  const listenersResult = resolveListeners(endpointsResult.value, protocolMap);
  if (!listenersResult.ok) {
    issues.push({ key: "listeners", value: displayOf(values, "listeners"), rule: listenersResult.rule });
    return undefined;
  }
  const listeners = listenersResult.value;
  const duplicatePort = checkDistinctPorts(listeners);
  if (duplicatePort !== undefined) issues.push({ key: "listeners", value: displayOf(values, "listeners"), rule: duplicatePort });

  const controllerListenerNames = splitCsv(read.optionalString("controller.listener.names") ?? "").map((name) => name.toUpperCase());
  const advertisedText = read.optionalString("advertised.listeners");
  let advertisedListeners: Listener[];
  if (advertisedText === null) {
    advertisedListeners = listeners.filter((listener) => !controllerListenerNames.includes(listener.name));
  } else {
    const advertisedEndpoints = parseListenerEndpoints(advertisedText);
    assert(advertisedEndpoints.ok, "advertised.listeners was validated");
    const resolved = resolveListeners(advertisedEndpoints.value, protocolMap);
    if (!resolved.ok) {
      issues.push({ key: "advertised.listeners", value: advertisedText, rule: resolved.rule });
      return undefined;
    }
    // Controller listeners are never given to clients, even when listed (Kafka does the same).
    advertisedListeners = resolved.value.filter((listener) => !controllerListenerNames.includes(listener.name));
    const boundNames = new Set(listeners.map((listener) => listener.name));
    const unbound = advertisedListeners.find((listener) => !boundNames.has(listener.name));
    if (unbound !== undefined) {
      issues.push({
        key: "advertised.listeners",
        value: advertisedText,
        rule: `Advertised listener ${unbound.name} is not one of the listeners (${[...boundNames].join(", ")})`,
      });
    }
  }

  const explicitListenerName = read.optionalString("inter.broker.listener.name");
  let interBrokerListenerName: string;
  if (explicitListenerName !== null) {
    interBrokerListenerName = explicitListenerName.toUpperCase();
    if (values.get("security.inter.broker.protocol")?.source !== "default") {
      issues.push({
        key: "inter.broker.listener.name",
        value: explicitListenerName,
        rule: "Only one of inter.broker.listener.name and security.inter.broker.protocol may be set",
      });
    } else if (!advertisedListeners.some((listener) => listener.name === interBrokerListenerName)) {
      issues.push({
        key: "inter.broker.listener.name",
        value: explicitListenerName,
        rule: "inter.broker.listener.name must be a listener name defined in advertised.listeners",
      });
    }
  } else {
    interBrokerListenerName = read.string("security.inter.broker.protocol");
  }
  const interBrokerProtocol = protocolMap.get(interBrokerListenerName);
  const mechanism = read.string("sasl.mechanism.inter.broker.protocol");
  const interBrokerUsesSasl = interBrokerProtocol === "SASL_PLAINTEXT" || interBrokerProtocol === "SASL_SSL";
  if (interBrokerUsesSasl && !read.list("sasl.enabled.mechanisms").includes(mechanism)) {
    issues.push({
      key: "sasl.mechanism.inter.broker.protocol",
      value: mechanism,
      rule: "sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication",
    });
  }
  return { listeners, advertisedListeners, protocolMap, interBrokerListenerName, controllerListenerNames };
}

function checkAtMost(read: ValueReader, values: ReadonlyMap<string, ConfigEntryValue>, smaller: string, larger: string, issues: ConfigIssue[]): void {
  if (read.number(smaller) <= read.number(larger)) return;
  issues.push({ key: smaller, value: displayOf(values, smaller), rule: `Must be no more than ${larger} (${displayOf(values, larger)})` });
}

function checkBelow(read: ValueReader, values: ReadonlyMap<string, ConfigEntryValue>, smaller: string, larger: string, issues: ConfigIssue[]): void {
  if (read.number(smaller) < read.number(larger)) return;
  issues.push({ key: smaller, value: displayOf(values, smaller), rule: `Must be less than ${larger} (${displayOf(values, larger)})` });
}

function checkCrossConfig(read: ValueReader, values: ReadonlyMap<string, ConfigEntryValue>, issues: ConfigIssue[]): void {
  const nodeId = values.get("node.id");
  const brokerId = values.get("broker.id");
  if (nodeId !== undefined && brokerId !== undefined && nodeId.typed !== brokerId.typed) {
    issues.push({ key: "node.id", value: nodeId.display, rule: `node.id and broker.id (${brokerId.display}) must be equal when both are set` });
  }
  checkAtMost(read, values, "replica.fetch.wait.max.ms", "replica.socket.timeout.ms", issues);
  checkAtMost(read, values, "replica.fetch.wait.max.ms", "replica.lag.time.max.ms", issues);
  checkAtMost(read, values, "group.consumer.min.session.timeout.ms", "group.consumer.max.session.timeout.ms", issues);
  checkAtMost(read, values, "group.consumer.min.session.timeout.ms", "group.consumer.session.timeout.ms", issues);
  checkAtMost(read, values, "group.consumer.session.timeout.ms", "group.consumer.max.session.timeout.ms", issues);
  checkAtMost(read, values, "group.consumer.min.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms", issues);
  checkAtMost(read, values, "group.consumer.min.heartbeat.interval.ms", "group.consumer.heartbeat.interval.ms", issues);
  checkAtMost(read, values, "group.consumer.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms", issues);
  if (!read.list("group.coordinator.rebalance.protocols").includes("classic")) {
    issues.push({
      key: "group.coordinator.rebalance.protocols",
      value: displayOf(values, "group.coordinator.rebalance.protocols"),
      rule: "Disabling the 'classic' protocol is not supported",
    });
  }
  const queuedMaxRequestBytes = read.number("queued.max.request.bytes");
  if (queuedMaxRequestBytes > 0 && queuedMaxRequestBytes < read.number("socket.request.max.bytes")) {
    issues.push({
      key: "queued.max.request.bytes",
      value: displayOf(values, "queued.max.request.bytes"),
      rule: "queued.max.request.bytes must be larger or equal to socket.request.max.bytes",
    });
  }
  if (read.number("max.connections.per.ip") === 0 && read.string("max.connections.per.ip.overrides") === "") {
    issues.push({
      key: "max.connections.per.ip",
      value: "0",
      rule: "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides is set",
    });
  }
  if (read.number("connections.max.idle.ms") >= 0) {
    checkBelow(read, values, "connection.failed.authentication.delay.ms", "connections.max.idle.ms", issues);
  }
  const cleanerThreads = read.number("log.cleaner.threads");
  if (cleanerThreads > 0 && read.number("log.cleaner.dedupe.buffer.size") / cleanerThreads <= BYTES_PER_MEBIBYTE) {
    issues.push({
      key: "log.cleaner.dedupe.buffer.size",
      value: displayOf(values, "log.cleaner.dedupe.buffer.size"),
      rule: "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread",
    });
  }
  issues.push(...checkBrokerTopicDefaults({ values }));
}

function logDirsOf(read: ValueReader, values: ReadonlyMap<string, ConfigEntryValue>, issues: ConfigIssue[]): string[] {
  const configured = read.optionalString("log.dirs") ?? read.optionalString("log.dir") ?? "";
  const dirs = splitCsv(configured);
  if (dirs.length === 0) {
    const rule = "At least one log directory must be defined via log.dirs or log.dir";
    issues.push({ key: "log.dirs", value: displayOf(values, "log.dirs"), rule });
  }
  return dirs;
}

function buildBrokerConfig(statics: ReadonlyMap<string, Assignment>, dynamic: DynamicBrokerConfigs | undefined): BrokerConfig {
  const issues: ConfigIssue[] = [];
  const clusterDefault = new Map(entriesOf(dynamic?.clusterDefault));
  const perBroker = new Map(entriesOf(dynamic?.perBroker));
  checkDynamicKeys(clusterDefault, false, issues);
  checkDynamicKeys(perBroker, true, issues);

  const effective = new Map(statics);
  for (const [key, value] of clusterDefault) {
    effective.set(key, { value, source: "dynamic-default", origin: originOfSource("dynamic-default", key) });
  }
  for (const [key, value] of perBroker) {
    effective.set(key, { value, source: "dynamic-broker", origin: originOfSource("dynamic-broker", key) });
  }

  const values = parseAll(effective, issues);
  if (issues.length > 0) throw new ConfigError(issues);

  const read = new ValueReader(values);
  const logDirs = logDirsOf(read, values, issues);
  const listenerSetup = setUpListeners(read, values, issues);
  const overridesResult = parseConnectionOverrides(read.string("max.connections.per.ip.overrides"));
  assert(overridesResult.ok, "max.connections.per.ip.overrides was validated");
  checkCrossConfig(read, values, issues);
  if (issues.length > 0 || listenerSetup === undefined) throw new ConfigError(issues);

  const topicDefaults = resolveTopicConfig({ values });
  const sources = new Map<string, ConfigValueSource>();
  for (const [name, value] of values) sources.set(name, value.source);
  for (const [key, assignment] of effective) sources.set(key, assignment.source);
  const sslClientAuth = read.string("ssl.client.auth");
  assert(sslClientAuth === "required" || sslClientAuth === "requested" || sslClientAuth === "none", "ssl.client.auth was validated");

  const config: BrokerConfig = {
    nodeId: read.number("node.id"),
    processRoles: read.list("process.roles"),
    brokerRack: read.optionalString("broker.rack"),

    listeners: listenerSetup.listeners,
    advertisedListeners: listenerSetup.advertisedListeners,
    listenerSecurityProtocolMap: listenerSetup.protocolMap,
    interBrokerListenerName: listenerSetup.interBrokerListenerName,
    controllerListenerNames: listenerSetup.controllerListenerNames,
    socketSendBufferBytes: read.number("socket.send.buffer.bytes"),
    socketReceiveBufferBytes: read.number("socket.receive.buffer.bytes"),
    socketListenBacklogSize: read.number("socket.listen.backlog.size"),
    maxConnections: read.number("max.connections"),
    maxConnectionsPerIp: read.number("max.connections.per.ip"),
    maxConnectionsPerIpOverrides: overridesResult.value,
    maxConnectionCreationRate: read.number("max.connection.creation.rate"),
    connectionsMaxIdleMs: read.number("connections.max.idle.ms"),
    connectionFailedAuthenticationDelayMs: read.number("connection.failed.authentication.delay.ms"),

    messageMaxBytes: read.number("message.max.bytes"),
    socketRequestMaxBytes: read.number("socket.request.max.bytes"),
    fetchMaxBytes: read.number("fetch.max.bytes"),
    maxIncrementalFetchSessionCacheSlots: read.number("max.incremental.fetch.session.cache.slots"),
    queuedMaxRequests: read.number("queued.max.requests"),
    queuedMaxRequestBytes: read.number("queued.max.request.bytes"),
    requestTimeoutMs: read.number("request.timeout.ms"),

    logDirs,
    numPartitions: read.number("num.partitions"),
    defaultReplicationFactor: read.number("default.replication.factor"),
    autoCreateTopicsEnable: read.boolean("auto.create.topics.enable"),
    deleteTopicEnable: read.boolean("delete.topic.enable"),
    defaultLogConfig: topicDefaults.logConfig,
    logRetentionCheckIntervalMs: read.number("log.retention.check.interval.ms"),
    logFlushSchedulerIntervalMs: read.number("log.flush.scheduler.interval.ms"),
    logFlushOffsetCheckpointIntervalMs: read.number("log.flush.offset.checkpoint.interval.ms"),
    logFlushStartOffsetCheckpointIntervalMs: read.number("log.flush.start.offset.checkpoint.interval.ms"),
    logDirFailureTimeoutMs: read.number("log.dir.failure.timeout.ms"),

    logCleanerEnable: read.boolean("log.cleaner.enable"),
    logCleanerThreads: read.number("log.cleaner.threads"),
    logCleanerDedupeBufferSize: read.number("log.cleaner.dedupe.buffer.size"),
    logCleanerIoBufferSize: read.number("log.cleaner.io.buffer.size"),
    logCleanerIoBufferLoadFactor: read.number("log.cleaner.io.buffer.load.factor"),
    logCleanerIoMaxBytesPerSecond: read.number("log.cleaner.io.max.bytes.per.second"),
    logCleanerBackoffMs: read.number("log.cleaner.backoff.ms"),

    minInsyncReplicas: topicDefaults.minInsyncReplicas,
    compressionType: topicDefaults.compressionType,
    compressionGzipLevel: topicDefaults.compressionGzipLevel,
    compressionLz4Level: topicDefaults.compressionLz4Level,
    compressionZstdLevel: topicDefaults.compressionZstdLevel,
    uncleanLeaderElectionEnable: topicDefaults.uncleanLeaderElectionEnable,

    replicaLagTimeMaxMs: read.number("replica.lag.time.max.ms"),
    replicaFetchMaxBytes: read.number("replica.fetch.max.bytes"),
    replicaFetchResponseMaxBytes: read.number("replica.fetch.response.max.bytes"),
    replicaFetchWaitMaxMs: read.number("replica.fetch.wait.max.ms"),
    replicaFetchMinBytes: read.number("replica.fetch.min.bytes"),
    replicaFetchBackoffMs: read.number("replica.fetch.backoff.ms"),
    replicaSocketTimeoutMs: read.number("replica.socket.timeout.ms"),
    replicaSocketReceiveBufferBytes: read.number("replica.socket.receive.buffer.bytes"),
    replicaHighWatermarkCheckpointIntervalMs: read.number("replica.high.watermark.checkpoint.interval.ms"),
    numReplicaFetchers: read.number("num.replica.fetchers"),
    autoLeaderRebalanceEnable: read.boolean("auto.leader.rebalance.enable"),
    leaderImbalancePerBrokerPercentage: read.number("leader.imbalance.per.broker.percentage"),
    leaderImbalanceCheckIntervalSeconds: read.number("leader.imbalance.check.interval.seconds"),
    controlledShutdownEnable: read.boolean("controlled.shutdown.enable"),

    groupInitialRebalanceDelayMs: read.number("group.initial.rebalance.delay.ms"),
    groupMinSessionTimeoutMs: read.number("group.min.session.timeout.ms"),
    groupMaxSessionTimeoutMs: read.number("group.max.session.timeout.ms"),
    groupMaxSize: read.number("group.max.size"),
    groupCoordinatorRebalanceProtocols: read.list("group.coordinator.rebalance.protocols"),
    groupCoordinatorAppendLingerMs: read.number("group.coordinator.append.linger.ms"),
    groupConsumerSessionTimeoutMs: read.number("group.consumer.session.timeout.ms"),
    groupConsumerMinSessionTimeoutMs: read.number("group.consumer.min.session.timeout.ms"),
    groupConsumerMaxSessionTimeoutMs: read.number("group.consumer.max.session.timeout.ms"),
    groupConsumerHeartbeatIntervalMs: read.number("group.consumer.heartbeat.interval.ms"),
    groupConsumerMinHeartbeatIntervalMs: read.number("group.consumer.min.heartbeat.interval.ms"),
    groupConsumerMaxHeartbeatIntervalMs: read.number("group.consumer.max.heartbeat.interval.ms"),
    groupConsumerMaxSize: read.number("group.consumer.max.size"),
    groupConsumerAssignors: read.list("group.consumer.assignors"),
    groupConsumerMigrationPolicy: read.string("group.consumer.migration.policy").toLowerCase(),
    offsetsTopicNumPartitions: read.number("offsets.topic.num.partitions"),
    offsetsTopicReplicationFactor: read.number("offsets.topic.replication.factor"),
    offsetsTopicSegmentBytes: read.number("offsets.topic.segment.bytes"),
    offsetsTopicCompressionCodec: read.number("offsets.topic.compression.codec"),
    offsetsRetentionMs: read.number("offsets.retention.minutes") * MS_PER_MINUTE,
    offsetsRetentionCheckIntervalMs: read.number("offsets.retention.check.interval.ms"),
    offsetsCommitTimeoutMs: read.number("offsets.commit.timeout.ms"),
    offsetMetadataMaxBytes: read.number("offset.metadata.max.bytes"),

    transactionStateLogNumPartitions: read.number("transaction.state.log.num.partitions"),
    transactionStateLogReplicationFactor: read.number("transaction.state.log.replication.factor"),
    transactionStateLogMinIsr: read.number("transaction.state.log.min.isr"),
    transactionStateLogSegmentBytes: read.number("transaction.state.log.segment.bytes"),
    transactionMaxTimeoutMs: read.number("transaction.max.timeout.ms"),
    transactionalIdExpirationMs: read.number("transactional.id.expiration.ms"),
    transactionAbortTimedOutTransactionCleanupIntervalMs: read.number("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
    transactionRemoveExpiredTransactionCleanupIntervalMs: read.number("transaction.remove.expired.transaction.cleanup.interval.ms"),
    transactionPartitionVerificationEnable: read.boolean("transaction.partition.verification.enable"),
    producerIdExpirationMs: read.number("producer.id.expiration.ms"),

    saslEnabledMechanisms: read.list("sasl.enabled.mechanisms"),
    saslMechanismInterBrokerProtocol: read.string("sasl.mechanism.inter.broker.protocol"),
    saslServerMaxReceiveSize: read.number("sasl.server.max.receive.size"),
    connectionsMaxReauthMs: read.number("connections.max.reauth.ms"),
    authorizerClassName: read.string("authorizer.class.name"),
    superUsers: (read.optionalString("super.users") ?? "")
      .split(";")
      .map((user) => user.trim())
      .filter((user) => user !== ""),
    allowEveryoneIfNoAclFound: read.boolean("allow.everyone.if.no.acl.found"),
    sslClientAuth,

    quotaWindowNum: read.number("quota.window.num"),
    quotaWindowSizeSeconds: read.number("quota.window.size.seconds"),
    replicationQuotaWindowNum: read.number("replication.quota.window.num"),
    replicationQuotaWindowSizeSeconds: read.number("replication.quota.window.size.seconds"),
    controllerQuotaWindowNum: read.number("controller.quota.window.num"),
    controllerQuotaWindowSizeSeconds: read.number("controller.quota.window.size.seconds"),
    leaderReplicationThrottledRate: read.number("leader.replication.throttled.rate"),
    followerReplicationThrottledRate: read.number("follower.replication.throttled.rate"),
    telemetryMaxBytes: read.number("telemetry.max.bytes"),

    raw: new Map([...statics].map(([key, assignment]) => [key, assignment.value])),
    sources,
    values,
    dynamic: { clusterDefault, perBroker },
  };
  staticAssignments.set(config, statics);
  return config;
}

/**
 * Loads, validates and types the broker config. Throws ConfigError listing every invalid value
 * (key, value, rule and where it came from); unknown keys and no-effect keys come back as warnings.
 */
export function loadBrokerConfig(options: LoadBrokerConfigOptions = {}): LoadedBrokerConfig {
  const warnings: ConfigWarning[] = [];
  const statics = collectStatic(options, warnings);
  warnings.push(...warningsFor(statics));
  const config = buildBrokerConfig(statics, options.dynamic);
  return { config, warnings };
}

/** Returns a new BrokerConfig with these dynamic configs (replacing any applied before). */
export function applyDynamicBrokerConfigs(config: BrokerConfig, dynamic: DynamicBrokerConfigs): BrokerConfig {
  const statics = staticAssignments.get(config);
  assert(statics !== undefined, "BrokerConfig was not built by loadBrokerConfig");
  return buildBrokerConfig(statics, dynamic);
}

/** The broker config from defaults plus `overrides` (for tests and embedding); throws on bad values. */
export function brokerConfigWith(overrides: StringMap = {}, embeddedDefaults: StringMap = {}): BrokerConfig {
  return loadBrokerConfig({ overrides, embeddedDefaults }).config;
}
