// Renders docs/configuration.md from the config tables, so the reference can never drift from what
// the broker accepts: a test compares the committed file with a fresh rendering. The loading rules
// (precedence, environment names, overrides, embedded defaults) are written here once.

import type { BrokerConfigDefinition, ConfigDefinition, TopicConfigDefinition } from "./config-definition.js";
import { validValuesText } from "./config-value.js";
import { EMBEDDED_DEFAULTS } from "./broker-config.js";
import { BROKER_CONFIG_DEFINITIONS, TOPIC_CONFIG_DEFINITIONS } from "./definitions/index.js";
import { envNameForConfig } from "./env.js";

const UPDATE_MODE_TEXT: Readonly<Record<BrokerConfigDefinition["dynamicScope"], string>> = {
  "read-only": "read-only (restart to change)",
  "per-broker": "per-broker (dynamic, for one broker)",
  "cluster-wide": "cluster-wide (dynamic, for one broker or as the cluster default)",
};

function code(text: string): string {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function defaultText(value: string | null | undefined): string {
  if (value === null || value === undefined) return "null (unset)";
  if (value === "") return '"" (empty)';
  return code(value);
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces become hyphens.
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");
}

function commonLines(definition: ConfigDefinition): string[] {
  const lines = [`- Type: ${definition.type}`, `- Default: ${defaultText(definition.defaultValue)}`];
  const valid = validValuesText(definition.validator);
  if (valid !== "") lines.push(`- Valid values: ${valid}`);
  lines.push(`- Importance: ${definition.importance}`);
  return lines;
}

function renderBrokerConfig(definition: BrokerConfigDefinition): string[] {
  const lines = [`#### ${code(definition.name)}`, "", definition.documentation];
  if (definition.tributaryNote !== undefined) lines.push("", `Tributary: ${definition.tributaryNote}`);
  lines.push("", ...commonLines(definition));
  if (definition.kafkaDefault !== undefined) lines.push(`- Kafka's default: ${defaultText(definition.kafkaDefault)}`);
  lines.push(`- Update mode: ${UPDATE_MODE_TEXT[definition.dynamicScope]}`);
  lines.push(`- Environment variable: ${code(envNameForConfig(definition.name))}`, "");
  return lines;
}

function renderTopicConfig(definition: TopicConfigDefinition): string[] {
  const lines = [`#### ${code(definition.name)}`, "", definition.documentation];
  if (definition.tributaryNote !== undefined) lines.push("", `Tributary: ${definition.tributaryNote}`);
  lines.push("", ...commonLines(definition));
  const synonyms = definition.synonyms.map((synonym) =>
    synonym.unit === "same" ? code(synonym.name) : `${code(synonym.name)} (in ${synonym.unit})`,
  );
  lines.push(`- Broker default from: ${synonyms.length === 0 ? "none (topic-only)" : synonyms.join(", then ")}`);
  lines.push("- Update mode: per topic (dynamic: CreateTopics, AlterConfigs, IncrementalAlterConfigs)", "");
  return lines;
}

function groupsInOrder(): Map<string, BrokerConfigDefinition[]> {
  const groups = new Map<string, BrokerConfigDefinition[]>();
  for (const definition of BROKER_CONFIG_DEFINITIONS) {
    const members = groups.get(definition.group) ?? [];
    members.push(definition);
    groups.set(definition.group, members);
  }
  return groups;
}

const LOADING_SECTION: readonly string[] = [
  "## How configuration is loaded",
  "",
  "Tributary uses Kafka's config names, types, defaults and validation rules, so a `server.properties` written",
  "for Kafka 4.0 loads unchanged. Each key takes its value from the highest-precedence place that sets it:",
  "",
  "1. built-in defaults (Kafka 4.0's, except where this page names Kafka's own default separately);",
  "2. the embedded single-node defaults below (applied by `tributary start` and `startBroker()`);",
  "3. the properties file given to `tributary start` (Kafka's `server.properties` format);",
  "4. `TRIBUTARY_*` environment variables;",
  "5. `--override key=value` flags (or the `overrides` passed to `startBroker()`);",
  "6. dynamic configs set at runtime with AlterConfigs / IncrementalAlterConfigs: first the cluster-wide",
  "   default (broker resource `\"\"`), then this broker's own (broker resource `\"<node.id>\"`). Only configs",
  "   whose update mode is per-broker or cluster-wide can be set this way, and only cluster-wide ones as the",
  "   cluster default.",
  "",
  "The properties file follows Java's `.properties` rules: `key=value`, `key: value` or `key value`; lines",
  "starting with `#` or `!` are comments; a backslash at the end of a line continues it on the next line;",
  "`\\t`, `\\n`, `\\uXXXX` and other backslash escapes work as in Java. Values are trimmed before they are",
  "parsed, and when a key appears twice the last one wins.",
  "",
  "Environment variables are named `TRIBUTARY_` followed by the key in upper case with each `.` written as",
  "`_`: `TRIBUTARY_LOG_DIRS=/data` sets `log.dirs`, `TRIBUTARY_NUM_PARTITIONS=3` sets `num.partitions`. A `_`",
  "inside a key is written `__` and a `-` is written `___`, so",
  "`TRIBUTARY_LISTENER_NAME_SASL__SSL_SASL_ENABLED_MECHANISMS` sets",
  "`listener.name.sasl_ssl.sasl.enabled.mechanisms`.",
  "",
  "Any key may also be given for one listener as `listener.name.<listener>.<key>` (and SASL settings per",
  "mechanism as `listener.name.<listener>.<mechanism>.<key>`), as in Kafka.",
  "",
  "A key Tributary does not know is kept (and shown by DescribeConfigs with its value hidden) and reported",
  "as a warning; so is a key that is accepted only for compatibility and has no effect. An invalid value",
  "stops startup with an error that names the key, the value, the rule and where the value came from, e.g.",
  "`Invalid value abc for configuration num.partitions: Not a number of type INT (from environment variable",
  "TRIBUTARY_NUM_PARTITIONS)`.",
  "",
  "Values of Java's `Long.MAX_VALUE` (meaning \"never\" or \"no limit\") are shown as `9223372036854775807`, as",
  "Kafka shows them; inside the broker they are held as `Number.MAX_SAFE_INTEGER`.",
  "",
  "Topic configs are set per topic (CreateTopics, `kafka-configs.sh --alter --entity-type topics`). A topic",
  "that does not set one takes the broker config named under \"Broker default from\", trying the names in",
  "order: `retention.ms` uses `log.retention.ms`, else `log.retention.minutes`, else `log.retention.hours`.",
  "",
];

function embeddedDefaultsSection(): string[] {
  const lines = [
    "## Embedded single-node defaults",
    "",
    "`tributary start` and `startBroker()` apply these on top of the built-in defaults, as Kafka's shipped",
    "`config/server.properties` does, so consumer groups and transactions work on one broker without a",
    "config file. A file, environment variable or override still wins over them.",
    "",
    "| Config | Embedded value | Built-in default |",
    "| --- | --- | --- |",
  ];
  for (const [name, value] of Object.entries(EMBEDDED_DEFAULTS)) {
    const definition = BROKER_CONFIG_DEFINITIONS.find((candidate) => candidate.name === name);
    lines.push(`| ${code(name)} | ${code(value)} | ${defaultText(definition?.defaultValue)} |`);
  }
  lines.push("");
  return lines;
}

/** The full text of docs/configuration.md. */
export function renderConfigurationDocs(): string {
  const lines = [
    "# Configuration",
    "",
    "<!-- Generated from src/config/definitions by src/config/generate-docs.ts. Do not edit by hand:",
    "     run `npm run build && node dist/src/config/generate-docs.js`. -->",
    "",
    "Contents: [loading](#how-configuration-is-loaded), [embedded defaults](#embedded-single-node-defaults),",
    "[broker configs](#broker-configs), [topic configs](#topic-configs).",
    "",
    ...LOADING_SECTION,
    ...embeddedDefaultsSection(),
    "## Broker configs",
    "",
  ];
  const groups = groupsInOrder();
  lines.push(...[...groups.keys()].map((group) => `- [${group}](#${anchorOf(group)})`), "");
  for (const [group, definitions] of groups) {
    lines.push(`### ${group}`, "");
    for (const definition of definitions) lines.push(...renderBrokerConfig(definition));
  }
  lines.push("## Topic configs", "");
  for (const definition of TOPIC_CONFIG_DEFINITIONS) lines.push(...renderTopicConfig(definition));
  return `${lines.join("\n").trimEnd()}\n`;
}
