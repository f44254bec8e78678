// Where a config value came from, in Tributary's terms and in Kafka's DescribeConfigs numbering
// (DescribeConfigsResponse.ConfigSource, ConfigEntry.ConfigType). Everything set at startup (embedded
// defaults, file, environment, --override) is what Kafka calls STATIC_BROKER_CONFIG.

import type { ConfigValueType, TypedConfigValue } from "./config-definition.js";

export type ConfigValueSource =
  /** The table's default (Kafka's, or Tributary's where noted). */
  | "default"
  /** The single-node defaults `tributary start` and startBroker() apply (EMBEDDED_DEFAULTS). */
  | "embedded"
  /** The server.properties file. */
  | "file"
  /** A TRIBUTARY_* environment variable. */
  | "env"
  /** A --override key=value flag or a programmatic override. */
  | "override"
  /** A dynamic cluster-wide default (AlterConfigs on the broker resource ""). */
  | "dynamic-default"
  /** A dynamic config of this broker (AlterConfigs on the broker resource "<node id>"). */
  | "dynamic-broker";

/** Kafka's DescribeConfigsResponse ConfigSource ids. */
export const CONFIG_SOURCE = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

export type ConfigSourceId = (typeof CONFIG_SOURCE)[keyof typeof CONFIG_SOURCE];

/** Kafka's DescribeConfigs ConfigType ids. */
export const CONFIG_TYPE = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

export type ConfigTypeId = (typeof CONFIG_TYPE)[keyof typeof CONFIG_TYPE];

export function kafkaConfigSource(source: ConfigValueSource): ConfigSourceId {
  switch (source) {
    case "default":
      return CONFIG_SOURCE.DEFAULT_CONFIG;
    case "embedded":
    case "file":
    case "env":
    case "override":
      return CONFIG_SOURCE.STATIC_BROKER_CONFIG;
    case "dynamic-default":
      return CONFIG_SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG;
    case "dynamic-broker":
      return CONFIG_SOURCE.DYNAMIC_BROKER_CONFIG;
  }
}

export function kafkaConfigType(type: ConfigValueType | undefined): ConfigTypeId {
  switch (type) {
    case "boolean":
      return CONFIG_TYPE.BOOLEAN;
    case "string":
      return CONFIG_TYPE.STRING;
    case "int":
      return CONFIG_TYPE.INT;
    case "short":
      return CONFIG_TYPE.SHORT;
    case "long":
      return CONFIG_TYPE.LONG;
    case "double":
      return CONFIG_TYPE.DOUBLE;
    case "list":
      return CONFIG_TYPE.LIST;
    case "class":
      return CONFIG_TYPE.CLASS;
    case "password":
      return CONFIG_TYPE.PASSWORD;
    case undefined:
      return CONFIG_TYPE.UNKNOWN;
  }
}

/** One config's effective value: typed for code, display for DescribeConfigs, and its source. */
export interface ConfigEntryValue {
  readonly typed: TypedConfigValue;
  /** Kafka's string form; null when unset. Passwords are kept here and hidden only by describe. */
  readonly display: string | null;
  readonly source: ConfigValueSource;
}
