// JoinGroup v0-9: a member joins a classic group, or rejoins for a rebalance. The answer is
// parked until the group's join phase completes (the group coordinator resolves it), so this
// handler may wait up to the rebalance timeout; the connection keeps serving other requests.
// v4+ new dynamic members first get MEMBER_ID_REQUIRED (KIP-394); v5+ carry group.instance.id
// (static membership); v9 may tell a rejoining static leader to skip the assignment.
// Versions before 7 cannot carry a null protocol name: "" is sent instead, as Kafka does.

import { JoinGroupRequestCodec, JoinGroupResponseCodec } from "../../protocol/generated/join-group.js";
import { requestInfoOf } from "../../coordinator/group/request-info.js";
import { defineHandler } from "../handler.js";

const FIRST_VERSION_WITH_NULLABLE_PROTOCOL_NAME = 7;

export const joinGroupHandler = defineHandler({
  request: JoinGroupRequestCodec,
  response: JoinGroupResponseCodec,
  minVersion: 0,
  maxVersion: 9,
  async handle(context, request) {
    const response = await context.broker.groups.joinGroup(request, requestInfoOf(context));
    if (context.apiVersion < FIRST_VERSION_WITH_NULLABLE_PROTOCOL_NAME && response.protocolName === null) {
      return { ...response, protocolName: "" };
    }
    return response;
  },
});
