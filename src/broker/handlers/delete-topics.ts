// DeleteTopics v1-6 (Kafka 4 dropped v0): by name, and from v6 by topic id. Each topic gets its
// own outcome with Kafka's errors (unknown name or id, duplicates, name and id both or neither
// given); the topics that can go are removed in one metadata commit together with their config
// overrides. The answer is sent once this broker has dropped the partitions, so a client that
// re-creates the topic right away gets a new, empty one. The hosted logs are renamed
// <topic>-<partition>.<id>-delete and removed after file.delete.delay.ms, as Kafka does.
// With delete.topic.enable=false every topic gets TOPIC_DELETION_DISABLED (INVALID_REQUEST
// before v3). Not done: authorization, controller mutation quotas (KIP-599 throttling).

import {
  DeleteTopicsRequestCodec,
  DeleteTopicsResponseCodec,
  type DeletableTopicResult,
  type DeleteTopicsRequest,
} from "../../protocol/generated/delete-topics.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { ZERO_UUID } from "../../lib/uuid.js";
import type { TopicDeletionTarget } from "../../cluster/controller/topic-controller.js";
import { defineHandler } from "../handler.js";

/** The first version whose clients understand TOPIC_DELETION_DISABLED. */
const TOPIC_DELETION_DISABLED_VERSION = 3;
/** The first version that names topics by id (DeleteTopicState) instead of a list of names. */
const TOPIC_STATES_VERSION = 6;

function targetsOf(request: DeleteTopicsRequest, version: number): TopicDeletionTarget[] {
  if (version >= TOPIC_STATES_VERSION) return request.topics.map((topic) => ({ name: topic.name, topicId: topic.topicId }));
  return request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

function everyTarget(targets: readonly TopicDeletionTarget[], errorCode: number, errorMessage: string | null): DeletableTopicResult[] {
  return targets.map((target) => ({ name: target.name, topicId: target.topicId, errorCode, errorMessage }));
}

export const deleteTopicsHandler = defineHandler({
  request: DeleteTopicsRequestCodec,
  response: DeleteTopicsResponseCodec,
  minVersion: 1,
  maxVersion: 6,
  async handle(context, request) {
    const { broker, apiVersion } = context;
    const targets = targetsOf(request, apiVersion);
    const response = DeleteTopicsResponseCodec.create();
    if (!broker.settings().deleteTopicEnable) {
      const errorCode = apiVersion < TOPIC_DELETION_DISABLED_VERSION ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      response.responses = everyTarget(targets, errorCode, null);
      return response;
    }
    const outcomes = await broker.topics.deleteTopics(targets);
    // Answer once the partitions are gone here: fetches now fail and a re-creation starts empty.
    await broker.replicas.settled();
    response.responses = outcomes.map((outcome) => ({ ...outcome }));
    return response;
  },
  errorResponse(request: DeleteTopicsRequest, errorCode) {
    const response = DeleteTopicsResponseCodec.create();
    // Only one of the two lists is filled, depending on the version.
    const targets = [...targetsOf(request, 0), ...targetsOf(request, TOPIC_STATES_VERSION)];
    response.responses = everyTarget(targets, errorCode, null);
    return response;
  },
});
