// The broker and topic config tables, assembled and indexed by name. Checks at module load that no
// name is defined twice and that every broker synonym a topic config names exists, so a typo in a
// table fails the first test run instead of silently dropping a default.

import { assert } from "../../lib/assert.js";
import type { BrokerConfigDefinition, TopicConfigDefinition } from "../config-definition.js";
import { COORDINATION_CONFIGS } from "./broker-coordination.js";
import { LOG_CONFIGS } from "./broker-log.js";
import { NODE_NETWORK_CONFIGS } from "./broker-node-network.js";
import { SECURITY_OPS_CONFIGS } from "./broker-security-ops.js";
import { TOPIC_CONFIG_DEFINITIONS } from "./topic-configs.js";

export { TOPIC_CONFIG_DEFINITIONS };

/** Every broker config, in docs order (grouped by section). */
export const BROKER_CONFIG_DEFINITIONS: readonly BrokerConfigDefinition[] = [
  ...NODE_NETWORK_CONFIGS,
  ...LOG_CONFIGS,
  ...COORDINATION_CONFIGS,
  ...SECURITY_OPS_CONFIGS,
];

function indexByName<T extends { readonly name: string }>(definitions: readonly T[], kind: string): ReadonlyMap<string, T> {
  const byName = new Map<string, T>();
  for (const definition of definitions) {
    assert(!byName.has(definition.name), `${kind} config ${definition.name} is defined twice`);
    byName.set(definition.name, definition);
  }
  return byName;
}

export const BROKER_CONFIGS_BY_NAME: ReadonlyMap<string, BrokerConfigDefinition> = indexByName(BROKER_CONFIG_DEFINITIONS, "broker");
export const TOPIC_CONFIGS_BY_NAME: ReadonlyMap<string, TopicConfigDefinition> = indexByName(TOPIC_CONFIG_DEFINITIONS, "topic");

for (const topic of TOPIC_CONFIG_DEFINITIONS) {
  for (const synonym of topic.synonyms) {
    assert(BROKER_CONFIGS_BY_NAME.has(synonym.name), `topic config ${topic.name} names unknown broker synonym ${synonym.name}`);
  }
}
