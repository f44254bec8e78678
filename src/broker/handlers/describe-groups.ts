// DescribeGroups v0-5: state, protocol and members of classic groups; for a Stable group each
// member's metadata and assignment (opaque consumer-protocol bytes that tools decode). An
// unknown group is reported in state "Dead" without an error, as Kafka does (KIP-848 groups
// are described by ConsumerGroupDescribe).
// Not done: authorization (every operation is reported allowed when asked, v3+).

import {
  DescribeGroupsRequestCodec,
  DescribeGroupsResponseCodec,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
} from "../../protocol/generated/describe-groups.js";
import { AUTHORIZED_OPERATIONS_OMITTED, GROUP_OPERATIONS, operationsBitField } from "../../security/acl-operations.js";
import { defineHandler } from "../handler.js";

export const describeGroupsHandler = defineHandler({
  request: DescribeGroupsRequestCodec,
  response: DescribeGroupsResponseCodec,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request): DescribeGroupsResponse {
    const operations = request.includeAuthorizedOperations ? operationsBitField(GROUP_OPERATIONS) : AUTHORIZED_OPERATIONS_OMITTED;
    return { throttleTimeMs: 0, groups: request.groups.map((groupId) => context.broker.groups.describeGroup(groupId, operations)) };
  },
  errorResponse(request: DescribeGroupsRequest, errorCode): DescribeGroupsResponse {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => ({
        errorCode,
        groupId,
        groupState: "",
        protocolType: "",
        protocolData: "",
        members: [],
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      })),
    };
  },
});
