// LeaveGroup v0-5: members leave a classic group, which rebalances without them. v0-2 name one
// member and report its outcome as the top-level error; v3+ name several (KIP-345), each with
// its own outcome, and an administrator may remove a static member by group.instance.id alone.

import { LeaveGroupRequestCodec, LeaveGroupResponseCodec } from "../../protocol/generated/leave-group.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { defineHandler } from "../handler.js";

const FIRST_BATCHED_VERSION = 3;

export const leaveGroupHandler = defineHandler({
  request: LeaveGroupRequestCodec,
  response: LeaveGroupResponseCodec,
  minVersion: 0,
  maxVersion: 5,
  handle(context, request) {
    const batched = context.apiVersion >= FIRST_BATCHED_VERSION;
    const members = batched ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    const result = context.broker.groups.leaveGroup(request.groupId, members);
    const response = LeaveGroupResponseCodec.create();
    if (batched) {
      response.errorCode = result.errorCode;
      response.members = result.members;
    } else {
      response.errorCode = result.errorCode !== ErrorCode.NONE ? result.errorCode : (result.members[0]?.errorCode ?? ErrorCode.NONE);
    }
    return response;
  },
});
