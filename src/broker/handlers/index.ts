// The registry of request handlers, one per API. Adding a handler here is all it takes for
// ApiVersions to advertise it.

import { apiKeyOf, type AnyHandler } from "../handler.js";
import { apiVersionsHandler } from "./api-versions.js";
import { createTopicsHandler } from "./create-topics.js";
import { metadataHandler } from "./metadata.js";

const ALL_HANDLERS: readonly AnyHandler[] = [apiVersionsHandler, metadataHandler, createTopicsHandler];

export function handlerRegistry(): ReadonlyMap<number, AnyHandler> {
  const registry = new Map<number, AnyHandler>();
  for (const handler of ALL_HANDLERS) {
    const apiKey = apiKeyOf(handler);
    if (registry.has(apiKey)) throw new Error(`two handlers for api key ${apiKey}`);
    registry.set(apiKey, handler);
  }
  return registry;
}
