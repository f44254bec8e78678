// OffsetForLeaderEpoch v2-4 (Kafka 4 dropped v0-1): the end offset of the largest leader epoch
// at or below the one asked for, so a client (or a follower) can detect log divergence after a
// leader change (KIP-101, KIP-320).

import {
  OffsetForLeaderEpochRequestCodec,
  OffsetForLeaderEpochResponseCodec,
  type EpochEndOffset,
  type OffsetForLeaderEpochRequest,
} from "../../protocol/generated/offset-for-leader-epoch.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { defineHandler } from "../handler.js";
import { leaderEpochError, leaderPartition } from "../partition-lookup.js";

const UNDEFINED_EPOCH = -1;
const UNDEFINED_EPOCH_OFFSET = -1;

function result(partition: number, errorCode: number, leaderEpoch = UNDEFINED_EPOCH, endOffset = UNDEFINED_EPOCH_OFFSET): EpochEndOffset {
  return { errorCode, partition, leaderEpoch, endOffset };
}

export const offsetForLeaderEpochHandler = defineHandler({
  request: OffsetForLeaderEpochRequestCodec,
  response: OffsetForLeaderEpochResponseCodec,
  minVersion: 2,
  maxVersion: 4,
  handle(context, request) {
    const response = OffsetForLeaderEpochResponseCodec.create();
    response.topics = request.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((partition) => {
        const lookup = leaderPartition(context.broker, topic.topic, partition.partition);
        if (lookup.hosted === undefined) return result(partition.partition, lookup.errorCode);
        const epochError = leaderEpochError(lookup.hosted, partition.currentLeaderEpoch);
        if (epochError !== ErrorCode.NONE) return result(partition.partition, epochError);
        const found = lookup.hosted.log.endOffsetForEpoch(partition.leaderEpoch);
        if (found === null) return result(partition.partition, ErrorCode.NONE);
        return result(partition.partition, ErrorCode.NONE, found.leaderEpoch, found.endOffset);
      }),
    }));
    return response;
  },
  errorResponse(request: OffsetForLeaderEpochRequest, errorCode) {
    const response = OffsetForLeaderEpochResponseCodec.create();
    response.topics = request.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((partition) => result(partition.partition, errorCode)),
    }));
    return response;
  },
});
