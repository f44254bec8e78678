// ConsumerGroupDescribe v0 (KIP-848): state, epochs, assignor and members of consumer groups,
// with each member's current and target assignment (topic ids and names). Unknown groups and
// classic groups get GROUP_ID_NOT_FOUND.
// Not done: authorization (every operation is reported allowed when asked).

import {
  ConsumerGroupDescribeRequestCodec,
  ConsumerGroupDescribeResponseCodec,
  type ConsumerGroupDescribeRequest,
  type ConsumerGroupDescribeResponse,
} from "../../protocol/generated/consumer-group-describe.js";
import { AUTHORIZED_OPERATIONS_OMITTED, GROUP_OPERATIONS, operationsBitField } from "../../security/acl-operations.js";
import { defineHandler } from "../handler.js";

export const consumerGroupDescribeHandler = defineHandler({
  request: ConsumerGroupDescribeRequestCodec,
  response: ConsumerGroupDescribeResponseCodec,
  minVersion: 0,
  maxVersion: 0,
  handle(context, request): ConsumerGroupDescribeResponse {
    const operations = request.includeAuthorizedOperations ? operationsBitField(GROUP_OPERATIONS) : AUTHORIZED_OPERATIONS_OMITTED;
    return { throttleTimeMs: 0, groups: request.groupIds.map((groupId) => context.broker.groups.consumerGroupDescribe(groupId, operations)) };
  },
  errorResponse(request: ConsumerGroupDescribeRequest, errorCode, errorMessage): ConsumerGroupDescribeResponse {
    return {
      throttleTimeMs: 0,
      groups: request.groupIds.map((groupId) => ({
        errorCode,
        errorMessage,
        groupId,
        groupState: "",
        groupEpoch: 0,
        assignmentEpoch: 0,
        assignorName: "",
        members: [],
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      })),
    };
  },
});
