// The server-side assignors a broker offers, by the names group.consumer.assignors uses.

import type { ConsumerGroupPartitionAssignor } from "./partition-assignor.js";
import { RangeAssignor } from "./range-assignor.js";
import { UniformAssignor } from "./uniform-assignor.js";

const KNOWN_ASSIGNORS: ReadonlyMap<string, () => ConsumerGroupPartitionAssignor> = new Map<string, () => ConsumerGroupPartitionAssignor>([
  ["uniform", () => new UniformAssignor()],
  ["range", () => new RangeAssignor()],
]);

/** Kafka's config names its assignors by class; members name them by their short names. */
const KAFKA_CLASS_NAMES: ReadonlyMap<string, string> = new Map([
  ["org.apache.kafka.coordinator.group.assignor.UniformAssignor", "uniform"],
  ["org.apache.kafka.coordinator.group.assignor.RangeAssignor", "range"],
]);

/**
 * The assignors named in group.consumer.assignors (short names or Kafka's class names), in
 * order, keyed by the name members ask for; unknown names are an error.
 */
export function createAssignors(names: readonly string[]): Map<string, ConsumerGroupPartitionAssignor> {
  const assignors = new Map<string, ConsumerGroupPartitionAssignor>();
  for (const configured of names) {
    const name = KAFKA_CLASS_NAMES.get(configured.trim()) ?? configured.trim();
    const create = KNOWN_ASSIGNORS.get(name);
    if (create === undefined) throw new Error(`unknown group.consumer.assignors entry '${name}' (known: ${[...KNOWN_ASSIGNORS.keys()].join(", ")})`);
    assignors.set(name, create());
  }
  return assignors;
}

export type { ConsumerGroupPartitionAssignor } from "./partition-assignor.js";
