// `tributary configs describe|alter` for a topic (--topic), one broker (--broker N) or the
// cluster-wide broker defaults (--broker-defaults), with kafka-configs.sh's option names and
// output. alter takes --add-config k=v,k2=[a,b] and --delete-config k,k2 and uses
// IncrementalAlterConfigs; against a broker without it, it falls back to the legacy
// AlterConfigs, sending the resource's whole set of dynamic configs with the changes applied.

import type { Command } from "commander";
import {
  AlterConfigOp,
  ConfigResourceType,
  alterConfigsReplacing,
  configSourceName,
  describeConfigs,
  incrementalAlterConfigs,
  supportsIncrementalAlterConfigs,
  type ConfigAlteration,
  type ConfigEntry,
  type ConfigResource,
  type KafkaClient,
} from "../client/index.js";
import { CliError } from "./cli-error.js";
import { addBootstrapOption, parseBrokerId, withClient, writeOut, type ConnectionOptions } from "./client-options.js";

interface EntityOptions extends ConnectionOptions {
  topic?: string;
  broker?: number;
  brokerDefaults?: boolean;
}

interface DescribeOptions extends EntityOptions {
  all?: boolean;
}

interface AlterOptions extends EntityOptions {
  addConfig?: string;
  deleteConfig?: string;
}

/** Config sources that count as "dynamic" for each kind of resource (kafka-configs.sh's filter). */
const DYNAMIC_TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
/** Entries in one --add-config or --delete-config list. */
const CONFIG_ENTRIES_MAX = 1_000;

function addEntityOptions(command: Command): Command {
  return addBootstrapOption(command)
    .option("--topic <name>", "a topic's configs")
    .option("--broker <id>", "one broker's configs", parseBrokerId)
    .option("--broker-defaults", "the cluster-wide default configs of all brokers");
}

export function registerConfigsCommand(program: Command): void {
  const configs = program.command("configs").description("describe and alter topic and broker configs (like kafka-configs.sh)");

  addEntityOptions(configs.command("describe").description("show the dynamic configs of a topic or broker (all of them with --all)"))
    .option("--all", "show every config, defaults included, not only dynamic ones")
    .action((options: DescribeOptions) => {
      const resource = resourceOf(options);
      return withClient(options, (client) => describe(client, resource, options.all === true));
    });

  addEntityOptions(configs.command("alter").description("set or remove dynamic configs of a topic or broker"))
    .option("--add-config <k=v,...>", "configs to set, comma-separated; put list values in brackets: k=[a,b]")
    .option("--delete-config <k,...>", "configs to remove (back to their defaults), comma-separated")
    .action((options: AlterOptions) => {
      // Usage is checked before connecting: a bad flag is exit 2 whether or not a broker answers.
      const resource = resourceOf(options);
      const changes = changesOf(options);
      return withClient(options, (client) => alter(client, resource, changes));
    });
}

function resourceOf(options: EntityOptions): ConfigResource {
  const chosen = [options.topic !== undefined, options.broker !== undefined, options.brokerDefaults === true].filter(Boolean).length;
  if (chosen !== 1) throw new CliError("give exactly one of --topic, --broker or --broker-defaults", 2);
  if (options.topic !== undefined) return { type: ConfigResourceType.TOPIC, name: options.topic };
  if (options.broker !== undefined) return { type: ConfigResourceType.BROKER, name: String(options.broker) };
  return { type: ConfigResourceType.BROKER, name: "" };
}

function dynamicSource(resource: ConfigResource): number {
  if (resource.type === ConfigResourceType.TOPIC) return DYNAMIC_TOPIC_CONFIG;
  return resource.name === "" ? DYNAMIC_DEFAULT_BROKER_CONFIG : DYNAMIC_BROKER_CONFIG;
}

function heading(resource: ConfigResource, all: boolean): string {
  if (resource.type === ConfigResourceType.TOPIC) return `${all ? "All" : "Dynamic"} configs for topic ${resource.name} are:`;
  if (resource.name === "") return "Default configs for brokers in the cluster are:";
  return `${all ? "All" : "Dynamic"} configs for broker ${resource.name} are:`;
}

function shownValue(value: string | null, isSensitive: boolean): string {
  return isSensitive ? "null" : (value ?? "null");
}

function describeLine(entry: ConfigEntry): string {
  const synonyms = entry.synonyms.map((synonym) => `${configSourceName(synonym.source)}:${synonym.name}=${shownValue(synonym.value, entry.isSensitive)}`);
  return `  ${entry.name}=${shownValue(entry.value, entry.isSensitive)} sensitive=${entry.isSensitive} synonyms={${synonyms.join(", ")}}`;
}

async function describe(client: KafkaClient, resource: ConfigResource, showAll: boolean): Promise<void> {
  const all = showAll && resource.name !== "";
  const description = await describeConfigs(client, resource);
  if (description.error !== null) throw new CliError(description.error.message);
  const source = dynamicSource(resource);
  const entries = all ? description.entries : description.entries.filter((entry) => entry.source === source);
  let text = heading(resource, all) + "\n";
  for (const entry of entries) text += describeLine(entry) + "\n";
  await writeOut(text);
}

/** Splits on commas outside square brackets; brackets group a list value: "a=1,b=[x,y]". */
export function splitConfigList(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === "[") depth++;
    else if (character === "]") depth = Math.max(0, depth - 1);
    else if (character === "," && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  const trimmed = parts.map((part) => part.trim()).filter((part) => part !== "");
  if (trimmed.length > CONFIG_ENTRIES_MAX) throw new CliError(`more than ${CONFIG_ENTRIES_MAX} configs in one list`, 2);
  return trimmed;
}

/** Parses --add-config into name -> value, with brackets around a list value removed. */
export function parseAddConfig(text: string): Map<string, string> {
  const configs = new Map<string, string>();
  for (const part of splitConfigList(text)) {
    const equals = part.indexOf("=");
    if (equals <= 0) throw new CliError(`invalid --add-config entry "${part}": expected key=value`, 2);
    const name = part.slice(0, equals).trim();
    let value = part.slice(equals + 1).trim();
    if (value.startsWith("[") && value.endsWith("]")) value = value.slice(1, -1);
    if (configs.has(name)) throw new CliError(`--add-config sets ${name} twice`, 2);
    configs.set(name, value);
  }
  return configs;
}

interface ConfigChanges {
  readonly additions: ReadonlyMap<string, string>;
  readonly deletions: readonly string[];
}

function changesOf(options: AlterOptions): ConfigChanges {
  const additions = options.addConfig === undefined ? new Map<string, string>() : parseAddConfig(options.addConfig);
  const deletions = options.deleteConfig === undefined ? [] : splitConfigList(options.deleteConfig);
  if (additions.size === 0 && deletions.length === 0) throw new CliError("nothing to alter: give --add-config and/or --delete-config", 2);
  for (const name of deletions) {
    if (additions.has(name)) throw new CliError(`${name} is both added and deleted`, 2);
  }
  return { additions, deletions };
}

async function alter(client: KafkaClient, resource: ConfigResource, { additions, deletions }: ConfigChanges): Promise<void> {
  let error;
  if (await supportsIncrementalAlterConfigs(client, resource)) {
    const alterations: ConfigAlteration[] = [
      ...[...additions].map(([name, value]) => ({ name, op: AlterConfigOp.SET, value })),
      ...deletions.map((name) => ({ name, op: AlterConfigOp.DELETE, value: null })),
    ];
    error = await incrementalAlterConfigs(client, resource, alterations);
  } else {
    error = await alterReplacing(client, resource, additions, deletions);
  }
  if (error !== null) throw new CliError(error.message);
  if (resource.type === ConfigResourceType.TOPIC) await writeOut(`Completed updating config for topic ${resource.name}.\n`);
  else if (resource.name === "") await writeOut("Completed updating default config for brokers in the cluster.\n");
  else await writeOut(`Completed updating config for broker ${resource.name}.\n`);
}

/** The legacy path: read the dynamic configs, apply the changes, write the whole set back. */
async function alterReplacing(client: KafkaClient, resource: ConfigResource, additions: ReadonlyMap<string, string>, deletions: readonly string[]) {
  const description = await describeConfigs(client, resource);
  if (description.error !== null) throw new CliError(description.error.message);
  const source = dynamicSource(resource);
  const configs = new Map<string, string>();
  for (const entry of description.entries) {
    if (entry.source !== source) continue;
    if (entry.value === null) {
      throw new CliError(`${entry.name} is sensitive and the broker has no IncrementalAlterConfigs: it cannot be kept while altering other configs`);
    }
    configs.set(entry.name, entry.value);
  }
  for (const name of deletions) {
    if (!configs.delete(name)) throw new CliError(`${name} is not a dynamic config of this resource, so it cannot be deleted`);
  }
  for (const [name, value] of additions) configs.set(name, value);
  return alterConfigsReplacing(client, resource, configs);
}
