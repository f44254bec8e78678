// Topic lifecycle decisions: validate a create/delete/add-partitions request the way Kafka's
// controller does (same error codes and messages), choose replica assignments, and commit the
// result to the metadata store. Brokers act on the commit through the ClusterImage.
// Deletions and partition additions commit by compare-and-set on the topic record's version, so a
// concurrent change of the same topic makes the later one re-check against the new state instead
// of overwriting it; within this process they also queue on one lock (shared with config changes)
// so they do not race each other. Topic config changes go through `configs` (config-controller.ts).

import { ErrorCode, errorInfo } from "../../protocol/error-codes.js";
import { randomUuid, ZERO_UUID } from "../../lib/uuid.js";
import { assert } from "../../lib/assert.js";
import { AsyncMutex } from "../../lib/async-mutex.js";
import type { ClusterImage } from "../metadata/cluster-image.js";
import { MetadataConflictError, type MetadataOp, type MetadataStore } from "../metadata/metadata-store.js";
import { topicConfigsKey, topicKey, type PartitionRecord, type TopicRecord } from "../metadata/metadata-records.js";
import { topicNameError, unifyCollisionChars } from "./topic-names.js";
import { ConfigController } from "./config-controller.js";

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

/**
 * A topic to delete, named either by name (topicId ZERO_UUID) or by id (name null); DeleteTopics
 * before v6 only names topics.
 */
export interface TopicDeletionTarget {
  readonly name: string | null;
  readonly topicId: string;
}

export interface TopicDeletionOutcome {
  readonly name: string | null;
  readonly topicId: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface PartitionsCreation {
  readonly name: string;
  /** The total partition count wanted. */
  readonly count: number;
  /** Replica lists of the new partitions, in order; null lets the controller place them. */
  readonly assignments: readonly (readonly number[])[] | null;
}

export interface PartitionsOutcome {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/**
 * Times a deletion or partition addition is re-planned after losing a compare-and-set race on the
 * topic record. Each retry re-reads the store.
 */
export const TOPIC_COMMIT_ATTEMPTS_MAX = 8;

/** Kafka's ApiError for an error code without a message of its own: the code's default message. */
function defaultMessage(errorCode: number): string {
  return errorInfo(errorCode).description;
}

export class TopicController {
  /** Dynamic topic and broker config changes (AlterConfigs, IncrementalAlterConfigs). */
  readonly configs: ConfigController;
  /** Queues this process's deletions, partition additions and config changes (see the file comment). */
  private readonly mutationLock = new AsyncMutex();

  constructor(
    private readonly store: MetadataStore,
    private readonly image: ClusterImage,
    private readonly defaults: () => TopicDefaults,
    private readonly validateConfigs: TopicConfigValidator,
  ) {
    this.configs = new ConfigController(store, image, this.mutationLock);
  }

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

  /**
   * Deletes topics by name or id, as Kafka's controller does: a target naming neither or both, a
   * duplicate, an unknown topic or a name whose id is also given get their own error; all other
   * topics are removed in one commit together with their config overrides. There is one outcome
   * per target, except that a duplicated name or id gets a single one, as in Kafka.
   */
  deleteTopics(targets: readonly TopicDeletionTarget[]): Promise<TopicDeletionOutcome[]> {
    return this.mutationLock.runExclusive(() => this.deleteTopicsLocked(targets));
  }

  private async deleteTopicsLocked(targets: readonly TopicDeletionTarget[]): Promise<TopicDeletionOutcome[]> {
    const nameCounts = new Map<string, number>();
    const idCounts = new Map<string, number>();
    for (const target of targets) {
      if (target.name !== null && target.topicId === ZERO_UUID) nameCounts.set(target.name, (nameCounts.get(target.name) ?? 0) + 1);
      if (target.name === null && target.topicId !== ZERO_UUID) idCounts.set(target.topicId, (idCounts.get(target.topicId) ?? 0) + 1);
    }
    // Ids resolve to names first, so a name that maps to an id given as well can be recognised.
    const idsGiven = new Map<string, string>();
    for (const [topicId, count] of idCounts) {
      const topic = this.image.topicById(topicId);
      if (count === 1 && topic !== undefined) idsGiven.set(topicId, topic.name);
    }
    const idsAlsoNamed = new Set<string>();
    for (const [name, count] of nameCounts) {
      const topicId = this.image.topic(name)?.topicId;
      if (count === 1 && topicId !== undefined && (idsGiven.has(topicId) || (idCounts.get(topicId) ?? 0) > 1)) idsAlsoNamed.add(topicId);
    }
    const slots: (TopicDeletionOutcome | TopicDeletionTarget)[] = [];
    const reported = new Set<string>();
    const fail = (name: string | null, topicId: string, errorCode: number, errorMessage: string | null): TopicDeletionOutcome => ({
      name,
      topicId,
      errorCode,
      errorMessage,
    });
    for (const target of targets) {
      const { name, topicId } = target;
      if (name === null && topicId === ZERO_UUID) {
        slots.push(fail(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, "Neither topic name nor id were specified."));
      } else if (name !== null && topicId !== ZERO_UUID) {
        slots.push(fail(name, topicId, ErrorCode.INVALID_REQUEST, "You may not specify both topic name and topic id."));
      } else if (name !== null) {
        if ((nameCounts.get(name) ?? 0) > 1) {
          if (!reported.has(`name:${name}`)) slots.push(fail(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, "Duplicate topic name."));
          reported.add(`name:${name}`);
          continue;
        }
        const topic = this.image.topic(name);
        if (topic === undefined) {
          slots.push(fail(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, defaultMessage(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
        } else if (idsAlsoNamed.has(topic.topicId)) {
          slots.push(fail(name, topic.topicId, ErrorCode.INVALID_REQUEST, "The provided topic name maps to an ID that was already supplied."));
        } else {
          slots.push({ name, topicId: topic.topicId });
        }
      } else if ((idCounts.get(topicId) ?? 0) > 1) {
        if (!reported.has(`id:${topicId}`)) slots.push(fail(null, topicId, ErrorCode.INVALID_REQUEST, "Duplicate topic id."));
        reported.add(`id:${topicId}`);
      } else {
        const resolved = idsGiven.get(topicId);
        if (resolved === undefined) {
          slots.push(fail(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID, defaultMessage(ErrorCode.UNKNOWN_TOPIC_ID)));
        } else if (idsAlsoNamed.has(topicId)) {
          // Kafka drops this target from its response; answering it with the error is clearer.
          slots.push(fail(resolved, topicId, ErrorCode.INVALID_REQUEST, "The provided topic name maps to an ID that was already supplied."));
        } else {
          slots.push({ name: resolved, topicId });
        }
      }
    }
    const toDelete = slots.filter((slot): slot is TopicDeletionTarget => !("errorCode" in slot));
    const results = await this.commitDeletions(toDelete, new Set(targets.filter((target) => target.name === null).map((target) => target.topicId)));
    return slots.map((slot) => ("errorCode" in slot ? slot : results.get(slot.topicId)!));
  }

  /**
   * Removes the topics (each with its name resolved) and their configs in one commit, by
   * compare-and-set; namedById tells which were asked for by id, for the error of one gone since.
   */
  private async commitDeletions(
    topics: readonly TopicDeletionTarget[],
    namedById: ReadonlySet<string>,
  ): Promise<Map<string, TopicDeletionOutcome>> {
    const results = new Map<string, TopicDeletionOutcome>();
    for (let attempt = 1; attempt <= TOPIC_COMMIT_ATTEMPTS_MAX; attempt++) {
      results.clear();
      const ops: MetadataOp[] = [];
      for (const { name, topicId } of topics) {
        assert(name !== null, "a topic to delete has its name resolved");
        const entry = await this.store.get(topicKey(name));
        if (entry === undefined || (JSON.parse(entry.value) as TopicRecord).topicId !== topicId) {
          // Deleted (or deleted and re-created) since it was resolved.
          const errorCode = namedById.has(topicId) ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          results.set(topicId, { name, topicId: namedById.has(topicId) ? topicId : ZERO_UUID, errorCode, errorMessage: defaultMessage(errorCode) });
          continue;
        }
        ops.push({ type: "delete", key: entry.key, expectedVersion: entry.version }, { type: "delete", key: topicConfigsKey(name) });
        results.set(topicId, { name, topicId, errorCode: ErrorCode.NONE, errorMessage: null });
      }
      if (ops.length === 0) return results;
      try {
        await this.store.commit(ops);
        return results;
      } catch (error) {
        if (!(error instanceof MetadataConflictError)) throw error;
      }
    }
    for (const { name, topicId } of topics) {
      results.set(topicId, {
        name,
        topicId,
        errorCode: ErrorCode.UNKNOWN_SERVER_ERROR,
        errorMessage: `The deletion lost ${TOPIC_COMMIT_ATTEMPTS_MAX} compare-and-set races with concurrent topic changes; retry it`,
      });
    }
    return results;
  }

  /**
   * Adds partitions to topics (CreatePartitions). Each topic succeeds or fails on its own with
   * Kafka's messages; validateOnly checks everything and commits nothing. A name given twice gets
   * one INVALID_REQUEST outcome.
   */
  async createPartitions(creations: readonly PartitionsCreation[], validateOnly: boolean): Promise<PartitionsOutcome[]> {
    const counts = new Map<string, number>();
    for (const creation of creations) counts.set(creation.name, (counts.get(creation.name) ?? 0) + 1);
    const outcomes: PartitionsOutcome[] = [];
    const reported = new Set<string>();
    for (const creation of creations) {
      if ((counts.get(creation.name) ?? 0) > 1) {
        if (!reported.has(creation.name)) outcomes.push({ name: creation.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Duplicate topic name." });
        reported.add(creation.name);
        continue;
      }
      outcomes.push(await this.mutationLock.runExclusive(() => this.createPartitionsOfTopic(creation, validateOnly)));
    }
    return outcomes;
  }

  private async createPartitionsOfTopic(creation: PartitionsCreation, validateOnly: boolean): Promise<PartitionsOutcome> {
    const { name } = creation;
    const fail = (errorCode: number, errorMessage: string | null): PartitionsOutcome => ({ name, errorCode, errorMessage });
    for (let attempt = 1; attempt <= TOPIC_COMMIT_ATTEMPTS_MAX; attempt++) {
      const entry = await this.store.get(topicKey(name));
      if (entry === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
      const topic = JSON.parse(entry.value) as TopicRecord;
      const added = this.planNewPartitions(topic, creation);
      if (!Array.isArray(added)) return fail(added.errorCode, added.errorMessage);
      if (validateOnly) return fail(ErrorCode.NONE, null);
      const updated: TopicRecord = { ...topic, partitions: [...topic.partitions, ...added] };
      try {
        await this.store.commit([{ type: "put", key: entry.key, value: JSON.stringify(updated), expectedVersion: entry.version }]);
        return fail(ErrorCode.NONE, null);
      } catch (error) {
        if (!(error instanceof MetadataConflictError)) throw error;
      }
    }
    return fail(
      ErrorCode.UNKNOWN_SERVER_ERROR,
      `Adding partitions lost ${TOPIC_COMMIT_ATTEMPTS_MAX} compare-and-set races with concurrent topic changes; retry it`,
    );
  }

  /** The new partitions' records, or Kafka's error for the request (ReplicationControlManager.createPartitions). */
  private planNewPartitions(topic: TopicRecord, creation: PartitionsCreation): PartitionRecord[] | { errorCode: number; errorMessage: string } {
    const current = topic.partitions.length;
    const fail = (errorCode: number, errorMessage: string): { errorCode: number; errorMessage: string } => ({ errorCode, errorMessage });
    if (creation.count === current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
    if (creation.count < current) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `The topic ${topic.name} currently has ${current} partition(s); ${creation.count} would not be an increase.`,
      );
    }
    if (creation.count > PARTITIONS_PER_TOPIC_MAX) {
      return fail(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${creation.count} exceeds the limit of ${PARTITIONS_PER_TOPIC_MAX}.`);
    }
    const additional = creation.count - current;
    if (creation.assignments !== null && creation.assignments.length !== additional) {
      return fail(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${additional} additional partition(s), but only ${creation.assignments.length} assignment(s) were specified.`,
      );
    }
    if (current === 0) return fail(ErrorCode.UNKNOWN_SERVER_ERROR, `Invalid state: topic ${topic.name} appears to have no partitions.`);
    const replicationFactor = topic.partitions[0].replicas.length;
    const brokers = this.liveBrokerIds();
    if (creation.assignments === null) {
      if (replicationFactor > brokers.length) {
        return fail(
          ErrorCode.INVALID_REPLICATION_FACTOR,
          `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ` +
            `${replicationFactor} cannot be reached because only ${brokers.length} broker(s) are registered.`,
        );
      }
      return assignReplicas(current, additional, replicationFactor, brokers);
    }
    const registered = new Set(brokers);
    const partitions: PartitionRecord[] = [];
    for (const [index, replicas] of creation.assignments.entries()) {
      if (replicas.length === 0) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty replica list.");
      }
      const sorted = [...replicas].sort((a, b) => a - b);
      for (const [position, brokerId] of sorted.entries()) {
        if (!registered.has(brokerId)) {
          return fail(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `The manual partition assignment includes broker ${brokerId}, but no such broker is registered.`,
          );
        }
        if (position > 0 && sorted[position - 1] === brokerId) {
          return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${brokerId} more than once.`);
        }
      }
      if (replicas.length !== replicationFactor) {
        return fail(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not ` +
            `consistent with previous partitions, which have ${replicationFactor} replica(s).`,
        );
      }
      partitions.push(initialPartitionState(current + index, replicas));
    }
    return partitions;
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
