// OffsetFetch v1-9 (Kafka 4 dropped v0): a group's committed offsets, for the named partitions
// or (v2+, topics null) for every partition it has offsets for. v8+ asks about several groups in
// one request, each answered with its own error; before that there is one group, with the
// group's error at the top level (v2+) or, in v1, on every requested partition.
// require_stable (v7+) has nothing to wait for until transactional offset commits exist.
// Not done: authorization (GROUP describe, TOPIC describe).

import {
  OffsetFetchRequestCodec,
  OffsetFetchResponseCodec,
  type OffsetFetchRequest,
  type OffsetFetchRequestGroup,
  type OffsetFetchResponse,
  type OffsetFetchResponseGroup,
  type OffsetFetchResponseTopic,
  type OffsetFetchResponseTopics,
} from "../../protocol/generated/offset-fetch.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { defineHandler } from "../handler.js";

const FIRST_MULTI_GROUP_VERSION = 8;
const FIRST_VERSION_WITH_TOP_LEVEL_ERROR = 2;

function partitionsWithError(request: OffsetFetchRequest, errorCode: number): OffsetFetchResponseTopic[] {
  return (request.topics ?? []).map((topic) => ({
    name: topic.name,
    partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode })),
  }));
}

export const offsetFetchHandler = defineHandler({
  request: OffsetFetchRequestCodec,
  response: OffsetFetchResponseCodec,
  minVersion: 1,
  maxVersion: 9,
  handle(context, request): OffsetFetchResponse {
    const groups = context.broker.groups;
    const response = OffsetFetchResponseCodec.create();
    if (context.apiVersion >= FIRST_MULTI_GROUP_VERSION) {
      response.groups = request.groups.map((group): OffsetFetchResponseGroup => groups.fetchOffsets(group));
      return response;
    }
    const single: OffsetFetchRequestGroup = { groupId: request.groupId, memberId: null, memberEpoch: -1, topics: request.topics };
    const result: OffsetFetchResponseGroup = groups.fetchOffsets(single);
    if (result.errorCode !== ErrorCode.NONE) {
      response.errorCode = result.errorCode;
      if (context.apiVersion < FIRST_VERSION_WITH_TOP_LEVEL_ERROR) response.topics = partitionsWithError(request, result.errorCode);
      return response;
    }
    response.topics = result.topics.map((topic: OffsetFetchResponseTopics) => ({ name: topic.name, partitions: topic.partitions.map((partition) => ({ ...partition })) }));
    return response;
  },
  errorResponse(request: OffsetFetchRequest, errorCode) {
    const response = OffsetFetchResponseCodec.create();
    response.errorCode = errorCode;
    response.topics = partitionsWithError(request, errorCode);
    response.groups = request.groups.map((group) => ({ groupId: group.groupId, topics: [], errorCode }));
    return response;
  },
});
