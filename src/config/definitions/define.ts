// A small helper for the broker tables: each table file builds its entries through one definer so
// the docs heading ("group") is written once per section instead of once per entry.

import type { BrokerConfigDefinition } from "../config-definition.js";

export type BrokerDefinitionInput = Omit<BrokerConfigDefinition, "group">;

export function brokerGroup(group: string): (definition: BrokerDefinitionInput) => BrokerConfigDefinition {
  return (definition) => ({ group, ...definition });
}
