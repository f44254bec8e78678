// Heartbeat v0-4: a classic group member says it is alive; the answer tells it to rejoin
// (REBALANCE_IN_PROGRESS) or that it is gone (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
// FENCED_INSTANCE_ID).

import { HeartbeatRequestCodec, HeartbeatResponseCodec } from "../../protocol/generated/heartbeat.js";
import { defineHandler } from "../handler.js";

export const heartbeatHandler = defineHandler({
  request: HeartbeatRequestCodec,
  response: HeartbeatResponseCodec,
  minVersion: 0,
  maxVersion: 4,
  handle(context, request) {
    return { throttleTimeMs: 0, errorCode: context.broker.groups.heartbeat(request) };
  },
});
