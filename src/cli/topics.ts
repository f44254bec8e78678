// `tributary topics create|list|describe|alter|delete`, with kafka-topics.sh's option names and
// output: "Created topic x.", one name per line for list, and describe's tab-separated
// "Topic: ... TopicId: ... PartitionCount: ... ReplicationFactor: ... Configs: ..." line with
// one "Partition: ... Leader: ... Replicas: ... Isr: ..." line per partition.

import type { Command } from "commander";
import {
  ConfigResourceType,
  DEFAULT_CONFIG_SOURCE,
  NO_LEADER,
  createPartitions,
  createTopics,
  deleteTopics,
  describeConfigs,
  type ApiVersionTable,
  type KafkaClient,
  type TopicMetadata,
} from "../client/index.js";
import { ErrorCode, errorName } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import { CliError } from "./cli-error.js";
import {
  addBootstrapOption,
  collect,
  parseKeyValue,
  parsePartitionCount,
  parseReplicationFactor,
  withClient,
  writeOut,
  type ConnectionOptions,
} from "./client-options.js";

interface CreateOptions extends ConnectionOptions {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  config: string[];
  ifNotExists?: boolean;
}

interface ListOptions extends ConnectionOptions {
  excludeInternal?: boolean;
}

interface DescribeOptions extends ConnectionOptions {
  topic: string[];
  excludeInternal?: boolean;
}

interface AlterOptions extends ConnectionOptions {
  topic: string;
  partitions: number;
  ifExists?: boolean;
}

interface DeleteOptions extends ConnectionOptions {
  topic: string;
  ifExists?: boolean;
}

export function registerTopicsCommand(program: Command): void {
  const topics = program.command("topics").description("create, list, describe, alter and delete topics (like kafka-topics.sh)");

  addBootstrapOption(topics.command("create").description("create a topic"))
    .requiredOption("--topic <name>", "the topic to create")
    .option("--partitions <count>", "number of partitions (default: the broker's num.partitions)", parsePartitionCount)
    .option("--replication-factor <count>", "replicas per partition (default: the broker's default.replication.factor)", parseReplicationFactor)
    .option("--config <key=value>", "a topic config override (repeatable)", collect, [])
    .option("--if-not-exists", "succeed quietly if the topic already exists")
    .action((options: CreateOptions) => {
      const configs = configsOf(options.config);
      return withClient(options, (client) => createTopic(client, options, configs));
    });

  addBootstrapOption(topics.command("list").description("list topic names, one per line"))
    .option("--exclude-internal", "leave out internal topics such as __consumer_offsets")
    .action((options: ListOptions) => withClient(options, (client) => listTopics(client, options)));

  addBootstrapOption(topics.command("describe").description("show partitions, leaders, replicas, ISR and configs"))
    .option("--topic <name>", "the topic to describe (repeatable; default: all topics)", collect, [])
    .option("--exclude-internal", "leave out internal topics when describing all topics")
    .action((options: DescribeOptions) => withClient(options, (client) => describeTopics(client, options)));

  addBootstrapOption(topics.command("alter").description("increase a topic's partition count"))
    .requiredOption("--topic <name>", "the topic to alter")
    .requiredOption("--partitions <count>", "the new (larger) total number of partitions", parsePartitionCount)
    .option("--if-exists", "succeed quietly if the topic does not exist")
    .action((options: AlterOptions) => withClient(options, (client) => alterTopic(client, options)));

  addBootstrapOption(topics.command("delete").description("delete a topic and its data"))
    .requiredOption("--topic <name>", "the topic to delete")
    .option("--if-exists", "succeed quietly if the topic does not exist")
    .action((options: DeleteOptions) => withClient(options, (client) => deleteTopic(client, options)));
}

function configsOf(entries: readonly string[]): Map<string, string> {
  const configs = new Map<string, string>();
  for (const entry of entries) {
    const [key, value] = parseKeyValue(entry, "--config");
    if (configs.has(key)) throw new CliError(`--config ${key} is given twice`, 2);
    configs.set(key, value);
  }
  return configs;
}

async function createTopic(client: KafkaClient, options: CreateOptions, configs: ReadonlyMap<string, string>): Promise<void> {
  const [outcome] = await createTopics(client, [
    { name: options.topic, numPartitions: options.partitions ?? -1, replicationFactor: options.replicationFactor ?? -1, configs },
  ]);
  if (outcome.error !== null) {
    if (outcome.error.code === ErrorCode.TOPIC_ALREADY_EXISTS && options.ifNotExists === true) return;
    throw new CliError(outcome.error.message);
  }
  await writeOut(`Created topic ${options.topic}.\n`);
}

async function listTopics(client: KafkaClient, options: ListOptions): Promise<void> {
  const metadata = await client.metadata(null);
  const names = [...metadata.topics.values()]
    .filter((topic) => topic.errorCode === ErrorCode.NONE && !(options.excludeInternal === true && topic.isInternal))
    .map((topic) => topic.name)
    .sort();
  if (names.length > 0) await writeOut(names.join("\n") + "\n");
}

function formatReplicas(nodeIds: readonly number[]): string {
  return nodeIds.join(",");
}

/** Non-default configs, as kafka-topics.sh shows them; null when the broker cannot describe configs. */
async function topicConfigs(client: KafkaClient, topic: string, versions: ApiVersionTable): Promise<string | null> {
  if (!versions.supports(ApiKey.DescribeConfigs)) return null;
  const description = await describeConfigs(client, { type: ConfigResourceType.TOPIC, name: topic });
  if (description.error !== null) throw new CliError(description.error.message);
  return description.entries
    .filter((entry) => entry.source !== DEFAULT_CONFIG_SOURCE)
    .map((entry) => `${entry.name}=${entry.isSensitive ? "<sensitive>" : (entry.value ?? "null")}`)
    .join(",");
}

function describeLines(topic: TopicMetadata, configs: string | null): string {
  const replicationFactor = topic.partitions.length > 0 ? topic.partitions[0].replicas.length : 0;
  let text = `Topic: ${topic.name}\tTopicId: ${topic.topicId}\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${replicationFactor}`;
  text += configs === null ? "\n" : `\tConfigs: ${configs}\n`;
  for (const partition of topic.partitions) {
    const leader = partition.leaderId === NO_LEADER ? "none" : String(partition.leaderId);
    text += `\tTopic: ${topic.name}\tPartition: ${partition.partition}\tLeader: ${leader}\tReplicas: ${formatReplicas(partition.replicas)}\tIsr: ${formatReplicas(partition.isr)}`;
    if (partition.offlineReplicas.length > 0) text += `\tOffline: ${formatReplicas(partition.offlineReplicas)}`;
    text += "\n";
  }
  return text;
}

async function describeTopics(client: KafkaClient, options: DescribeOptions): Promise<void> {
  const requested = options.topic.length > 0 ? [...new Set(options.topic)] : null;
  const metadata = await client.metadata(requested);
  const topics: TopicMetadata[] = [];
  if (requested === null) {
    for (const topic of metadata.topics.values()) {
      if (topic.errorCode === ErrorCode.NONE && !(options.excludeInternal === true && topic.isInternal)) topics.push(topic);
    }
    topics.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } else {
    for (const name of requested) {
      const topic = metadata.topics.get(name);
      if (topic === undefined || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new CliError(`topic ${name} does not exist`);
      if (topic.errorCode !== ErrorCode.NONE) throw new CliError(`topic ${name}: ${errorName(topic.errorCode)}`);
      topics.push(topic);
    }
  }
  const versions = (await client.anyConnection()).versions;
  if (!versions.supports(ApiKey.DescribeConfigs) && topics.length > 0) {
    process.stderr.write(`tributary: the broker at ${versions.brokerAddress} does not support DescribeConfigs; configs are not shown\n`);
  }
  for (const topic of topics) await writeOut(describeLines(topic, await topicConfigs(client, topic.name, versions)));
}

/** Turns "does not exist" into a quiet success with --if-exists. */
function missingTopicIsFine(code: number, ifExists: boolean | undefined): boolean {
  return ifExists === true && (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || code === ErrorCode.UNKNOWN_TOPIC_ID);
}

async function alterTopic(client: KafkaClient, options: AlterOptions): Promise<void> {
  const [outcome] = await createPartitions(client, new Map([[options.topic, options.partitions]]));
  if (outcome.error !== null) {
    if (missingTopicIsFine(outcome.error.code, options.ifExists)) return;
    throw new CliError(outcome.error.message);
  }
  await writeOut(`Altered topic ${options.topic}: ${options.partitions} partitions.\n`);
}

async function deleteTopic(client: KafkaClient, options: DeleteOptions): Promise<void> {
  const [outcome] = await deleteTopics(client, [options.topic]);
  if (outcome.error !== null) {
    if (missingTopicIsFine(outcome.error.code, options.ifExists)) return;
    throw new CliError(outcome.error.message);
  }
  await writeOut(`Deleted topic ${options.topic}.\n`);
}
