// Builds DescribeConfigs entries for the broker and topic resources: value (null for passwords and
// unknown keys, as Kafka hides anything it cannot type), Kafka's ConfigSource and ConfigType ids,
// read-only flag, documentation, and the synonyms in Kafka's order: by source (dynamic broker,
// dynamic cluster default, static, default), then by synonym precedence within a source
// (log.retention.ms, log.retention.minutes, log.retention.hours).
//
// One deliberate difference: for a topic config Kafka drops every synonym listed before the first
// entry named like the topic config's first broker synonym, which hides log.retention.hours=24 when
// describing retention.ms and then reports the source as DEFAULT_CONFIG. Tributary lists those
// synonyms and reports the source of the value actually in effect.

import type { ConfigDefinition } from "./config-definition.js";
import { ConfigError } from "./config-error.js";
import { CONFIG_SOURCE, kafkaConfigType, type ConfigSourceId, type ConfigTypeId } from "./config-source.js";
import { applyDynamicBrokerConfigs, listenerBaseConfigName, type BrokerConfig, type DynamicBrokerConfigs } from "./broker-config.js";
import { BROKER_CONFIGS_BY_NAME, TOPIC_CONFIG_DEFINITIONS } from "./definitions/index.js";
import { resolveTopicValues, type TopicConfigOverrides } from "./topic-config.js";

export interface DescribeConfigsSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceId;
}

export interface DescribeConfigsEntry {
  readonly name: string;
  /** Null for password configs and for keys with no known type. */
  readonly value: string | null;
  readonly source: ConfigSourceId;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  /** Every place a value for this config is set, highest precedence first. */
  readonly synonyms: readonly DescribeConfigsSynonym[];
  readonly configType: ConfigTypeId;
  readonly documentation: string | null;
}

// Broker configs that are one setting under several names (Kafka's brokerConfigSynonyms).
const BROKER_SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ["log.roll.ms", "log.roll.hours"],
  ["log.roll.jitter.ms", "log.roll.jitter.hours"],
  ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
];

function brokerSynonymNames(name: string): string[] {
  const group = BROKER_SYNONYM_GROUPS.find((names) => names.includes(name));
  if (group !== undefined) return [...group];
  // log.flush.scheduler.interval.ms is only the fallback of log.flush.interval.ms, not the reverse.
  if (name === "log.flush.interval.ms") return [name, "log.flush.scheduler.interval.ms"];
  const base = listenerBaseConfigName(name);
  return base === undefined ? [name] : [name, base];
}

function definitionFor(name: string): ConfigDefinition | undefined {
  return BROKER_CONFIGS_BY_NAME.get(name) ?? BROKER_CONFIGS_BY_NAME.get(listenerBaseConfigName(name) ?? "");
}

function documentationOf(definition: { readonly documentation: string; readonly tributaryNote?: string } | undefined): string | null {
  if (definition === undefined) return null;
  return definition.tributaryNote === undefined ? definition.documentation : `${definition.documentation} ${definition.tributaryNote}`;
}

interface SourceLayer {
  readonly source: ConfigSourceId;
  readonly lookup: (name: string) => string | undefined;
}

function layersOf(config: BrokerConfig): SourceLayer[] {
  return [
    { source: CONFIG_SOURCE.DYNAMIC_BROKER_CONFIG, lookup: (name) => config.dynamic.perBroker.get(name) },
    { source: CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG, lookup: (name) => config.dynamic.clusterDefault.get(name) },
    { source: CONFIG_SOURCE.STATIC_BROKER_CONFIG, lookup: (name) => config.raw.get(name) },
    { source: CONFIG_SOURCE.DEFAULT_CONFIG, lookup: (name) => BROKER_CONFIGS_BY_NAME.get(name)?.defaultValue ?? undefined },
  ];
}

function collectSynonyms(config: BrokerConfig, names: readonly string[], isSensitive: boolean): DescribeConfigsSynonym[] {
  const synonyms: DescribeConfigsSynonym[] = [];
  for (const layer of layersOf(config)) {
    for (const name of names) {
      const value = layer.lookup(name);
      if (value !== undefined) synonyms.push({ name, value: isSensitive ? null : value, source: layer.source });
    }
  }
  return synonyms;
}

function withDynamic(config: BrokerConfig, dynamicOverrides: DynamicBrokerConfigs | undefined): BrokerConfig {
  return dynamicOverrides === undefined ? config : applyDynamicBrokerConfigs(config, dynamicOverrides);
}

function brokerEntry(config: BrokerConfig, name: string, perBroker: boolean): DescribeConfigsEntry {
  const definition = definitionFor(name);
  // Like Kafka, anything whose type is unknown is treated as sensitive.
  const isSensitive = definition === undefined || definition.type === "password";
  let synonyms = collectSynonyms(config, brokerSynonymNames(name), isSensitive);
  if (!perBroker) synonyms = synonyms.filter((synonym) => synonym.source === CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG);
  // Describing X lists X's own settings and lower-precedence synonyms, not the names that shadow it.
  const first = synonyms.findIndex((synonym) => synonym.name === name);
  synonyms = first < 0 ? [] : synonyms.slice(first);
  const ownValue = BROKER_CONFIGS_BY_NAME.has(name)
    ? (config.values.get(name)?.display ?? null)
    : (config.dynamic.perBroker.get(name) ?? config.dynamic.clusterDefault.get(name) ?? config.raw.get(name) ?? null);
  const value = perBroker ? ownValue : (config.dynamic.clusterDefault.get(name) ?? null);
  const scopeDefinition = BROKER_CONFIGS_BY_NAME.get(name) ?? BROKER_CONFIGS_BY_NAME.get(listenerBaseConfigName(name) ?? "");
  return {
    name,
    value: isSensitive ? null : value,
    source: synonyms[0]?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG,
    isSensitive,
    readOnly: scopeDefinition === undefined || scopeDefinition.dynamicScope === "read-only",
    synonyms,
    configType: kafkaConfigType(definition?.type),
    documentation: documentationOf(scopeDefinition),
  };
}

function byName(a: DescribeConfigsEntry, b: DescribeConfigsEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Every config of this broker (the broker resource named by its id): all defined configs plus any
 * other key set at startup or dynamically, sorted by name.
 */
export function describeBrokerConfigs(config: BrokerConfig, dynamicOverrides?: DynamicBrokerConfigs): DescribeConfigsEntry[] {
  const effective = withDynamic(config, dynamicOverrides);
  const names = new Set<string>([
    ...BROKER_CONFIGS_BY_NAME.keys(),
    ...effective.raw.keys(),
    ...effective.dynamic.clusterDefault.keys(),
    ...effective.dynamic.perBroker.keys(),
  ]);
  return [...names].map((name) => brokerEntry(effective, name, true)).sort(byName);
}

/** The cluster-default broker resource (empty name): only the dynamic cluster-wide defaults. */
export function describeClusterDefaultBrokerConfigs(config: BrokerConfig, dynamicOverrides?: DynamicBrokerConfigs): DescribeConfigsEntry[] {
  const effective = withDynamic(config, dynamicOverrides);
  return [...effective.dynamic.clusterDefault.keys()].map((name) => brokerEntry(effective, name, false)).sort(byName);
}

/**
 * Every config of a topic: its overrides (source DYNAMIC_TOPIC_CONFIG), else the broker synonyms in
 * Kafka's order, else the topic table default. Throws ConfigError if an override is invalid.
 */
export function describeTopicConfigs(
  brokerConfig: BrokerConfig,
  topicOverrides: TopicConfigOverrides = {},
  dynamicOverrides?: DynamicBrokerConfigs,
): DescribeConfigsEntry[] {
  const effective = withDynamic(brokerConfig, dynamicOverrides);
  const { values, issues } = resolveTopicValues(effective, topicOverrides);
  if (issues.length > 0) throw new ConfigError(issues);
  return TOPIC_CONFIG_DEFINITIONS.map((topic) => {
    const resolved = values.get(topic.name);
    const synonyms: DescribeConfigsSynonym[] = [];
    if (resolved?.origin === "topic") {
      synonyms.push({ name: topic.name, value: resolved.display, source: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG });
    }
    synonyms.push(...collectSynonyms(effective, topic.synonyms.map((synonym) => synonym.name), false));
    const entry: DescribeConfigsEntry = {
      name: topic.name,
      value: resolved?.display ?? null,
      source: synonyms[0]?.source ?? CONFIG_SOURCE.DEFAULT_CONFIG,
      isSensitive: false,
      readOnly: false,
      synonyms,
      configType: kafkaConfigType(topic.type),
      documentation: documentationOf(topic),
    };
    return entry;
  }).sort(byName);
}
