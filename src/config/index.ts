// The public face of src/config: broker and topic config tables with Kafka's names and defaults,
// loading (properties file, TRIBUTARY_* environment, overrides, embedded single-node defaults),
// topic config validation and resolution to a storage LogConfig, and DescribeConfigs entries.

export type {
  BrokerConfigDefinition,
  ConfigDefinition,
  ConfigValidator,
  ConfigValueType,
  DynamicScope,
  Importance,
  SynonymUnit,
  TopicConfigDefinition,
  TopicConfigSynonym,
  TypedConfigValue,
} from "./config-definition.js";
export { LONG_MAX_VALUE_STRING, INT_MAX_VALUE_STRING } from "./config-definition.js";
export { ConfigError, formatConfigIssue, type ConfigIssue } from "./config-error.js";
export {
  CONFIG_SOURCE,
  CONFIG_TYPE,
  kafkaConfigSource,
  kafkaConfigType,
  type ConfigEntryValue,
  type ConfigSourceId,
  type ConfigTypeId,
  type ConfigValueSource,
} from "./config-source.js";
export { parseConfigValue, validValuesText, type ParseResult } from "./config-value.js";
export { parseProperties, PropertiesSyntaxError } from "./properties.js";
export { ENV_PREFIX, configNameForEnv, envNameForConfig } from "./env.js";
export type { Listener, ListenerEndpoint, SecurityProtocol } from "./listeners.js";
export {
  BROKER_CONFIG_DEFINITIONS,
  BROKER_CONFIGS_BY_NAME,
  TOPIC_CONFIG_DEFINITIONS,
  TOPIC_CONFIGS_BY_NAME,
} from "./definitions/index.js";
export {
  EMBEDDED_DEFAULTS,
  applyDynamicBrokerConfigs,
  brokerConfigWith,
  listenerBaseConfigName,
  listenerConfigValue,
  loadBrokerConfig,
  parseOverride,
  type BrokerConfig,
  type ConfigWarning,
  type DynamicBrokerConfigs,
  type LoadBrokerConfigOptions,
  type LoadedBrokerConfig,
  type PropertiesFile,
  type StringMap,
} from "./broker-config.js";
export {
  resolveLogConfig,
  resolveTopicConfig,
  validateTopicConfigs,
  type BrokerCompressionType,
  type BrokerValues,
  type ResolvedTopicConfig,
  type TopicConfigOverrides,
} from "./topic-config.js";
export {
  describeBrokerConfigs,
  describeClusterDefaultBrokerConfigs,
  describeTopicConfigs,
  type DescribeConfigsEntry,
  type DescribeConfigsSynonym,
} from "./describe-configs.js";
export { renderConfigurationDocs } from "./render-docs.js";
