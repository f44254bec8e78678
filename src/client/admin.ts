// Admin calls over KafkaClient, as Kafka's AdminClient makes them: CreateTopics, DeleteTopics and
// CreatePartitions go to the controller (any broker forwards in KRaft; NOT_CONTROLLER refreshes
// metadata and retries), DescribeConfigs/AlterConfigs/IncrementalAlterConfigs of a broker go to
// that broker, of a topic or of the cluster-wide broker defaults to any broker. Each topic or
// resource gets its own outcome: a Kafka error is returned as a KafkaProtocolError value, not
// thrown, so a tool can treat TOPIC_ALREADY_EXISTS as it likes. Transport failures are thrown.
// The request for each version is built with every field that version carries (the codecs
// write only the fields of the version sent).

import { ZERO_UUID } from "../lib/uuid.js";
import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import type { AlterConfigsRequest, AlterConfigsResponse } from "../protocol/generated/alter-configs.js";
import type { CreatePartitionsRequest, CreatePartitionsResponse } from "../protocol/generated/create-partitions.js";
import type { CreateTopicsRequest, CreateTopicsResponse } from "../protocol/generated/create-topics.js";
import type { DeleteTopicsRequest, DeleteTopicsResponse } from "../protocol/generated/delete-topics.js";
import type { DescribeConfigsRequest, DescribeConfigsResponse } from "../protocol/generated/describe-configs.js";
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from "../protocol/generated/incremental-alter-configs.js";
import { ClientUsageError, KafkaProtocolError } from "./errors.js";
import type { KafkaClient } from "./kafka-client.js";

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceType = {
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
} as const;
export type ConfigResourceType = (typeof ConfigResourceType)[keyof typeof ConfigResourceType];

/** Kafka's DescribeConfigs ConfigSource names by id. */
const CONFIG_SOURCE_NAMES: readonly string[] = [
  "UNKNOWN",
  "DYNAMIC_TOPIC_CONFIG",
  "DYNAMIC_BROKER_CONFIG",
  "DYNAMIC_DEFAULT_BROKER_CONFIG",
  "STATIC_BROKER_CONFIG",
  "DEFAULT_CONFIG",
  "DYNAMIC_BROKER_LOGGER_CONFIG",
  "CLIENT_METRICS_CONFIG",
  "GROUP_CONFIG",
];
export const DEFAULT_CONFIG_SOURCE = 5;

export function configSourceName(source: number): string {
  return CONFIG_SOURCE_NAMES[source] ?? `UNKNOWN(${source})`;
}

/** IncrementalAlterConfigs operations. */
export const AlterConfigOp = {
  SET: 0,
  DELETE: 1,
  APPEND: 2,
  SUBTRACT: 3,
} as const;
export type AlterConfigOp = (typeof AlterConfigOp)[keyof typeof AlterConfigOp];

/** Kafka's default for the admin timeout_ms fields. */
const DEFAULT_ADMIN_TIMEOUT_MS = 30_000;
/** First CreateTopics version that accepts -1 (the broker's default) for partitions and replication factor. */
const CREATE_TOPICS_DEFAULTS_VERSION = 4;
/** First DeleteTopics version with topics as structs (name or id). */
const DELETE_TOPICS_BY_ID_VERSION = 6;

export interface NewTopic {
  readonly name: string;
  /** -1: the broker's num.partitions. */
  readonly numPartitions: number;
  /** -1: the broker's default.replication.factor. */
  readonly replicationFactor: number;
  readonly configs: ReadonlyMap<string, string>;
}

export interface TopicOutcome {
  readonly name: string;
  /** ZERO_UUID when the broker does not say. */
  readonly topicId: string;
  readonly error: KafkaProtocolError | null;
}

export interface ConfigResource {
  readonly type: ConfigResourceType;
  /** The topic name, the broker id, or "" for the cluster-wide broker defaults. */
  readonly name: string;
}

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
}

export interface ConfigEntry {
  readonly name: string;
  /** null for sensitive values. */
  readonly value: string | null;
  readonly source: number;
  readonly isReadOnly: boolean;
  readonly isSensitive: boolean;
  readonly synonyms: readonly ConfigSynonym[];
}

export interface ConfigDescription {
  readonly resource: ConfigResource;
  readonly error: KafkaProtocolError | null;
  readonly entries: readonly ConfigEntry[];
}

export interface ConfigAlteration {
  readonly name: string;
  readonly op: AlterConfigOp;
  /** null for DELETE. */
  readonly value: string | null;
}

export interface AdminOptions {
  readonly timeoutMs?: number;
  readonly validateOnly?: boolean;
}

function messageOf(message: string | null | undefined): string | null {
  return message === undefined || message === null || message === "" ? null : message;
}

function outcomeError(code: number, subject: string, message: string | null | undefined): KafkaProtocolError | null {
  return code === ErrorCode.NONE ? null : new KafkaProtocolError(code, subject, messageOf(message));
}

/**
 * Sends a controller-bound request to the controller (any broker when unknown) and retries when
 * the answer says NOT_CONTROLLER for any entry, after refreshing metadata.
 */
async function sendToController<Response>(
  client: KafkaClient,
  apiKey: number,
  build: (version: number) => unknown,
  errorCodes: (response: Response) => readonly number[],
): Promise<{ response: Response; version: number }> {
  return client.retry(
    async () => {
      let version = -1;
      const controllerId = client.metadataSnapshot?.controllerId ?? -1;
      const target = controllerId >= 0 && client.broker(controllerId) !== undefined ? controllerId : null;
      const response = await client.request<Response>(target, apiKey, (negotiated) => {
        version = negotiated;
        return build(negotiated);
      });
      if (errorCodes(response).includes(ErrorCode.NOT_CONTROLLER)) throw new KafkaProtocolError(ErrorCode.NOT_CONTROLLER, "admin request");
      return { response, version };
    },
    async () => {
      await client.metadata([]);
    },
  );
}

export async function createTopics(client: KafkaClient, topics: readonly NewTopic[], options: AdminOptions = {}): Promise<TopicOutcome[]> {
  const { response } = await sendToController<CreateTopicsResponse>(
    client,
    ApiKey.CreateTopics,
    (version): CreateTopicsRequest => {
      if (version < CREATE_TOPICS_DEFAULTS_VERSION && topics.some((topic) => topic.numPartitions < 0 || topic.replicationFactor < 0)) {
        throw new ClientUsageError(`the broker speaks CreateTopics v${version}, which needs an explicit partition count and replication factor`);
      }
      return {
        topics: topics.map((topic) => ({
          name: topic.name,
          numPartitions: topic.numPartitions,
          replicationFactor: topic.replicationFactor,
          assignments: [],
          configs: [...topic.configs].map(([name, value]) => ({ name, value })),
        })),
        timeoutMs: options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS,
        validateOnly: options.validateOnly ?? false,
      };
    },
    (answer) => answer.topics.map((topic) => topic.errorCode),
  );
  return response.topics.map((topic) => ({
    name: topic.name,
    topicId: topic.topicId === "" ? ZERO_UUID : topic.topicId,
    error: outcomeError(topic.errorCode, `topic ${topic.name}`, topic.errorMessage),
  }));
}

export async function deleteTopics(client: KafkaClient, names: readonly string[], options: AdminOptions = {}): Promise<TopicOutcome[]> {
  const { response } = await sendToController<DeleteTopicsResponse>(
    client,
    ApiKey.DeleteTopics,
    (version): DeleteTopicsRequest => ({
      topics: version >= DELETE_TOPICS_BY_ID_VERSION ? names.map((name) => ({ name, topicId: ZERO_UUID })) : [],
      topicNames: version >= DELETE_TOPICS_BY_ID_VERSION ? [] : [...names],
      timeoutMs: options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS,
    }),
    (answer) => answer.responses.map((result) => result.errorCode),
  );
  return response.responses.map((result) => {
    const name = result.name ?? result.topicId;
    return { name, topicId: result.topicId === "" ? ZERO_UUID : result.topicId, error: outcomeError(result.errorCode, `topic ${name}`, result.errorMessage) };
  });
}

/** Grows topics to the given total partition counts. */
export async function createPartitions(
  client: KafkaClient,
  counts: ReadonlyMap<string, number>,
  options: AdminOptions = {},
): Promise<TopicOutcome[]> {
  const { response } = await sendToController<CreatePartitionsResponse>(
    client,
    ApiKey.CreatePartitions,
    (): CreatePartitionsRequest => ({
      topics: [...counts].map(([name, count]) => ({ name, count, assignments: null })),
      timeoutMs: options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS,
      validateOnly: options.validateOnly ?? false,
    }),
    (answer) => answer.results.map((result) => result.errorCode),
  );
  return response.results.map((result) => ({ name: result.name, topicId: ZERO_UUID, error: outcomeError(result.errorCode, `topic ${result.name}`, result.errorMessage) }));
}

/** The node that must answer for a config resource, or null for any broker. */
function configTarget(resource: ConfigResource): number | null {
  if ((resource.type === ConfigResourceType.BROKER || resource.type === ConfigResourceType.BROKER_LOGGER) && resource.name !== "") {
    const nodeId = Number(resource.name);
    if (!Number.isInteger(nodeId) || nodeId < 0) throw new ClientUsageError(`invalid broker id "${resource.name}"`);
    return nodeId;
  }
  return null;
}

function resourceSubject(resource: ConfigResource): string {
  if (resource.type === ConfigResourceType.TOPIC) return `topic ${resource.name}`;
  if (resource.name === "") return "the cluster-wide broker defaults";
  return resource.type === ConfigResourceType.BROKER_LOGGER ? `broker logger ${resource.name}` : `broker ${resource.name}`;
}

/** The node a resource's requests go to (looked up in metadata when needed), or null for any broker. */
async function resourceTarget(client: KafkaClient, resource: ConfigResource): Promise<number | null> {
  const target = configTarget(resource);
  if (target !== null && client.broker(target) === undefined) {
    await client.metadata([]);
    if (client.broker(target) === undefined) throw new ClientUsageError(`broker ${target} is not in the cluster`);
  }
  return target;
}

/** Sends to the resource's broker or to any broker. */
async function sendForResource<Response>(client: KafkaClient, resource: ConfigResource, apiKey: number, build: (version: number) => unknown): Promise<Response> {
  const target = await resourceTarget(client, resource);
  return client.retry(() => client.request<Response>(target, apiKey, build));
}

/** Every config of one resource with its source and synonyms (DescribeConfigs). */
export async function describeConfigs(client: KafkaClient, resource: ConfigResource): Promise<ConfigDescription> {
  const response = await sendForResource<DescribeConfigsResponse>(
    client,
    resource,
    ApiKey.DescribeConfigs,
    (): DescribeConfigsRequest => ({
      resources: [{ resourceType: resource.type, resourceName: resource.name, configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    }),
  );
  const result = response.results.find((entry) => entry.resourceType === resource.type && entry.resourceName === resource.name) ?? response.results[0];
  if (result === undefined) {
    return { resource, error: new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, resourceSubject(resource), "no result in the response"), entries: [] };
  }
  return {
    resource,
    error: outcomeError(result.errorCode, resourceSubject(resource), result.errorMessage),
    entries: result.configs.map((config) => ({
      name: config.name,
      value: config.value,
      source: config.configSource,
      isReadOnly: config.readOnly,
      isSensitive: config.isSensitive,
      synonyms: config.synonyms.map((synonym) => ({ name: synonym.name, value: synonym.value, source: synonym.source })),
    })),
  };
}

/** True when the broker offers IncrementalAlterConfigs (else alterConfigsReplacing must be used). */
export async function supportsIncrementalAlterConfigs(client: KafkaClient, resource: ConfigResource): Promise<boolean> {
  const target = await resourceTarget(client, resource);
  const connection = target === null ? await client.anyConnection() : await client.connectionTo(target);
  return connection.versions.supports(ApiKey.IncrementalAlterConfigs);
}

/** Changes some configs of one resource, leaving the others (IncrementalAlterConfigs). */
export async function incrementalAlterConfigs(
  client: KafkaClient,
  resource: ConfigResource,
  alterations: readonly ConfigAlteration[],
  options: AdminOptions = {},
): Promise<KafkaProtocolError | null> {
  const response = await sendForResource<IncrementalAlterConfigsResponse>(
    client,
    resource,
    ApiKey.IncrementalAlterConfigs,
    (): IncrementalAlterConfigsRequest => ({
      resources: [
        {
          resourceType: resource.type,
          resourceName: resource.name,
          configs: alterations.map((alteration) => ({ name: alteration.name, configOperation: alteration.op, value: alteration.value })),
        },
      ],
      validateOnly: options.validateOnly ?? false,
    }),
  );
  const result = response.responses[0];
  if (result === undefined) return new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, resourceSubject(resource), "no result in the response");
  return outcomeError(result.errorCode, resourceSubject(resource), result.errorMessage);
}

/**
 * Replaces the whole set of dynamic configs of one resource (the legacy AlterConfigs): configs
 * left out return to their defaults, so callers pass the full set they want.
 */
export async function alterConfigsReplacing(
  client: KafkaClient,
  resource: ConfigResource,
  configs: ReadonlyMap<string, string>,
  options: AdminOptions = {},
): Promise<KafkaProtocolError | null> {
  const response = await sendForResource<AlterConfigsResponse>(
    client,
    resource,
    ApiKey.AlterConfigs,
    (): AlterConfigsRequest => ({
      resources: [{ resourceType: resource.type, resourceName: resource.name, configs: [...configs].map(([name, value]) => ({ name, value })) }],
      validateOnly: options.validateOnly ?? false,
    }),
  );
  const result = response.responses[0];
  if (result === undefined) return new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, resourceSubject(resource), "no result in the response");
  return outcomeError(result.errorCode, resourceSubject(resource), result.errorMessage);
}
