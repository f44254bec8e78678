// CreatePartitions v0-3: raises a topic's partition count, with the controller placing the new
// replicas or following explicit assignments. Each topic succeeds or fails on its own with
// Kafka's codes and messages (unknown topic, no increase, assignment count or broker mismatch);
// validate_only checks without committing. The answer is sent once this broker hosts the new
// partitions, so producers can use them at once. Not done: authorization, controller mutation
// quotas.

import {
  CreatePartitionsRequestCodec,
  CreatePartitionsResponseCodec,
  type CreatePartitionsRequest,
} from "../../protocol/generated/create-partitions.js";
import type { PartitionsCreation } from "../../cluster/controller/topic-controller.js";
import { defineHandler } from "../handler.js";

export const createPartitionsHandler = defineHandler({
  request: CreatePartitionsRequestCodec,
  response: CreatePartitionsResponseCodec,
  minVersion: 0,
  maxVersion: 3,
  async handle(context, request) {
    const creations: PartitionsCreation[] = request.topics.map((topic) => ({
      name: topic.name,
      count: topic.count,
      assignments: topic.assignments === null ? null : topic.assignments.map((assignment) => assignment.brokerIds),
    }));
    const outcomes = await context.broker.topics.createPartitions(creations, request.validateOnly);
    await context.broker.replicas.settled();
    const response = CreatePartitionsResponseCodec.create();
    response.results = outcomes.map((outcome) => ({ ...outcome }));
    return response;
  },
  errorResponse(request: CreatePartitionsRequest, errorCode, errorMessage) {
    const response = CreatePartitionsResponseCodec.create();
    response.results = request.topics.map((topic) => ({ name: topic.name, errorCode, errorMessage }));
    return response;
  },
});
