// ListOffsets v1-10 (Kafka 4 dropped v0): earliest (-2), latest (-1), max timestamp (-3, v7+),
// earliest local (-4, v8+; the same as earliest without tiered storage), latest tiered (-5, v9+;
// none without tiered storage) and by timestamp (the time index). Offsets at or past the last
// fetchable offset (high watermark, or last stable offset for read_committed) are never returned.

import {
  ListOffsetsRequestCodec,
  ListOffsetsResponseCodec,
  type ListOffsetsPartitionResponse,
  type ListOffsetsRequest,
} from "../../protocol/generated/list-offsets.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { defineHandler, type RequestContext } from "../handler.js";
import { leaderEpochError, leaderPartition } from "../partition-lookup.js";
import { partitionError } from "../partition-errors.js";
import type { HostedPartition } from "../replica-manager.js";

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;

function result(partitionIndex: number, errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1): ListOffsetsPartitionResponse {
  return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp, offset, leaderEpoch };
}

async function lookUp(hosted: HostedPartition, partitionIndex: number, timestamp: number, readCommitted: boolean): Promise<ListOffsetsPartitionResponse> {
  const log = hosted.log;
  // Until transactions exist, the last stable offset is the high watermark.
  const lastFetchableOffset = readCommitted ? log.highWatermark : log.highWatermark;
  switch (timestamp) {
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
      return result(partitionIndex, ErrorCode.NONE, log.logStartOffset, -1, log.leaderEpochForOffset(log.logStartOffset));
    case LATEST_TIMESTAMP:
      return result(partitionIndex, ErrorCode.NONE, lastFetchableOffset, -1, hosted.state.leaderEpoch);
    case LATEST_TIERED_TIMESTAMP:
      return result(partitionIndex, ErrorCode.NONE);
    case MAX_TIMESTAMP: {
      const found = await log.maxTimestampOffset();
      if (found === null || found.offset >= lastFetchableOffset) return result(partitionIndex, ErrorCode.NONE);
      return result(partitionIndex, ErrorCode.NONE, found.offset, found.timestamp, found.leaderEpoch);
    }
    default: {
      if (timestamp < 0) {
        return result(partitionIndex, ErrorCode.INVALID_REQUEST);
      }
      const found = await log.offsetForTimestamp(timestamp);
      if (found === null || found.offset >= lastFetchableOffset) return result(partitionIndex, ErrorCode.NONE);
      return result(partitionIndex, ErrorCode.NONE, found.offset, found.timestamp, found.leaderEpoch);
    }
  }
}

async function listPartition(
  context: RequestContext,
  topic: string,
  partitionIndex: number,
  timestamp: number,
  currentLeaderEpoch: number,
  readCommitted: boolean,
): Promise<ListOffsetsPartitionResponse> {
  const lookup = leaderPartition(context.broker, topic, partitionIndex);
  if (lookup.hosted === undefined) return result(partitionIndex, lookup.errorCode);
  const epochError = leaderEpochError(lookup.hosted, currentLeaderEpoch);
  if (epochError !== ErrorCode.NONE) return result(partitionIndex, epochError);
  try {
    return await lookUp(lookup.hosted, partitionIndex, timestamp, readCommitted);
  } catch (error) {
    const failure = partitionError(error);
    if (!failure.expected) context.logger.error({ topic, partition: partitionIndex, err: error }, "ListOffsets failed");
    return result(partitionIndex, failure.errorCode);
  }
}

export const listOffsetsHandler = defineHandler({
  request: ListOffsetsRequestCodec,
  response: ListOffsetsResponseCodec,
  minVersion: 1,
  maxVersion: 10,
  async handle(context, request) {
    const readCommitted = request.isolationLevel === 1;
    const response = ListOffsetsResponseCodec.create();
    response.topics = await Promise.all(
      request.topics.map(async (topic) => {
        const counts = new Map<number, number>();
        for (const partition of topic.partitions) counts.set(partition.partitionIndex, (counts.get(partition.partitionIndex) ?? 0) + 1);
        return {
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map((partition) =>
              (counts.get(partition.partitionIndex) ?? 0) > 1
                ? result(partition.partitionIndex, ErrorCode.INVALID_REQUEST)
                : listPartition(context, topic.name, partition.partitionIndex, partition.timestamp, partition.currentLeaderEpoch, readCommitted),
            ),
          ),
        };
      }),
    );
    return response;
  },
  errorResponse(request: ListOffsetsRequest, errorCode) {
    const response = ListOffsetsResponseCodec.create();
    response.topics = request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => result(partition.partitionIndex, errorCode)),
    }));
    return response;
  },
});
