// IncrementalAlterConfigs v0-1 (KIP-339): SET, DELETE, APPEND and SUBTRACT on named configs of
// topics, this broker, the cluster-wide broker defaults (empty name) and this broker's log levels
// (BROKER_LOGGER, KIP-412: not stored, lost on restart). The other configs of a resource stay as
// they are. Kafka's checks and messages: duplicate resources and keys, null values outside
// DELETE, APPEND/SUBTRACT only on list configs, read-only broker configs, invalid values, unknown
// topics; validate_only changes nothing. Changes take effect without a restart.

import {
  IncrementalAlterConfigsRequestCodec,
  IncrementalAlterConfigsResponseCodec,
  type IncrementalAlterConfigsRequest,
} from "../../protocol/generated/incremental-alter-configs.js";
import type { BrokerScope, ConfigAlteration } from "../../cluster/controller/config-controller.js";
import { alterBrokerLoggers } from "../../cluster/controller/broker-logger-configs.js";
import { resourceResponses } from "../config-resource-responses.js";
import { defineHandler, type RequestContext } from "../handler.js";

/** The broker a config request arrived at, as the config rules see it. */
export function brokerScope(context: RequestContext): BrokerScope {
  const { broker } = context;
  return { nodeId: broker.nodeId, settings: () => broker.settings() };
}

export const incrementalAlterConfigsHandler = defineHandler({
  request: IncrementalAlterConfigsRequestCodec,
  response: IncrementalAlterConfigsResponseCodec,
  minVersion: 0,
  maxVersion: 1,
  async handle(context, request) {
    const alterations: ConfigAlteration[] = request.resources.map((resource) => ({
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      changes: resource.configs.map((config) => ({ name: config.name, operation: config.configOperation, value: config.value })),
    }));
    const outcomes = await context.broker.topics.configs.incrementalAlterConfigs(
      alterations,
      request.validateOnly,
      brokerScope(context),
      (alteration, validateOnly) => alterBrokerLoggers(context.logger, context.broker.nodeId, alteration, validateOnly),
    );
    // Answer once the hosted logs and the broker config run with the new values.
    await context.broker.replicas.settled();
    const response = IncrementalAlterConfigsResponseCodec.create();
    response.responses = resourceResponses(request.resources, (index) => outcomes[index]);
    return response;
  },
  errorResponse(request: IncrementalAlterConfigsRequest, errorCode, errorMessage) {
    const response = IncrementalAlterConfigsResponseCodec.create();
    response.responses = resourceResponses(request.resources, () => ({ errorCode, errorMessage }));
    return response;
  },
});
