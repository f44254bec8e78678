// Metadata v0-12: brokers reachable on the listener the client used, topics with partition
// leaders, replicas and ISR, topic ids (v10+), cluster id (v2+), controller id (v1+).
// Unknown topics are created on the spot when auto.create.topics.enable allows it (and, from v4,
// the client asks for it); the answer then already carries the new leaders, so clients do not
// go through a round of LEADER_NOT_AVAILABLE.
// Not done: authorization (all operations are reported allowed until ACLs exist).

import {
  MetadataRequestCodec,
  MetadataResponseCodec,
  type MetadataResponseBroker,
  type MetadataResponseTopic,
} from "../../protocol/generated/metadata.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { ZERO_UUID } from "../../lib/uuid.js";
import type { TopicRecord } from "../../cluster/metadata/metadata-records.js";
import { isInternalTopic, topicNameError } from "../../cluster/controller/topic-names.js";
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  CLUSTER_OPERATIONS,
  TOPIC_OPERATIONS,
  operationsBitField,
} from "../../security/acl-operations.js";
import { defineHandler, type RequestContext } from "../handler.js";

const FIRST_TOPIC_ID_LOOKUP_VERSION = 12;

function brokersOnListener(context: RequestContext): MetadataResponseBroker[] {
  const brokers: MetadataResponseBroker[] = [];
  for (const broker of context.broker.image.brokers()) {
    const endpoint = broker.endpoints.find((candidate) => candidate.listenerName === context.listenerName);
    if (endpoint !== undefined) brokers.push({ nodeId: broker.nodeId, host: endpoint.host, port: endpoint.port, rack: broker.rack });
  }
  return brokers.sort((a, b) => a.nodeId - b.nodeId);
}

function describeTopic(topic: TopicRecord, includeOperations: boolean): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions.map((partition) => ({
      errorCode: partition.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: partition.partition,
      leaderId: partition.leader,
      leaderEpoch: partition.leaderEpoch,
      replicaNodes: [...partition.replicas],
      isrNodes: [...partition.isr],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: includeOperations ? operationsBitField(TOPIC_OPERATIONS) : AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

export const metadataHandler = defineHandler({
  request: MetadataRequestCodec,
  response: MetadataResponseCodec,
  minVersion: 0,
  maxVersion: 12,
  async handle(context, request) {
    const { broker, apiVersion } = context;
    const includeTopicOperations = request.includeTopicAuthorizedOperations;
    // v0 used an empty list to mean "all topics"; from v1 that is null and [] means none.
    const allTopics = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    const response = MetadataResponseCodec.create();
    response.clusterId = broker.clusterId;
    response.controllerId = broker.nodeId;
    if (request.includeClusterAuthorizedOperations) {
      response.clusterAuthorizedOperations = operationsBitField(CLUSTER_OPERATIONS);
    }
    if (allTopics) {
      response.topics = [...broker.image.topics()]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((topic) => describeTopic(topic, includeTopicOperations));
      response.brokers = brokersOnListener(context);
      return response;
    }
    const settings = broker.settings();
    const mayCreate = settings.autoCreateTopicsEnable && (apiVersion < 4 || request.allowAutoTopicCreation);
    const missing: string[] = [];
    for (const requested of request.topics ?? []) {
      if (requested.name === null) continue;
      if (broker.image.topic(requested.name) === undefined && topicNameError(requested.name) === null) missing.push(requested.name);
    }
    if (mayCreate && missing.length > 0) {
      const creatable = [...new Set(missing)].filter((name) => !isInternalTopic(name));
      const outcomes = await broker.topics.createTopics(
        creatable.map((name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} })),
        false,
      );
      await broker.replicas.settled();
      for (const outcome of outcomes) {
        if (outcome.errorCode !== ErrorCode.NONE && outcome.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
          context.logger.warn({ topic: outcome.name, error: outcome.errorMessage }, "auto-creating topic failed");
        }
      }
    }
    for (const requested of request.topics ?? []) {
      // Topics by id only from v12; v10-v11 carry the field but Kafka refuses it (and null names).
      if (apiVersion < FIRST_TOPIC_ID_LOOKUP_VERSION && (requested.name === null || requested.topicId !== ZERO_UUID)) {
        response.topics.push(topicError(requested.name ?? "", requested.topicId, ErrorCode.INVALID_REQUEST));
        continue;
      }
      if (requested.name === null) {
        const topic = requested.topicId === ZERO_UUID ? undefined : broker.image.topicById(requested.topicId);
        response.topics.push(
          topic === undefined
            ? topicError(null, requested.topicId, ErrorCode.UNKNOWN_TOPIC_ID)
            : describeTopic(topic, includeTopicOperations),
        );
        continue;
      }
      if (topicNameError(requested.name) !== null) {
        response.topics.push(topicError(requested.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION));
        continue;
      }
      const topic = broker.image.topic(requested.name);
      response.topics.push(
        topic === undefined
          ? topicError(requested.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
          : describeTopic(topic, includeTopicOperations),
      );
    }
    response.brokers = brokersOnListener(context);
    return response;
  },
});
