// Topic lifecycle decisions: validate a create/delete/add-partitions request the way Kafka's
// controller does (same error codes and messages), choose replica assignments, and commit the
// result to the metadata store. Brokers act on the commit through the ClusterImage.

import { ErrorCode } from "../../protocol/error-codes.js";
import { randomUuid } from "../../lib/uuid.js";
import type { ClusterImage } from "../metadata/cluster-image.js";
import { MetadataConflictError, type MetadataOp, type MetadataStore } from "../metadata/metadata-store.js";
import { topicConfigsKey, topicKey, type PartitionRecord, type TopicRecord } from "../metadata/metadata-records.js";
import { topicNameError, unifyCollisionChars } from "./topic-names.js";

/** Kafka's limit on partitions per CreateTopics/CreatePartitions call is effectively memory; ours is explicit. */
export const PARTITIONS_PER_TOPIC_MAX = 100_000;

export interface TopicCreation {
  readonly name: string;
  /** -1 means num.partitions. */
  readonly numPartitions: number;
  /** -1 means default.replication.factor. */
  readonly replicationFactor: number;
  /** Explicit replica lists by partition index; empty when not given. */
  readonly assignments: readonly { readonly partition: number; readonly replicas: readonly number[] }[];
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicOutcome {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly topic: TopicRecord | null;
}

export interface TopicDefaults {
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
}

/** Returns Kafka-style messages for invalid topic configs (empty when all are valid). */
export type TopicConfigValidator = (configs: Readonly<Record<string, string>>) => readonly string[];

export class TopicController {
  constructor(
    private readonly store: MetadataStore,
    private readonly image: ClusterImage,
    private readonly defaults: () => TopicDefaults,
    private readonly validateConfigs: TopicConfigValidator,
  ) {}

  private liveBrokerIds(): number[] {
    return [...this.image.brokers()].map((broker) => broker.nodeId).sort((a, b) => a - b);
  }

  /** Checks one creation; returns an error outcome or the record to commit. */
  private plan(creation: TopicCreation, claimedNames: Set<string>): TopicOutcome {
    const fail = (errorCode: number, errorMessage: string): TopicOutcome => ({ name: creation.name, errorCode, errorMessage, topic: null });
    const nameError = topicNameError(creation.name);
    if (nameError !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
    if (this.image.topic(creation.name) !== undefined || claimedNames.has(creation.name)) {
      return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${creation.name}' already exists.`);
    }
    const unified = unifyCollisionChars(creation.name);
    for (const existing of [...this.image.topics()].map((topic) => topic.name).concat([...claimedNames])) {
      if (unifyCollisionChars(existing) === unified) {
        return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${creation.name}' collides with existing topic: ${existing}`);
      }
    }
    const configErrors = this.validateConfigs(creation.configs);
    if (configErrors.length > 0) return fail(ErrorCode.INVALID_CONFIG, configErrors.join("; "));
    const brokers = this.liveBrokerIds();
    let partitions: PartitionRecord[];
    if (creation.assignments.length > 0) {
      if (creation.numPartitions !== -1 || creation.replicationFactor !== -1) {
        return fail(
          ErrorCode.INVALID_REQUEST,
          "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.",
        );
      }
      const checked = this.checkAssignments(creation.assignments, new Set(brokers));
      if (typeof checked === "string") return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, checked);
      partitions = checked;
    } else {
      const defaults = this.defaults();
      const numPartitions = creation.numPartitions === -1 ? defaults.numPartitions : creation.numPartitions;
      const replicationFactor = creation.replicationFactor === -1 ? defaults.defaultReplicationFactor : creation.replicationFactor;
      if (numPartitions <= 0) {
        return fail(ErrorCode.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value.");
      }
      if (numPartitions > PARTITIONS_PER_TOPIC_MAX) {
        return fail(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${numPartitions} exceeds the limit of ${PARTITIONS_PER_TOPIC_MAX}.`);
      }
      if (replicationFactor <= 0) {
        return fail(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0, or -1 to use the default value.");
      }
      if (replicationFactor > brokers.length) {
        return fail(
          ErrorCode.INVALID_REPLICATION_FACTOR,
          `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ` +
            `${replicationFactor} cannot be reached because only ${brokers.length} broker(s) are registered.`,
        );
      }
      partitions = assignReplicas(0, numPartitions, replicationFactor, brokers);
    }
    const topic: TopicRecord = { name: creation.name, topicId: randomUuid(), partitions };
    return { name: creation.name, errorCode: ErrorCode.NONE, errorMessage: null, topic };
  }

  private checkAssignments(
    assignments: TopicCreation["assignments"],
    brokers: ReadonlySet<number>,
  ): PartitionRecord[] | string {
    const sorted = [...assignments].sort((a, b) => a.partition - b.partition);
    const partitions: PartitionRecord[] = [];
    for (let index = 0; index < sorted.length; index++) {
      const { partition, replicas } = sorted[index];
      if (partition !== index) {
        return "Unexpected partition indices: partitions must be numbered consecutively from 0.";
      }
      if (replicas.length === 0) return `The manual partition assignment includes an empty replica list for partition ${partition}.`;
      if (new Set(replicas).size !== replicas.length) {
        return `The manual partition assignment includes the broker ${replicas.join(",")} more than once for partition ${partition}.`;
      }
      if (replicas.length !== sorted[0].replicas.length) {
        return `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not consistent with previous partitions, which have ${sorted[0].replicas.length} replica(s).`;
      }
      for (const replica of replicas) {
        if (!brokers.has(replica)) {
          return `The manual partition assignment includes broker ${replica}, but no such broker is registered.`;
        }
      }
      partitions.push(initialPartitionState(partition, replicas));
    }
    return partitions;
  }

  /**
   * Creates topics; each gets its own outcome, and a failing one never fails the others.
   * validateOnly checks everything and commits nothing.
   */
  async createTopics(creations: readonly TopicCreation[], validateOnly: boolean): Promise<TopicOutcome[]> {
    const claimed = new Set<string>();
    const outcomes: TopicOutcome[] = [];
    const seen = new Map<string, number>();
    for (const creation of creations) seen.set(creation.name, (seen.get(creation.name) ?? 0) + 1);
    for (const creation of creations) {
      if ((seen.get(creation.name) ?? 0) > 1) {
        outcomes.push({
          name: creation.name,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Create topics request from client contains duplicate topic name '${creation.name}'.`,
          topic: null,
        });
        continue;
      }
      const outcome = this.plan(creation, claimed);
      if (outcome.topic !== null) claimed.add(creation.name);
      outcomes.push(outcome);
    }
    if (validateOnly) return outcomes;
    const committed: TopicOutcome[] = [];
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.topic === null) {
        committed.push(outcome);
        continue;
      }
      const ops: MetadataOp[] = [{ type: "put", key: topicKey(outcome.name), value: JSON.stringify(outcome.topic), expectedVersion: 0 }];
      const configs = creations[index].configs;
      if (Object.keys(configs).length > 0) {
        ops.push({ type: "put", key: topicConfigsKey(outcome.name), value: JSON.stringify({ configs }) });
      }
      try {
        await this.store.commit(ops);
        committed.push(outcome);
      } catch (error) {
        if (!(error instanceof MetadataConflictError)) throw error;
        committed.push({ ...outcome, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${outcome.name}' already exists.`, topic: null });
      }
    }
    return committed;
  }
}

export function initialPartitionState(partition: number, replicas: readonly number[]): PartitionRecord {
  return { partition, replicas: [...replicas], isr: [...replicas], leader: replicas[0], leaderEpoch: 0, partitionEpoch: 0 };
}

/**
 * Round-robin replica placement: partition p's first replica is broker (start + p) mod n and the
 * followers are the next brokers in order, so leadership spreads evenly across brokers.
 */
export function assignReplicas(
  firstPartition: number,
  partitionCount: number,
  replicationFactor: number,
  brokers: readonly number[],
): PartitionRecord[] {
  const partitions: PartitionRecord[] = [];
  for (let partition = firstPartition; partition < firstPartition + partitionCount; partition++) {
    const replicas: number[] = [];
    for (let replica = 0; replica < replicationFactor; replica++) replicas.push(brokers[(partition + replica) % brokers.length]);
    partitions.push(initialPartitionState(partition, replicas));
  }
  return partitions;
}
