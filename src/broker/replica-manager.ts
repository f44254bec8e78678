// The partitions this broker hosts: one PartitionLog per assigned replica, kept in step with the
// cluster metadata (logs created when a topic appears, deleted when it goes, configs updated when
// they change, leader epochs recorded when leadership changes), plus the high watermark rule and
// append notifications that wake long-polling fetches.
//
// On one node the ISR is the leader alone, so the high watermark follows the log end offset; the
// same code path (min log end offset over the ISR) serves followers once replication exists.

import { resolveTopicConfig, type BrokerConfig, type ResolvedTopicConfig } from "../config/index.js";
import type { ClusterImage, ImageChange } from "../cluster/metadata/cluster-image.js";
import type { PartitionRecord, TopicRecord } from "../cluster/metadata/metadata-records.js";
import { StorageError, type LogManager, type PartitionLog } from "../storage/index.js";
import type { Logger } from "../lib/logger.js";
import { AsyncMutex } from "../lib/async-mutex.js";

export interface HostedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  state: PartitionRecord;
  readonly log: PartitionLog;
}

export function partitionName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

type Waiter = () => void;

export class ReplicaManager {
  private readonly partitions = new Map<string, HostedPartition>();
  /** Partitions assigned here whose log is offline. */
  private readonly offline = new Set<string>();
  private readonly topicConfigs = new Map<string, ResolvedTopicConfig>();
  /** Metadata changes are applied one at a time, in commit order. */
  private readonly reconcileLock = new AsyncMutex();
  /** Callbacks waiting for the next high watermark move of one partition (long-polling fetches). */
  private readonly waiters = new Map<HostedPartition, Set<Waiter>>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly nodeId: number,
    private readonly image: ClusterImage,
    private readonly logs: LogManager,
    private readonly brokerConfig: () => BrokerConfig,
    private readonly logger: Logger,
  ) {}

  /** Brings the hosted logs in line with the metadata, then follows every change. */
  async start(): Promise<void> {
    this.unsubscribe = this.image.onChange((changes) => {
      this.reconcileLock
        .runExclusive(() => this.apply(changes))
        .catch((error: unknown) => this.logger.error({ err: error }, "applying a metadata change to the hosted logs failed"));
    });
    await this.reconcileLock.runExclusive(() => this.reconcileAll());
  }

  /** Resolves once every metadata change seen so far is reflected in the hosted logs. */
  settled(): Promise<void> {
    return this.reconcileLock.runExclusive(() => undefined);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  get(topic: string, partition: number): HostedPartition | undefined {
    return this.partitions.get(partitionName(topic, partition));
  }

  all(): IterableIterator<HostedPartition> {
    return this.partitions.values();
  }

  topicConfig(topic: string): ResolvedTopicConfig {
    let resolved = this.topicConfigs.get(topic);
    if (resolved === undefined) {
      resolved = resolveTopicConfig(this.brokerConfig(), this.image.topicConfigOverrides(topic));
      this.topicConfigs.set(topic, resolved);
    }
    return resolved;
  }

  isLeader(hosted: HostedPartition): boolean {
    return hosted.state.leader === this.nodeId;
  }

  private shuttingDown = false;

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** At shutdown: every waiting fetch answers now with what it has, and none waits again. */
  beginShutdown(): void {
    this.shuttingDown = true;
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter();
  }

  /** Calls waiter once, at the next high watermark move of any of these partitions; returns a canceller. */
  waitForData(partitions: readonly HostedPartition[], waiter: Waiter): () => void {
    if (this.shuttingDown) {
      queueMicrotask(waiter);
      return () => undefined;
    }
    let done = false;
    const once: Waiter = () => {
      if (done) return;
      done = true;
      cancel();
      waiter();
    };
    const cancel = (): void => {
      for (const hosted of partitions) {
        const set = this.waiters.get(hosted);
        if (set === undefined) continue;
        set.delete(once);
        if (set.size === 0) this.waiters.delete(hosted);
      }
    };
    for (const hosted of partitions) {
      let set = this.waiters.get(hosted);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(hosted, set);
      }
      set.add(once);
    }
    return cancel;
  }

  private wake(hosted: HostedPartition): void {
    const set = this.waiters.get(hosted);
    if (set === undefined) return;
    for (const waiter of [...set]) waiter();
  }

  /**
   * Advances the high watermark to the smallest log end offset in the ISR (on one node: the
   * leader's own) and wakes whoever waits on this partition.
   */
  advanceHighWatermark(hosted: HostedPartition): void {
    if (hosted.log.maybeIncrementHighWatermark(hosted.log.logEndOffset)) this.wake(hosted);
  }

  private async reconcileAll(): Promise<void> {
    const assigned = new Set<string>();
    for (const topic of this.image.topics()) {
      for (const partition of topic.partitions) {
        if (!partition.replicas.includes(this.nodeId)) continue;
        assigned.add(partitionName(topic.name, partition.partition));
        await this.host(topic, partition);
      }
    }
    // Logs on disk whose topic is gone (deleted while this broker was down) or re-created under
    // another id are removed, as Kafka removes stray logs.
    for (const log of this.logs.allLogs()) {
      const name = partitionName(log.topic, log.partition);
      const topic = this.image.topic(log.topic);
      if (!assigned.has(name) || (topic !== undefined && log.topicId !== null && log.topicId !== topic.topicId)) {
        this.logger.info({ partition: name }, "deleting a log no longer assigned to this broker");
        await this.logs.deleteLog(log.topic, log.partition);
      }
    }
  }

  private async apply(changes: readonly ImageChange[]): Promise<void> {
    for (const change of changes) {
      switch (change.type) {
        case "topic-updated":
          await this.applyTopic(change.previous, change.topic);
          break;
        case "topic-deleted":
          await this.removeTopic(change.topic);
          break;
        case "topic-configs-updated":
          this.refreshConfigs(change.topicName);
          break;
        case "broker-configs-updated":
          this.refreshConfigs(null);
          break;
        case "broker-updated":
          break;
      }
    }
  }

  private async applyTopic(previous: TopicRecord | undefined, topic: TopicRecord): Promise<void> {
    if (previous !== undefined && previous.topicId !== topic.topicId) await this.removeTopic(previous);
    for (const partition of topic.partitions) {
      if (partition.replicas.includes(this.nodeId)) await this.host(topic, partition);
      else await this.unhost(topic.name, partition.partition);
    }
  }

  /** Whether the partition is assigned here but its log is offline (it could not be opened or created). */
  isOffline(topic: string, partition: number): boolean {
    return this.offline.has(partitionName(topic, partition));
  }

  private async host(topic: TopicRecord, state: PartitionRecord): Promise<void> {
    const name = partitionName(topic.name, state.partition);
    let hosted = this.partitions.get(name);
    if (hosted === undefined) {
      let log: PartitionLog;
      try {
        log = await this.logs.createLog(topic.name, state.partition, topic.topicId, this.topicConfig(topic.name).logConfig);
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        // This partition answers KAFKA_STORAGE_ERROR; the others are hosted as usual.
        this.offline.add(name);
        this.logger.error({ partition: name, err: error.message }, "partition is offline");
        return;
      }
      this.offline.delete(name);
      hosted = { topic: topic.name, partition: state.partition, topicId: topic.topicId, state, log };
      this.partitions.set(name, hosted);
    }
    hosted.state = state;
    if (state.leader === this.nodeId && hosted.log.latestEpoch < state.leaderEpoch) {
      // A new leader epoch starts at the current log end (Kafka's leader epoch cache).
      await hosted.log.assignEpochStartOffset(state.leaderEpoch, hosted.log.logEndOffset);
    }
    if (state.leader === this.nodeId && state.isr.length === 1) this.advanceHighWatermark(hosted);
  }

  private async unhost(topic: string, partition: number): Promise<void> {
    const name = partitionName(topic, partition);
    if (this.offline.delete(name)) await this.logs.deleteLog(topic, partition);
    const hosted = this.partitions.get(name);
    if (hosted === undefined) return;
    this.partitions.delete(name);
    // Waiting fetches of a deleted partition answer now, with the error, instead of at their timeout.
    this.wake(hosted);
    await this.logs.deleteLog(topic, partition);
  }

  private async removeTopic(topic: TopicRecord): Promise<void> {
    this.topicConfigs.delete(topic.name);
    for (const partition of topic.partitions) await this.unhost(topic.name, partition.partition);
  }

  private refreshConfigs(topicName: string | null): void {
    if (topicName === null) this.topicConfigs.clear();
    else this.topicConfigs.delete(topicName);
    for (const hosted of this.partitions.values()) {
      if (topicName !== null && hosted.topic !== topicName) continue;
      hosted.log.updateConfig(this.topicConfig(hosted.topic).logConfig);
    }
  }
}
