// DescribeConfigs v1-4 (Kafka 4 dropped v0): the configs of topics, of this broker, of the
// cluster-wide broker defaults (empty broker name) and of this broker's loggers (BROKER_LOGGER),
// with their sources, read-only and sensitive flags, synonyms (when asked, v1+), config types
// (v3+) and documentation (when asked, v3+). Passwords are never shown. Asking for names a
// resource does not have is not an error: they are left out, as Kafka does.
// Not done: GROUP and CLIENT_METRICS resources (INVALID_REQUEST), authorization.

import {
  DescribeConfigsRequestCodec,
  DescribeConfigsResponseCodec,
  defaultDescribeConfigsResourceResult,
  defaultDescribeConfigsResult,
  type DescribeConfigsRequest,
  type DescribeConfigsResource,
  type DescribeConfigsResourceResult,
  type DescribeConfigsResult,
} from "../../protocol/generated/describe-configs.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import {
  CONFIG_SOURCE,
  describeBrokerConfigs,
  describeClusterDefaultBrokerConfigs,
  describeTopicConfigs,
  type DescribeConfigsEntry,
} from "../../config/index.js";
import { ConfigResourceType } from "../../cluster/controller/config-controller.js";
import { describeBrokerLoggers } from "../../cluster/controller/broker-logger-configs.js";
import { topicNameError } from "../../cluster/controller/topic-names.js";
import { defineHandler, type RequestContext } from "../handler.js";

interface DescribeOptions {
  readonly includeSynonyms: boolean;
  readonly includeDocumentation: boolean;
}

function failed(resource: DescribeConfigsResource, errorCode: number, errorMessage: string | null): DescribeConfigsResult {
  return { errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [] };
}

function toResult(entry: DescribeConfigsEntry, options: DescribeOptions): DescribeConfigsResourceResult {
  return {
    name: entry.name,
    value: entry.value,
    readOnly: entry.readOnly,
    isDefault: entry.source === CONFIG_SOURCE.DEFAULT_CONFIG,
    configSource: entry.source,
    isSensitive: entry.isSensitive,
    synonyms: options.includeSynonyms ? entry.synonyms.map((synonym) => ({ ...synonym })) : [],
    configType: entry.configType,
    documentation: options.includeDocumentation ? entry.documentation : null,
  };
}

/** Keeps the configs the resource asks for; null or no names means all of them. */
function selected<T extends { readonly name: string }>(resource: DescribeConfigsResource, configs: readonly T[]): T[] {
  const keys = resource.configurationKeys;
  if (keys === null || keys.length === 0) return [...configs];
  const wanted = new Set(keys);
  return configs.filter((config) => wanted.has(config.name));
}

/** Kafka leaves the error message at its schema default ("") on success. */
function succeeded(resource: DescribeConfigsResource, configs: DescribeConfigsResourceResult[]): DescribeConfigsResult {
  return { ...defaultDescribeConfigsResult(), resourceType: resource.resourceType, resourceName: resource.resourceName, configs };
}

/** Kafka's resourceNameToBrokerId. */
function brokerIdOf(resourceName: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(resourceName)) return undefined;
  const id = Number(resourceName);
  return id >= -(2 ** 31) && id < 2 ** 31 ? id : undefined;
}

function describeResource(context: RequestContext, resource: DescribeConfigsResource, options: DescribeOptions): DescribeConfigsResult {
  const { broker } = context;
  const name = resource.resourceName;
  switch (resource.resourceType) {
    case ConfigResourceType.TOPIC: {
      const nameError = topicNameError(name);
      if (nameError !== null) return failed(resource, ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
      // Kafka answers an unknown topic without a message (the schema default "").
      if (broker.image.topic(name) === undefined) return failed(resource, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "");
      const entries = describeTopicConfigs(broker.settings(), broker.image.topicConfigOverrides(name));
      return succeeded(resource, selected(resource, entries).map((entry) => toResult(entry, options)));
    }
    case ConfigResourceType.BROKER: {
      if (name === "") {
        const entries = describeClusterDefaultBrokerConfigs(broker.settings());
        return succeeded(resource, selected(resource, entries).map((entry) => toResult(entry, options)));
      }
      const brokerId = brokerIdOf(name);
      if (brokerId === undefined) return failed(resource, ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
      if (brokerId !== broker.nodeId) {
        return failed(resource, ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${name}`);
      }
      const entries = describeBrokerConfigs(broker.settings());
      return succeeded(resource, selected(resource, entries).map((entry) => toResult(entry, options)));
    }
    case ConfigResourceType.BROKER_LOGGER: {
      if (name === "") return failed(resource, ErrorCode.INVALID_REQUEST, "Broker id must not be empty");
      const brokerId = brokerIdOf(name);
      if (brokerId === undefined) return failed(resource, ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
      if (brokerId !== broker.nodeId) {
        return failed(resource, ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} but received ${name}`);
      }
      const loggers = selected(resource, describeBrokerLoggers(context.logger));
      return succeeded(
        resource,
        // Kafka sets only these fields for loggers; type and documentation keep their defaults.
        loggers.map((logger) => ({
          ...defaultDescribeConfigsResourceResult(),
          name: logger.name,
          value: logger.level,
          configSource: CONFIG_SOURCE.DYNAMIC_BROKER_LOGGER_CONFIG,
        })),
      );
    }
    case ConfigResourceType.CLIENT_METRICS:
    case ConfigResourceType.GROUP:
      return failed(
        resource,
        ErrorCode.INVALID_REQUEST,
        `Resource type ${resource.resourceType} (client metrics or group configs) is not supported by Tributary yet`,
      );
    default:
      return failed(resource, ErrorCode.INVALID_REQUEST, `Unexpected resource type ${resource.resourceType} for resource ${name}`);
  }
}

export const describeConfigsHandler = defineHandler({
  request: DescribeConfigsRequestCodec,
  response: DescribeConfigsResponseCodec,
  minVersion: 1,
  maxVersion: 4,
  handle(context, request) {
    const options: DescribeOptions = { includeSynonyms: request.includeSynonyms, includeDocumentation: request.includeDocumentation };
    const response = DescribeConfigsResponseCodec.create();
    response.results = request.resources.map((resource) => {
      try {
        return describeResource(context, resource, options);
      } catch (error) {
        // Stored overrides that no longer resolve: this resource fails, the others are answered.
        context.logger.error({ resource, err: error }, "describing configs failed");
        return failed(resource, ErrorCode.UNKNOWN_SERVER_ERROR, error instanceof Error ? error.message : String(error));
      }
    });
    return response;
  },
  errorResponse(request: DescribeConfigsRequest, errorCode, errorMessage) {
    const response = DescribeConfigsResponseCodec.create();
    response.results = request.resources.map((resource) => failed(resource, errorCode, errorMessage));
    return response;
  },
});
