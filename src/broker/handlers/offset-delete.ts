// OffsetDelete v0: removes committed offsets of a group for topics it no longer consumes
// (GROUP_SUBSCRIBED_TO_TOPIC otherwise; NON_EMPTY_GROUP for live non-consumer groups).
// Partitions of topics this cluster does not have get UNKNOWN_TOPIC_OR_PARTITION, as in Kafka.
// Not done: authorization (GROUP delete, TOPIC read).

import {
  OffsetDeleteRequestCodec,
  OffsetDeleteResponseCodec,
  type OffsetDeleteRequestTopic,
  type OffsetDeleteResponse,
} from "../../protocol/generated/offset-delete.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { defineHandler } from "../handler.js";

export const offsetDeleteHandler = defineHandler({
  request: OffsetDeleteRequestCodec,
  response: OffsetDeleteResponseCodec,
  minVersion: 0,
  maxVersion: 0,
  async handle(context, request): Promise<OffsetDeleteResponse> {
    const image = context.broker.image;
    const known: OffsetDeleteRequestTopic[] = [];
    const unknown = new Set<string>();
    for (const topic of request.topics) {
      const partitionCount = image.topic(topic.name)?.partitions.length ?? 0;
      const valid = topic.partitions.filter((partition) => partition.partitionIndex >= 0 && partition.partitionIndex < partitionCount);
      for (const partition of topic.partitions) if (!valid.includes(partition)) unknown.add(`${topic.name}\u0000${partition.partitionIndex}`);
      if (valid.length > 0) known.push({ name: topic.name, partitions: valid });
    }
    const result = await context.broker.groups.deleteOffsets({ groupId: request.groupId, topics: known });
    if (result.errorCode !== ErrorCode.NONE) return result;
    const outcome = new Map<string, number>();
    for (const topic of result.topics) for (const partition of topic.partitions) outcome.set(`${topic.name}\u0000${partition.partitionIndex}`, partition.errorCode);
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => {
          const key = `${topic.name}\u0000${partition.partitionIndex}`;
          return { partitionIndex: partition.partitionIndex, errorCode: unknown.has(key) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : (outcome.get(key) ?? ErrorCode.NONE) };
        }),
      })),
    };
  },
});
