// The shape of Tributary's config tables: one definition per Kafka config name with Kafka's type,
// default, validator and importance, plus (broker) the dynamic update scope and (topic) the broker
// synonyms that supply the default. The tables live in definitions/; turning a string into a typed
// value lives in config-value.ts. Names, types and defaults follow Apache Kafka 4.0 so that files,
// tools and DescribeConfigs output written for Kafka read the same here.

/** Kafka's ConfigDef.Type, lower-cased. */
export type ConfigValueType = "boolean" | "short" | "int" | "long" | "double" | "string" | "list" | "password" | "class";

/** Kafka's ConfigDef.Importance. */
export type Importance = "high" | "medium" | "low";

/**
 * Kafka's dynamic update mode for a broker config (DynamicBrokerConfig): read-only configs change only
 * with a restart; per-broker ones can be altered for one broker; cluster-wide ones for one broker or as
 * the cluster default.
 */
export type DynamicScope = "read-only" | "per-broker" | "cluster-wide";

/** What a parsed value holds: numbers for all integer and double types, lists as string arrays. */
export type TypedConfigValue = boolean | number | string | readonly string[] | null;

export type ConfigValidator =
  /** Inclusive bounds on a number (Kafka's Range.atLeast / Range.between). */
  | { readonly kind: "range"; readonly min?: number; readonly max?: number }
  /** Inclusive bounds, or one extra allowed value outside them (gzip's level -1). */
  | { readonly kind: "range-or"; readonly min: number; readonly max: number; readonly orValue: number }
  /** One of a fixed set of strings (Kafka's ValidString / CaseInsensitiveValidString). */
  | { readonly kind: "one-of"; readonly values: readonly string[]; readonly caseInsensitive?: boolean }
  /** Every list item one of a fixed set (Kafka's ValidList.in). */
  | { readonly kind: "each-one-of"; readonly values: readonly string[] }
  /**
   * A rule no table entry can express (listener URLs, protocol maps). `check` gets the parsed value
   * (never null) and returns the broken rule, or undefined when the value is fine.
   */
  | { readonly kind: "custom"; readonly validValues: string; readonly check: (value: TypedConfigValue) => string | undefined };

export interface ConfigDefinition {
  /** Kafka's exact config name. */
  readonly name: string;
  readonly type: ConfigValueType;
  /**
   * The default in Kafka's string form (what DescribeConfigs reports), or null for "unset". Long.MAX_VALUE
   * defaults are written "9223372036854775807"; the typed value holds Number.MAX_SAFE_INTEGER.
   */
  readonly defaultValue: string | null;
  /** One or two sentences, in our own words. */
  readonly documentation: string;
  readonly validator?: ConfigValidator;
  readonly importance: Importance;
}

export interface BrokerConfigDefinition extends ConfigDefinition {
  /** Heading the config is listed under in docs/configuration.md. */
  readonly group: string;
  readonly dynamicScope: DynamicScope;
  /** Kafka 4.0's default when Tributary's differs (so a single node starts with no config at all). */
  readonly kafkaDefault?: string | null;
  /** How the setting maps onto Tributary when that is not obvious (single-threaded Node, no JVM plug-ins). */
  readonly tributaryNote?: string;
  /**
   * Accepted so Kafka config files load, but it changes nothing in Tributary; setting it explicitly
   * produces a "no-effect" warning.
   */
  readonly noEffect?: boolean;
}

/** How a broker synonym's value converts to the topic config's unit. */
export type SynonymUnit = "same" | "minutes" | "hours";

export interface TopicConfigSynonym {
  readonly name: string;
  readonly unit: SynonymUnit;
}

export interface TopicConfigDefinition extends ConfigDefinition {
  /**
   * The broker configs that supply this topic config's default, in Kafka's order: the first one with
   * a value wins (ServerTopicConfigSynonyms). Empty when the topic config has no broker default.
   */
  readonly synonyms: readonly TopicConfigSynonym[];
  /** How the setting maps onto Tributary when that is not obvious. */
  readonly tributaryNote?: string;
}

/** The string Kafka prints for Long.MAX_VALUE, used as the default of "never"/"unbounded" long configs. */
export const LONG_MAX_VALUE_STRING = "9223372036854775807";
/** The string Kafka prints for Integer.MAX_VALUE. */
export const INT_MAX_VALUE_STRING = "2147483647";

export function atLeast(min: number): ConfigValidator {
  return { kind: "range", min };
}

export function between(min: number, max: number): ConfigValidator {
  return { kind: "range", min, max };
}

export function oneOf(...values: string[]): ConfigValidator {
  return { kind: "one-of", values };
}

export function oneOfIgnoringCase(...values: string[]): ConfigValidator {
  return { kind: "one-of", values, caseInsensitive: true };
}

export function eachOneOf(...values: string[]): ConfigValidator {
  return { kind: "each-one-of", values };
}
