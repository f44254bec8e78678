// CreateTopics v2-7 (Kafka 4 dropped v0-1). Each topic succeeds or fails on its own with Kafka's
// error codes and messages; validate_only checks without creating. On one node the logs exist
// and the leader is known when the response is sent, so clients can produce at once.
// From v5 the response carries the partition count, replication factor and resulting configs.

import {
  CreateTopicsRequestCodec,
  CreateTopicsResponseCodec,
  type CreatableTopic,
  type CreatableTopicResult,
  type CreateTopicsRequest,
} from "../../protocol/generated/create-topics.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { ZERO_UUID } from "../../lib/uuid.js";
import type { TopicCreation } from "../../cluster/controller/topic-controller.js";
import { defineHandler } from "../handler.js";

function toCreation(topic: CreatableTopic): TopicCreation {
  const configs: Record<string, string> = {};
  for (const config of topic.configs) {
    if (config.value !== null) configs[config.name] = config.value;
  }
  return {
    name: topic.name,
    numPartitions: topic.numPartitions,
    replicationFactor: topic.replicationFactor,
    assignments: topic.assignments.map((assignment) => ({ partition: assignment.partitionIndex, replicas: assignment.brokerIds })),
    configs,
  };
}

function failedResult(name: string, errorCode: number, errorMessage: string | null): CreatableTopicResult {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: -1,
    replicationFactor: -1,
    configs: null,
  };
}

export const createTopicsHandler = defineHandler({
  request: CreateTopicsRequestCodec,
  response: CreateTopicsResponseCodec,
  minVersion: 2,
  maxVersion: 7,
  async handle(context, request) {
    const outcomes = await context.broker.topics.createTopics(request.topics.map(toCreation), request.validateOnly);
    // Answer once the logs exist and the leader serves: clients may produce right away.
    await context.broker.replicas.settled();
    const response = CreateTopicsResponseCodec.create();
    response.topics = outcomes.map((outcome, index): CreatableTopicResult => {
      if (outcome.topic === null) return failedResult(outcome.name, outcome.errorCode, outcome.errorMessage);
      const overrides = toCreation(request.topics[index]).configs;
      return {
        name: outcome.name,
        topicId: request.validateOnly ? ZERO_UUID : outcome.topic.topicId,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topicConfigErrorCode: ErrorCode.NONE,
        numPartitions: outcome.topic.partitions.length,
        replicationFactor: outcome.topic.partitions[0]?.replicas.length ?? -1,
        configs: context.broker.describeTopicConfigs(overrides).map((config) => ({ ...config })),
      };
    });
    return response;
  },
  errorResponse(request: CreateTopicsRequest, errorCode, errorMessage) {
    const response = CreateTopicsResponseCodec.create();
    response.topics = request.topics.map((topic) => failedResult(topic.name, errorCode, errorMessage));
    return response;
  },
});
