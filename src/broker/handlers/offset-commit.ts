// OffsetCommit v2-9 (Kafka 4 dropped v0-1): a group member (generation or member epoch), an
// admin client or a standalone consumer (generation -1) stores offsets in __consumer_offsets.
// Partitions of topics this cluster does not have get UNKNOWN_TOPIC_OR_PARTITION, as in Kafka;
// the rest go to the group coordinator, which answers once the offsets are durable.
// Not done: authorization (GROUP read, TOPIC read).

import {
  OffsetCommitRequestCodec,
  OffsetCommitResponseCodec,
  type OffsetCommitRequest,
  type OffsetCommitRequestTopic,
  type OffsetCommitResponse,
  type OffsetCommitResponsePartition,
} from "../../protocol/generated/offset-commit.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { requestInfoOf } from "../../coordinator/group/request-info.js";
import { commitResponseWithError } from "../../coordinator/group/offsets/offset-manager.js";
import { defineHandler } from "../handler.js";

export const offsetCommitHandler = defineHandler({
  request: OffsetCommitRequestCodec,
  response: OffsetCommitResponseCodec,
  minVersion: 2,
  maxVersion: 9,
  async handle(context, request): Promise<OffsetCommitResponse> {
    const image = context.broker.image;
    const unknown = new Map<string, Map<number, number>>();
    const known: OffsetCommitRequestTopic[] = [];
    for (const topic of request.topics) {
      const partitionCount = image.topic(topic.name)?.partitions.length ?? 0;
      const valid = topic.partitions.filter((partition) => partition.partitionIndex >= 0 && partition.partitionIndex < partitionCount);
      if (valid.length < topic.partitions.length) {
        const errors = unknown.get(topic.name) ?? new Map<number, number>();
        for (const partition of topic.partitions) if (!valid.includes(partition)) errors.set(partition.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        unknown.set(topic.name, errors);
      }
      if (valid.length > 0) known.push({ name: topic.name, partitions: valid });
    }
    const committed =
      known.length > 0 || request.topics.length === 0
        ? await context.broker.groups.commitOffsets({ ...request, topics: known }, requestInfoOf(context))
        : { throttleTimeMs: 0, topics: [] };
    // Answer in the order of the request.
    const results = new Map<string, Map<number, number>>();
    for (const topic of committed.topics) {
      const errors = results.get(topic.name) ?? new Map<number, number>();
      for (const partition of topic.partitions) errors.set(partition.partitionIndex, partition.errorCode);
      results.set(topic.name, errors);
    }
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map(
          (partition): OffsetCommitResponsePartition => ({
            partitionIndex: partition.partitionIndex,
            errorCode:
              unknown.get(topic.name)?.get(partition.partitionIndex) ?? results.get(topic.name)?.get(partition.partitionIndex) ?? ErrorCode.UNKNOWN_SERVER_ERROR,
          }),
        ),
      })),
    };
  },
  errorResponse(request: OffsetCommitRequest, errorCode) {
    return commitResponseWithError(request, errorCode);
  },
});
