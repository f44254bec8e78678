// DeleteRecords v0-2: moves a partition's log start offset forward, so consumers can no longer
// read below it, and removes the segments wholly below it. Offset -1 means "up to the high
// watermark"; an offset past the high watermark is OFFSET_OUT_OF_RANGE; a topic whose
// cleanup.policy does not include "delete" gets POLICY_VIOLATION, an internal topic
// INVALID_TOPIC_EXCEPTION, as in Kafka. Each partition succeeds or fails on its own; the low
// watermark in the answer is the new log start offset. On one node every replica is the leader,
// so the answer never waits for followers. Not done: authorization.

import {
  DeleteRecordsRequestCodec,
  DeleteRecordsResponseCodec,
  type DeleteRecordsPartitionResult,
  type DeleteRecordsRequest,
} from "../../protocol/generated/delete-records.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { isInternalTopic } from "../../cluster/controller/topic-names.js";
import { defineHandler, type RequestContext } from "../handler.js";
import { leaderPartition } from "../partition-lookup.js";
import { partitionError } from "../partition-errors.js";

/** The offset that means "delete everything below the high watermark" (DeleteRecordsRequest.HIGH_WATERMARK). */
const HIGH_WATERMARK = -1;

function result(partitionIndex: number, errorCode: number, lowWatermark = -1): DeleteRecordsPartitionResult {
  return { partitionIndex, lowWatermark, errorCode };
}

async function deletePartitionRecords(context: RequestContext, topic: string, partition: number, offset: number): Promise<DeleteRecordsPartitionResult> {
  const { broker } = context;
  const lookup = leaderPartition(broker, topic, partition);
  // Kafka's order: unknown partitions first, then internal topics, then leadership.
  if (lookup.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return result(partition, lookup.errorCode);
  if (isInternalTopic(topic)) return result(partition, ErrorCode.INVALID_TOPIC_EXCEPTION);
  if (lookup.hosted === undefined) return result(partition, lookup.errorCode);
  const { log } = lookup.hosted;
  if (!log.config.cleanupPolicy.includes("delete")) return result(partition, ErrorCode.POLICY_VIOLATION);
  const target = offset === HIGH_WATERMARK ? log.highWatermark : offset;
  if (target < 0) return result(partition, ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    return result(partition, ErrorCode.NONE, await log.deleteRecordsBefore(target));
  } catch (error) {
    const failure = partitionError(error);
    if (!failure.expected) context.logger.error({ topic, partition, offset, err: error }, "deleting records failed unexpectedly");
    return result(partition, failure.errorCode);
  }
}

export const deleteRecordsHandler = defineHandler({
  request: DeleteRecordsRequestCodec,
  response: DeleteRecordsResponseCodec,
  minVersion: 0,
  maxVersion: 2,
  async handle(context, request) {
    const response = DeleteRecordsResponseCodec.create();
    response.topics = await Promise.all(
      request.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map((partition) => deletePartitionRecords(context, topic.name, partition.partitionIndex, partition.offset)),
        ),
      })),
    );
    return response;
  },
  errorResponse(request: DeleteRecordsRequest, errorCode) {
    const response = DeleteRecordsResponseCodec.create();
    response.topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => result(partition.partitionIndex, errorCode)),
    }));
    return response;
  },
});
