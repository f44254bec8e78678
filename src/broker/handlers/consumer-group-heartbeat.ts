// ConsumerGroupHeartbeat v0 (KIP-848, clients with group.protocol=consumer): joins, heartbeats
// in and leaves a consumer group; the broker computes assignments with its own assignors
// (group.consumer.assignors) and reconciles each member toward its target. v1 (regular
// expression subscriptions) is not served: it is still marked unstable in the schemas we build
// from. UNSUPPORTED_VERSION in the answer when group.coordinator.rebalance.protocols lacks
// "consumer".
// Not done: authorization (GROUP read, TOPIC describe).

import { ConsumerGroupHeartbeatRequestCodec, ConsumerGroupHeartbeatResponseCodec } from "../../protocol/generated/consumer-group-heartbeat.js";
import { requestInfoOf } from "../../coordinator/group/request-info.js";
import { defineHandler } from "../handler.js";

export const consumerGroupHeartbeatHandler = defineHandler({
  request: ConsumerGroupHeartbeatRequestCodec,
  response: ConsumerGroupHeartbeatResponseCodec,
  minVersion: 0,
  maxVersion: 0,
  handle(context, request) {
    return context.broker.groups.consumerGroupHeartbeat(request, requestInfoOf(context));
  },
});
