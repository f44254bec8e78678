// The group coordinator for one __consumer_offsets partition: the groups and offsets whose
// records live there, loaded from its log and kept by appending to it. It owns the write path
// every protocol module uses (replay now, append in order, answer when durable), the timers of
// its groups, and the periodic expiry of offsets and empty groups.
//
// A failed append means memory may hold what the log does not: the shard stops (parked
// requests get NOT_COORDINATOR, clients look the coordinator up again) and the coordinator
// loads the partition afresh from its log.

import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import { errorMessage } from "../../lib/errors.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { encodeRecordBatch } from "../../protocol/records/record-batch.js";
import type { RecordInput } from "../../protocol/records/record.js";
import type { ConsumerGroupPartitionAssignor } from "./assignors/partition-assignor.js";
import { ClassicGroupProtocol } from "./classic/classic-group-protocol.js";
import { classicGroupFromRecord, groupTombstone } from "./classic/classic-group-records.js";
import { ClassicGroup } from "./classic/classic-group.js";
import { ConsumerGroupProtocol } from "./consumer/consumer-group-protocol.js";
import { consumerGroupTombstones } from "./consumer/consumer-group-records-builder.js";
import { replayConsumerGroupRecord } from "./consumer/consumer-group-replay.js";
import type { CoordinatorLog } from "./coordinator-log.js";
import { loadCoordinatorRecords } from "./coordinator-loader.js";
import { CoordinatorTimer } from "./coordinator-timer.js";
import type { GroupCoordinatorOptions } from "./group-coordinator-config.js";
import { GroupError } from "./group-errors.js";
import { OffsetManager } from "./offsets/offset-manager.js";
import { OffsetStore, toOffsetAndMetadata } from "./offsets/offset-store.js";
import { encodeCoordinatorRecord, type CoordinatorRecord } from "./records/coordinator-record.js";
import type { Group, ShardContext, TopicImage, WriteOptions } from "./shard-context.js";

/** Records per appended batch when one operation writes many (group deletion, offset expiry). */
const MAX_RECORDS_PER_BATCH = 500;
const EXPIRY_TIMER_KEY = "offset-expiry";

export type ShardStatus = "loading" | "active" | "failed" | "closed";

export interface ShardDependencies {
  readonly partition: number;
  readonly log: CoordinatorLog;
  readonly clock: Clock;
  readonly options: GroupCoordinatorOptions;
  readonly logger: Logger;
  readonly topics: TopicImage;
  readonly assignors: ReadonlyMap<string, ConsumerGroupPartitionAssignor>;
  /** Called once when an append fails; the coordinator reloads the partition. */
  readonly onWriteFailure: (partition: number, error: unknown) => void;
}

export interface DeleteGroupResult {
  readonly groupId: string;
  readonly errorCode: number;
}

export class GroupCoordinatorShard implements ShardContext {
  readonly partition: number;
  readonly clock: Clock;
  readonly options: GroupCoordinatorOptions;
  readonly logger: Logger;
  readonly topics: TopicImage;
  readonly timer: CoordinatorTimer;
  readonly groups = new Map<string, Group>();
  readonly offsets = new OffsetStore();
  readonly classic: ClassicGroupProtocol;
  readonly consumer: ConsumerGroupProtocol;
  readonly offsetManager: OffsetManager;
  private statusValue: ShardStatus = "loading";
  private appendTail: Promise<void> = Promise.resolve();

  constructor(private readonly dependencies: ShardDependencies) {
    this.partition = dependencies.partition;
    this.clock = dependencies.clock;
    this.options = dependencies.options;
    this.logger = dependencies.logger.child({ offsetsPartition: dependencies.partition });
    this.topics = dependencies.topics;
    this.timer = new CoordinatorTimer(dependencies.clock);
    this.classic = new ClassicGroupProtocol(this);
    this.consumer = new ConsumerGroupProtocol(this, dependencies.assignors);
    this.offsetManager = new OffsetManager(this, this.classic);
  }

  get status(): ShardStatus {
    return this.statusValue;
  }

  // ------------------------------------------------------------------ loading

  /** Rebuilds groups and offsets from the log, then starts serving. */
  async load(): Promise<void> {
    const startMs = this.clock.monotonicMs();
    const summary = await loadCoordinatorRecords(this.dependencies.log, this.partition, (record) => this.replay(record), this.logger);
    if (this.statusValue !== "loading") return;
    // Offsets of a group whose metadata was deleted belong to a simple group again.
    for (const groupId of this.offsets.groupIds()) {
      if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, null));
    }
    this.statusValue = "active";
    for (const group of this.groups.values()) {
      if (group.type === "classic") this.classic.onLoaded(group);
      else this.consumer.onLoaded(group);
    }
    this.scheduleExpiry();
    this.logger.info(
      { groups: this.groups.size, ...summary, elapsedMs: Math.round(this.clock.monotonicMs() - startMs) },
      "loaded group coordinator partition",
    );
  }

  /** Applies one record to memory: the single way offsets and consumer groups change. */
  replay(record: CoordinatorRecord): void {
    switch (record.type) {
      case "OffsetCommit": {
        const { groupId, topic, partition } = record.key;
        if (record.value !== null && !this.groups.has(groupId)) {
          // Offsets without group metadata belong to a "simple" group (standalone consumers).
          this.groups.set(groupId, new ClassicGroup(groupId, this.clock.nowMs()));
        }
        this.offsets.replay(groupId, topic, partition, record.value === null ? null : toOffsetAndMetadata(record.value));
        return;
      }
      case "GroupMetadata": {
        const existing = this.groups.get(record.groupId);
        if (record.value === null) {
          if (existing !== undefined) this.removeGroup(existing);
          return;
        }
        if (existing !== undefined) this.removeGroup(existing);
        this.groups.set(record.groupId, classicGroupFromRecord(record.groupId, record.value));
        return;
      }
      default: {
        const before = this.groups.get(record.groupId);
        // A consumer group record replaces a classic group of the same id (an empty one it was converted from).
        if (before?.type === "classic" && record.value !== null) this.removeGroup(before);
        replayConsumerGroupRecord(this.groups, record);
        if (before?.type === "consumer" && !this.groups.has(record.groupId)) this.consumer.cancelGroupTimers(before);
        return;
      }
    }
  }

  private removeGroup(group: Group): void {
    this.groups.delete(group.groupId);
    if (group.type === "classic") {
      this.classic.cancelTimers(group);
      this.classic.failParked(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (!group.is("Dead")) group.transitionTo("Dead", this.clock.nowMs());
    } else {
      this.consumer.cancelGroupTimers(group);
    }
  }

  // ------------------------------------------------------------------ writing

  write(records: readonly CoordinatorRecord[], options: WriteOptions): Promise<void> {
    if (this.statusValue !== "active") {
      return Promise.reject(new GroupError(ErrorCode.NOT_COORDINATOR, `partition ${this.partition} is ${this.statusValue}`));
    }
    if (records.length === 0) return Promise.resolve();
    // Encode before replaying, so a record that cannot be encoded changes nothing.
    const nowMs = this.clock.nowMs();
    const batches: Buffer[] = [];
    for (let start = 0; start < records.length; start += MAX_RECORDS_PER_BATCH) {
      const inputs: RecordInput[] = records.slice(start, start + MAX_RECORDS_PER_BATCH).map((record) => {
        const { key, value } = encodeCoordinatorRecord(record);
        return { timestamp: nowMs, key, value };
      });
      batches.push(encodeRecordBatch({ records: inputs }));
    }
    if (options.replay) for (const record of records) this.replay(record);
    const append = this.appendTail.then(async () => {
      for (const batch of batches) {
        if (this.statusValue !== "active") throw new GroupError(ErrorCode.NOT_COORDINATOR, `partition ${this.partition} stopped`);
        try {
          await this.dependencies.log.append(this.partition, batch);
        } catch (error) {
          this.fail(error);
          throw new GroupError(ErrorCode.NOT_COORDINATOR, `append to __consumer_offsets-${this.partition} failed: ${errorMessage(error)}`);
        }
      }
    });
    // Later writes wait for this one, whatever its outcome (after a failure they find the shard stopped).
    this.appendTail = append.catch(() => undefined);
    return append;
  }

  writeInBackground(records: readonly CoordinatorRecord[], options: WriteOptions): void {
    this.write(records, options).catch((error: unknown) => {
      if (this.statusValue === "active") this.logger.error({ err: error }, "writing group coordinator records failed");
    });
  }

  /** Resolves when every write issued so far has finished (tests, orderly shutdown). */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.appendTail;
      await tail;
    } while (tail !== this.appendTail);
  }

  scheduled(work: () => void): () => void {
    return () => {
      if (this.statusValue !== "active") return;
      try {
        work();
      } catch (error) {
        this.logger.error({ err: error }, "group coordinator timer task failed");
      }
    };
  }

  private fail(error: unknown): void {
    if (this.statusValue !== "active") return;
    this.logger.error({ err: error }, "append to __consumer_offsets failed; reloading the partition from its log");
    this.stop("failed", ErrorCode.NOT_COORDINATOR);
    this.dependencies.onWriteFailure(this.partition, error);
  }

  /** Stops serving: timers off, parked JoinGroup/SyncGroup requests answered with the error. */
  unload(errorCode: number = ErrorCode.NOT_COORDINATOR): void {
    this.stop("closed", errorCode);
  }

  private stop(status: "failed" | "closed", errorCode: number): void {
    if (this.statusValue === "closed" || this.statusValue === "failed") return;
    this.statusValue = status;
    this.timer.cancelAll();
    for (const group of this.groups.values()) {
      if (group.type === "classic") {
        this.classic.failParked(group, errorCode);
        if (!group.is("Dead")) group.transitionTo("Dead", this.clock.nowMs());
      }
    }
  }

  // ------------------------------------------------------------------ administration

  /** DeleteGroups for the groups of this partition: offsets and group metadata are tombstoned. */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    const results: DeleteGroupResult[] = [];
    const records: CoordinatorRecord[] = [];
    for (const groupId of groupIds) {
      const group = this.groups.get(groupId);
      const errorCode = group === undefined ? ErrorCode.GROUP_ID_NOT_FOUND : deleteGroupError(group);
      if (group !== undefined && errorCode === ErrorCode.NONE) {
        records.push(...this.offsetManager.deleteAllOffsets(groupId), ...groupTombstones(group));
      }
      results.push({ groupId, errorCode });
    }
    if (records.length > 0) await this.write(records, { replay: true });
    return results;
  }

  private scheduleExpiry(): void {
    this.timer.schedule(
      EXPIRY_TIMER_KEY,
      this.options.offsetsRetentionCheckIntervalMs,
      this.scheduled(() => {
        this.cleanupGroupMetadata();
        this.scheduleExpiry();
      }),
    );
  }

  /** Expires old offsets, and deletes empty groups left with none. Returns the records written. */
  cleanupGroupMetadata(): number {
    const records: CoordinatorRecord[] = [];
    for (const group of [...this.groups.values()]) {
      const groupRecords: CoordinatorRecord[] = [];
      const allExpired = this.offsetManager.cleanupExpiredOffsets(group, groupRecords);
      if (allExpired && group.isEmpty()) groupRecords.push(...groupTombstones(group));
      records.push(...groupRecords);
    }
    if (records.length > 0) {
      this.logger.info({ records: records.length }, "expiring offsets and empty groups");
      this.writeInBackground(records, { replay: true });
    }
    return records.length;
  }
}

function deleteGroupError(group: Group): number {
  if (group.type === "consumer") return group.isEmpty() ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
  if (group.is("Dead")) return ErrorCode.GROUP_ID_NOT_FOUND;
  return group.is("Empty") ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
}

function groupTombstones(group: Group): CoordinatorRecord[] {
  return group.type === "classic" ? [groupTombstone(group.groupId)] : consumerGroupTombstones(group);
}
