// ApiVersions v0-4. The answer is built from the handler registry, so it lists exactly what the
// broker implements. Unsupported request versions are answered by the dispatcher in v0.
// Not done: supported/finalized features (none are offered yet: no KIP-890 transactions v2,
// so clients stay on the classic transaction protocol).

import {
  ApiVersionsRequestCodec,
  ApiVersionsResponseCodec,
  type ApiVersion,
} from "../../protocol/generated/api-versions.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { apiKeyOf, defineHandler, type AnyHandler } from "../handler.js";

export function apiVersionsKey(handler: AnyHandler): ApiVersion {
  return {
    apiKey: apiKeyOf(handler),
    minVersion: handler.advertisedMinVersion ?? handler.minVersion,
    maxVersion: handler.maxVersion,
  };
}

export const apiVersionsHandler = defineHandler({
  request: ApiVersionsRequestCodec,
  response: ApiVersionsResponseCodec,
  minVersion: 0,
  maxVersion: 4,
  handle(context) {
    const response = ApiVersionsResponseCodec.create();
    response.errorCode = ErrorCode.NONE;
    response.apiKeys = [...context.broker.handlers.values()].map(apiVersionsKey).sort((a, b) => a.apiKey - b.apiKey);
    return response;
  },
});
