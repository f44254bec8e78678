// Dynamic config changes for topics and brokers (AlterConfigs, IncrementalAlterConfigs), with the
// checks Kafka 4.0 makes on the broker that receives the request (ConfigAdminManager: duplicate
// resources and keys, null values, read-only broker configs) and on the controller
// (ConfigurationControlManager and ControllerConfigurationValidator: topic config validation,
// APPEND/SUBTRACT on list configs, the topic must exist), with the same error codes and messages.
//
// Results are stored in the metadata store (configs/topics/<name>, configs/brokers/<id>,
// configs/brokers-default) by compare-and-set on the versions read, so two concurrent changes of
// one resource never lose an update: the loser re-reads and re-applies its operations. Within one
// process, changes also queue on a lock shared with the topic controller, so they do not race
// each other at all; compare-and-set is what protects against other processes. A topic deleted
// meanwhile must fail the commit, not leave configs behind for a later topic of the same name:
// deletion removes existing overrides (their compare-and-set fails), and a topic without any has
// its record re-written unchanged at the version checked. Brokers pick the stored values up
// through the ClusterImage: the ReplicaManager re-resolves each hosted log's LogConfig, and
// startBroker() rebuilds the BrokerConfig in effect.
//
// BROKER_LOGGER resources (KIP-412 log levels) live in the broker process, not in the metadata;
// the caller passes a function that handles them.
// Not done: CLIENT_METRICS and GROUP resources (refused with INVALID_REQUEST), alter-config
// policies (alter.config.policy.class.name), authorization.

import { ErrorCode } from "../../protocol/error-codes.js";
import { AsyncMutex } from "../../lib/async-mutex.js";
import {
  BROKER_CONFIGS_BY_NAME,
  ConfigError,
  TOPIC_CONFIGS_BY_NAME,
  applyDynamicBrokerConfigs,
  formatConfigIssue,
  listenerBaseConfigName,
  parseConfigValue,
  validateTopicConfigs,
  type BrokerConfig,
} from "../../config/index.js";
import type { ClusterImage } from "../metadata/cluster-image.js";
import { MetadataConflictError, type MetadataEntry, type MetadataOp, type MetadataStore } from "../metadata/metadata-store.js";
import {
  BROKER_DEFAULT_CONFIGS_KEY,
  brokerConfigsKey,
  topicConfigsKey,
  topicKey,
  type ConfigRecord,
} from "../metadata/metadata-records.js";
import { topicNameError } from "./topic-names.js";

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

/** Kafka's AlterConfigOp.OpType ids (IncrementalAlterConfigs). */
export const AlterConfigOpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

const OP_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [AlterConfigOpType.SET, "SET"],
  [AlterConfigOpType.DELETE, "DELETE"],
  [AlterConfigOpType.APPEND, "APPEND"],
  [AlterConfigOpType.SUBTRACT, "SUBTRACT"],
]);

export function alterConfigOpName(operation: number): string | undefined {
  return OP_TYPE_NAMES.get(operation);
}

/**
 * Times one resource's change is re-planned after losing a compare-and-set race. Each retry
 * re-reads the store, so this is only reached if other writers win this many times in a row.
 */
export const CONFIG_COMMIT_ATTEMPTS_MAX = 8;

/**
 * Broker configs a broker only accepts per listener (listener.name.<listener>.<config>): Kafka's
 * SslConfigs.RECONFIGURABLE_CONFIGS, the key and trust stores each listener has.
 */
const LISTENER_ONLY_SECURITY_CONFIGS: ReadonlySet<string> = new Set([
  "ssl.keystore.type",
  "ssl.keystore.location",
  "ssl.keystore.password",
  "ssl.key.password",
  "ssl.truststore.type",
  "ssl.truststore.location",
  "ssl.truststore.password",
  "ssl.keystore.certificate.chain",
  "ssl.keystore.key",
  "ssl.truststore.certificates",
]);

/** Listener configs that are cluster-wide even under a listener prefix (Kafka's ClusterLevelListenerConfigs). */
const CLUSTER_LEVEL_LISTENER_CONFIGS: ReadonlySet<string> = new Set(["max.connections", "max.connection.creation.rate", "num.network.threads"]);

export interface ConfigOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const SUCCESS: ConfigOutcome = Object.freeze({ errorCode: ErrorCode.NONE, errorMessage: null });

export interface ConfigChange {
  readonly name: string;
  /** AlterConfigOpType; AlterConfigs (legacy) changes are all SET. */
  readonly operation: number;
  readonly value: string | null;
}

export interface ConfigAlteration {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly changes: readonly ConfigChange[];
}

/** What the rules need to know about the broker that received the request. */
export interface BrokerScope {
  readonly nodeId: number;
  /** The broker config in effect (static and dynamic configs), read at each attempt. */
  settings(): BrokerConfig;
}

/** Handles a BROKER_LOGGER resource (log levels of this process). */
export type BrokerLoggerAlterer = (alteration: ConfigAlteration, validateOnly: boolean) => ConfigOutcome;

/** A Kafka error for one resource; a value, so that one bad resource never fails the others. */
export class Rejection implements ConfigOutcome {
  constructor(
    readonly errorCode: number,
    readonly errorMessage: string | null,
  ) {}
}

type Mode = "replace" | "incremental";

/** Scala's Set.toString, which Kafka puts into its messages: "Set(a, b)". */
function scalaSet(names: readonly string[]): string {
  return `Set(${names.join(", ")})`;
}

function configsOf(entry: MetadataEntry | undefined): Map<string, string> {
  if (entry === undefined) return new Map();
  return new Map(Object.entries((JSON.parse(entry.value) as ConfigRecord).configs));
}

function sameConfigs(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) if (b.get(name) !== value) return false;
  return true;
}

/** Writes a resource's configs at the version read, or removes the key when none remain. */
function configWrite(key: string, configs: ReadonlyMap<string, string>, entry: MetadataEntry | undefined): MetadataOp {
  const expectedVersion = entry?.version ?? 0;
  if (configs.size === 0) return { type: "delete", key, expectedVersion };
  const record: ConfigRecord = { configs: Object.fromEntries([...configs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  return { type: "put", key, value: JSON.stringify(record), expectedVersion };
}

/** A Java int as Integer.parseInt reads it, or undefined. */
function parseJavaInt(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= -(2 ** 31) && value <= 2 ** 31 - 1 ? value : undefined;
}

/** Checks the name of a BROKER resource that is not the cluster default (ConfigAdminManager's rule). */
export function brokerResourceNameError(resourceName: string, nodeId: number): Rejection | null {
  const id = parseJavaInt(resourceName);
  if (id === undefined) return new Rejection(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${resourceName}`);
  if (id !== nodeId) return new Rejection(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${nodeId}, but received ${resourceName}`);
  return null;
}

/** The items of a list config as Kafka's APPEND/SUBTRACT see them: the stored value, else the default. */
function listItems(current: string | undefined, defaultValue: string | null): string[] {
  const text = current ?? defaultValue ?? "";
  return text.split(",").filter((item) => item !== "");
}

/**
 * Applies IncrementalAlterConfigs operations to a topic's overrides (ConfigurationControlManager):
 * APPEND adds the items not yet present, SUBTRACT removes one occurrence of each; both start from
 * the topic config's default when the topic has no override, and need a LIST config.
 */
export function applyTopicConfigChanges(current: ReadonlyMap<string, string>, changes: readonly ConfigChange[]): Map<string, string> | Rejection {
  const next = new Map(current);
  for (const change of changes) {
    switch (change.operation) {
      case AlterConfigOpType.SET:
        next.set(change.name, change.value ?? "");
        break;
      case AlterConfigOpType.DELETE:
        next.delete(change.name);
        break;
      case AlterConfigOpType.APPEND:
      case AlterConfigOpType.SUBTRACT: {
        const definition = TOPIC_CONFIGS_BY_NAME.get(change.name);
        if (definition?.type !== "list") {
          return new Rejection(
            ErrorCode.INVALID_CONFIG,
            `Can't ${alterConfigOpName(change.operation)} to key ${change.name} because its type is not LIST.`,
          );
        }
        const items = listItems(next.get(change.name), definition.defaultValue);
        for (const item of (change.value ?? "").split(",")) {
          if (change.operation === AlterConfigOpType.APPEND) {
            if (!items.includes(item)) items.push(item);
          } else {
            const index = items.indexOf(item);
            if (index >= 0) items.splice(index, 1);
          }
        }
        next.set(change.name, items.join(","));
        break;
      }
      default:
        return new Rejection(ErrorCode.INVALID_REQUEST, `Unknown operations type ${change.operation}`);
    }
  }
  return next;
}

/**
 * Applies IncrementalAlterConfigs operations to a broker resource's dynamic configs
 * (ConfigAdminManager.prepareIncrementalConfigs): like topics, but the list default is the broker
 * config table's and the messages are the broker side's.
 */
export function applyBrokerConfigChanges(current: ReadonlyMap<string, string>, changes: readonly ConfigChange[]): Map<string, string> | Rejection {
  const next = new Map(current);
  for (const change of changes) {
    switch (change.operation) {
      case AlterConfigOpType.SET:
        next.set(change.name, change.value ?? "");
        break;
      case AlterConfigOpType.DELETE:
        next.delete(change.name);
        break;
      case AlterConfigOpType.APPEND:
      case AlterConfigOpType.SUBTRACT: {
        const verb = change.operation === AlterConfigOpType.APPEND ? "append" : "subtract";
        const definition = BROKER_CONFIGS_BY_NAME.get(listenerBaseConfigName(change.name) ?? change.name);
        if (definition === undefined) return new Rejection(ErrorCode.INVALID_CONFIG, `Unknown config name: ${change.name}`);
        if (definition.type !== "list") {
          return new Rejection(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${change.name}`);
        }
        const items = listItems(next.get(change.name), definition.defaultValue);
        const given = (change.value ?? "").split(",");
        if (change.operation === AlterConfigOpType.APPEND) {
          for (const item of given) if (!items.includes(item)) items.push(item);
        } else {
          for (const item of given) {
            const index = items.indexOf(item);
            if (index >= 0) items.splice(index, 1);
          }
        }
        next.set(change.name, items.join(","));
        break;
      }
      default:
        return new Rejection(ErrorCode.INVALID_REQUEST, `Unknown operations type ${change.operation}`);
    }
  }
  return next;
}

/** Kafka's "Invalid value X for configuration Y: Z" without our "(from ...)" origin suffix. */
function issueMessages(error: ConfigError): string {
  return error.issues.map((issue) => formatConfigIssue({ ...issue, origin: undefined })).join("; ");
}

/**
 * Checks a broker resource's complete set of dynamic configs the way DynamicBrokerConfig.validate
 * does, in its order: read-only configs, key/trust stores without a listener prefix, value types
 * and rules, configs that only exist per broker at the cluster-default level, then the whole
 * resulting broker config (cross-config rules). Every failure is INVALID_REQUEST (KAFKA-13609).
 */
export function brokerConfigsError(
  configs: ReadonlyMap<string, string>,
  perBroker: boolean,
  settings: BrokerConfig,
  otherLevel: ReadonlyMap<string, string>,
): Rejection | null {
  const names = [...configs.keys()];
  const readOnly = names.filter((name) => BROKER_CONFIGS_BY_NAME.get(name)?.dynamicScope === "read-only");
  if (readOnly.length > 0) return new Rejection(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: ${scalaSet(readOnly)}`);
  const unprefixedSecurity = names.filter((name) => LISTENER_ONLY_SECURITY_CONFIGS.has(name));
  if (unprefixedSecurity.length > 0) {
    return new Rejection(
      ErrorCode.INVALID_REQUEST,
      `These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(unprefixedSecurity)}`,
    );
  }
  for (const [name, value] of configs) {
    const definition = BROKER_CONFIGS_BY_NAME.get(listenerBaseConfigName(name) ?? name);
    // Kafka keeps custom (unknown) keys in dynamic configs.
    if (definition === undefined) continue;
    const parsed = parseConfigValue(definition, value);
    if (!parsed.ok) return new Rejection(ErrorCode.INVALID_REQUEST, `Invalid value ${value} for configuration ${name}: ${parsed.rule}`);
  }
  if (!perBroker) {
    const brokerOnly = names.filter((name) => {
      const base = listenerBaseConfigName(name);
      if (base !== undefined) return !CLUSTER_LEVEL_LISTENER_CONFIGS.has(base);
      return BROKER_CONFIGS_BY_NAME.get(name)?.dynamicScope === "per-broker";
    });
    if (brokerOnly.length > 0) {
      return new Rejection(
        ErrorCode.INVALID_REQUEST,
        `Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(brokerOnly)}`,
      );
    }
  }
  try {
    applyDynamicBrokerConfigs(settings, perBroker ? { clusterDefault: otherLevel, perBroker: configs } : { clusterDefault: configs, perBroker: otherLevel });
  } catch (error) {
    if (error instanceof ConfigError) return new Rejection(ErrorCode.INVALID_REQUEST, issueMessages(error));
    throw error;
  }
  return null;
}

/** What one attempt decided: a rejection, or the metadata writes to make (none: nothing changes). */
type Plan = Rejection | { readonly ops: readonly MetadataOp[] };

export class ConfigController {
  /**
   * @param lock serializes this process's metadata changes (shared with the TopicController), so
   *   concurrent requests queue instead of losing compare-and-set races to each other.
   */
  constructor(
    private readonly store: MetadataStore,
    private readonly image: ClusterImage,
    private readonly lock: AsyncMutex = new AsyncMutex(),
  ) {}

  /**
   * AlterConfigs (legacy): each resource's dynamic configs become exactly the ones given; every
   * other override of that resource is removed. Outcomes are in request order.
   */
  alterConfigs(
    resources: readonly { readonly resourceType: number; readonly resourceName: string; readonly configs: readonly { readonly name: string; readonly value: string | null }[] }[],
    validateOnly: boolean,
    scope: BrokerScope,
  ): Promise<ConfigOutcome[]> {
    const alterations = resources.map((resource) => ({
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      changes: resource.configs.map((config) => ({ name: config.name, operation: AlterConfigOpType.SET, value: config.value })),
    }));
    return this.alterAll(alterations, "replace", validateOnly, scope, null);
  }

  /** IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on named configs; the others stay. */
  incrementalAlterConfigs(
    resources: readonly ConfigAlteration[],
    validateOnly: boolean,
    scope: BrokerScope,
    brokerLogger: BrokerLoggerAlterer,
  ): Promise<ConfigOutcome[]> {
    return this.alterAll(resources, "incremental", validateOnly, scope, brokerLogger);
  }

  private async alterAll(
    alterations: readonly ConfigAlteration[],
    mode: Mode,
    validateOnly: boolean,
    scope: BrokerScope,
    brokerLogger: BrokerLoggerAlterer | null,
  ): Promise<ConfigOutcome[]> {
    const counts = new Map<string, number>();
    const identity = (alteration: ConfigAlteration): string => `${alteration.resourceType}:${alteration.resourceName}`;
    for (const alteration of alterations) counts.set(identity(alteration), (counts.get(identity(alteration)) ?? 0) + 1);
    const outcomes: ConfigOutcome[] = [];
    for (const alteration of alterations) {
      const outcome =
        (counts.get(identity(alteration)) ?? 0) > 1
          ? new Rejection(ErrorCode.INVALID_REQUEST, "Each resource must appear at most once.")
          : await this.alterOne(alteration, mode, validateOnly, scope, brokerLogger);
      // Plain values for callers, whatever shape the outcome had inside.
      outcomes.push({ errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return outcomes;
  }

  private async alterOne(
    alteration: ConfigAlteration,
    mode: Mode,
    validateOnly: boolean,
    scope: BrokerScope,
    brokerLogger: BrokerLoggerAlterer | null,
  ): Promise<ConfigOutcome> {
    const names = alteration.changes.map((change) => change.name);
    if (new Set(names).size !== names.length) return new Rejection(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys");
    const nullValues = alteration.changes
      .filter((change) => change.value === null && (mode === "replace" || change.operation !== AlterConfigOpType.DELETE))
      .map((change) => change.name);
    if (nullValues.length > 0) return new Rejection(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nullValues.join(", ")}`);
    switch (alteration.resourceType) {
      case ConfigResourceType.BROKER_LOGGER:
        // Legacy AlterConfigs never supported log levels (KIP-412 came with the incremental API).
        if (brokerLogger === null) return new Rejection(ErrorCode.INVALID_REQUEST, `Unknown resource type ${alteration.resourceType}`);
        return brokerLogger(alteration, validateOnly);
      case ConfigResourceType.BROKER: {
        if (alteration.resourceName !== "") {
          const nameError = brokerResourceNameError(alteration.resourceName, scope.nodeId);
          if (nameError !== null) return nameError;
        }
        return this.commitWithRetry(() => this.planBroker(alteration, mode, scope), validateOnly);
      }
      case ConfigResourceType.TOPIC:
        return this.commitWithRetry(() => this.planTopic(alteration, mode, scope), validateOnly);
      case ConfigResourceType.CLIENT_METRICS:
      case ConfigResourceType.GROUP:
        return new Rejection(ErrorCode.INVALID_REQUEST, `Resource type ${alteration.resourceType} (client metrics or group configs) is not supported by Tributary yet`);
      default:
        return new Rejection(ErrorCode.INVALID_REQUEST, `Unknown resource type ${alteration.resourceType}`);
    }
  }

  private commitWithRetry(plan: () => Promise<Plan>, validateOnly: boolean): Promise<ConfigOutcome> {
    return this.lock.runExclusive(() => this.commitUnlocked(plan, validateOnly));
  }

  private async commitUnlocked(plan: () => Promise<Plan>, validateOnly: boolean): Promise<ConfigOutcome> {
    for (let attempt = 1; attempt <= CONFIG_COMMIT_ATTEMPTS_MAX; attempt++) {
      const planned = await plan();
      if (planned instanceof Rejection) return planned;
      if (validateOnly || planned.ops.length === 0) return SUCCESS;
      try {
        await this.store.commit(planned.ops);
        return SUCCESS;
      } catch (error) {
        if (!(error instanceof MetadataConflictError)) throw error;
      }
    }
    return new Rejection(
      ErrorCode.UNKNOWN_SERVER_ERROR,
      `The config change lost ${CONFIG_COMMIT_ATTEMPTS_MAX} compare-and-set races with concurrent changes; retry it`,
    );
  }

  private async planTopic(alteration: ConfigAlteration, mode: Mode, scope: BrokerScope): Promise<Plan> {
    const name = alteration.resourceName;
    if (name === "") return new Rejection(ErrorCode.INVALID_REQUEST, "Default topic resources are not allowed.");
    const nameError = topicNameError(name);
    if (nameError !== null) return new Rejection(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
    const configsEntry = await this.store.get(topicConfigsKey(name));
    const current = configsEntry === undefined ? new Map<string, string>() : configsOf(configsEntry);
    const next =
      mode === "replace"
        ? new Map(alteration.changes.map((change): [string, string] => [change.name, change.value ?? ""]))
        : applyTopicConfigChanges(current, alteration.changes);
    if (next instanceof Rejection) return next;
    const errors = validateTopicConfigs(next, scope.settings());
    if (errors.size > 0) return new Rejection(ErrorCode.INVALID_CONFIG, [...errors.values()].join("; "));
    // Existence is checked after the configs, as Kafka's controller does.
    const topicEntry = await this.store.get(topicKey(name));
    if (topicEntry === undefined) return new Rejection(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    if (sameConfigs(current, next)) return { ops: [] };
    const ops: MetadataOp[] = [configWrite(topicConfigsKey(name), next, configsEntry)];
    // A deletion removes existing overrides, which fails the compare-and-set above; when there were
    // none, the topic record itself is compared (re-written unchanged) so a deletion still fails it.
    if (configsEntry === undefined) ops.push({ type: "put", key: topicEntry.key, value: topicEntry.value, expectedVersion: topicEntry.version });
    return { ops };
  }

  private async planBroker(alteration: ConfigAlteration, mode: Mode, scope: BrokerScope): Promise<Plan> {
    const perBroker = alteration.resourceName !== "";
    const key = perBroker ? brokerConfigsKey(scope.nodeId) : BROKER_DEFAULT_CONFIGS_KEY;
    const entry = await this.store.get(key);
    const current = configsOf(entry);
    const next =
      mode === "replace"
        ? new Map(alteration.changes.map((change): [string, string] => [change.name, change.value ?? ""]))
        : applyBrokerConfigChanges(current, alteration.changes);
    if (next instanceof Rejection) return next;
    const otherLevel = new Map(
      Object.entries(perBroker ? this.image.defaultBrokerConfigOverrides() : this.image.brokerConfigOverrides(scope.nodeId)),
    );
    const error = brokerConfigsError(next, perBroker, scope.settings(), otherLevel);
    if (error !== null) return error;
    // Written even when unchanged, as Kafka does, so brokers reload (KAFKA-14136).
    return { ops: [configWrite(key, next, entry)] };
  }
}
