// AlterConfigs v0-2 (the legacy, non-incremental API): each resource's dynamic configs become
// exactly the ones given, every other override of that resource is removed. Topics (their
// overrides take effect on the hosted logs without a restart), this broker (resource named by its
// id) and the cluster-wide broker defaults (empty name). Kafka's checks and messages: duplicate
// resources and keys, null values, read-only broker configs, invalid values (INVALID_CONFIG for
// topics, INVALID_REQUEST for brokers), unknown topics; validate_only changes nothing.
// BROKER_LOGGER was never part of this API and is refused, as in Kafka.

import { AlterConfigsRequestCodec, AlterConfigsResponseCodec, type AlterConfigsRequest } from "../../protocol/generated/alter-configs.js";
import { resourceResponses } from "../config-resource-responses.js";
import { defineHandler } from "../handler.js";
import { brokerScope } from "./incremental-alter-configs.js";

export const alterConfigsHandler = defineHandler({
  request: AlterConfigsRequestCodec,
  response: AlterConfigsResponseCodec,
  minVersion: 0,
  maxVersion: 2,
  async handle(context, request) {
    const outcomes = await context.broker.topics.configs.alterConfigs(request.resources, request.validateOnly, brokerScope(context));
    // Answer once the hosted logs and the broker config run with the new values.
    await context.broker.replicas.settled();
    const response = AlterConfigsResponseCodec.create();
    response.responses = resourceResponses(request.resources, (index) => outcomes[index]);
    return response;
  },
  errorResponse(request: AlterConfigsRequest, errorCode, errorMessage) {
    const response = AlterConfigsResponseCodec.create();
    response.responses = resourceResponses(request.resources, () => ({ errorCode, errorMessage }));
    return response;
  },
});
