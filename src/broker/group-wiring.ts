// Connects the group coordinator to this broker: its settings from the broker config, its log
// (the partitions of __consumer_offsets, through the same PartitionLogs clients read), and the
// creation of __consumer_offsets on first use, as Kafka creates it when the first client looks
// for a group coordinator.

import type { BrokerConfig } from "../config/index.js";
import type { TopicController } from "../cluster/controller/topic-controller.js";
import type { ClusterImage } from "../cluster/metadata/cluster-image.js";
import type { CoordinatorLog, GroupCoordinator, GroupCoordinatorOptions, GroupRebalanceProtocol } from "../coordinator/group/index.js";
import type { Logger } from "../lib/logger.js";
import type { ReplicaManager } from "./replica-manager.js";

export const OFFSETS_TOPIC = "__consumer_offsets";
/** Bytes read per step when a coordinator replays a partition at load. */
const LOAD_READ_BYTES = 1024 * 1024;

export function groupCoordinatorOptions(config: BrokerConfig): GroupCoordinatorOptions {
  return {
    offsetsTopicNumPartitions: config.offsetsTopicNumPartitions,
    offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
    offsetsRetentionMinutes: Math.max(1, Math.round(config.offsetsRetentionMs / 60_000)),
    offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
    groupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    groupMinSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
    groupMaxSize: config.groupMaxSize,
    groupConsumerSessionTimeoutMs: config.groupConsumerSessionTimeoutMs,
    groupConsumerHeartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs,
    groupConsumerAssignors: config.groupConsumerAssignors,
    groupConsumerMaxSize: config.groupConsumerMaxSize,
    groupCoordinatorRebalanceProtocols: config.groupCoordinatorRebalanceProtocols as GroupRebalanceProtocol[],
  };
}

/** __consumer_offsets as seen by the coordinator: appends go through the leader path like a produce. */
export function offsetsTopicLog(replicas: ReplicaManager): CoordinatorLog {
  const partitionLog = (partition: number) => {
    const hosted = replicas.get(OFFSETS_TOPIC, partition);
    if (hosted === undefined) throw new Error(`${OFFSETS_TOPIC}-${partition} is not hosted on this broker`);
    return hosted;
  };
  return {
    async append(partition, batch) {
      const hosted = partitionLog(partition);
      const appended = await hosted.log.append(batch, { leaderEpoch: hosted.state.leaderEpoch, assignOffsets: true, origin: "coordinator" });
      replicas.advanceHighWatermark(hosted);
      return { lastOffset: appended.lastOffset };
    },
    async *readAll(partition) {
      const hosted = partitionLog(partition);
      let offset = hosted.log.logStartOffset;
      while (offset < hosted.log.highWatermark) {
        const read = await hosted.log.read(offset, { maxBytes: LOAD_READ_BYTES, maxOffset: hosted.log.highWatermark, minOneBatch: true });
        if (read.batches.length === 0) break;
        for (const batch of read.batches) yield batch;
        offset = read.lastOffset + 1;
      }
    },
  };
}

/**
 * Makes sure __consumer_offsets exists and its partitions led here are loaded. Concurrent callers
 * share one attempt; a failed attempt (for example offsets.topic.replication.factor larger than
 * the cluster) is retried by the next caller.
 */
export class OffsetsTopicStarter {
  private attempt: Promise<boolean> | null = null;

  constructor(
    private readonly nodeId: number,
    private readonly image: ClusterImage,
    private readonly topics: TopicController,
    private readonly replicas: ReplicaManager,
    private readonly groups: GroupCoordinator,
    private readonly config: () => BrokerConfig,
    private readonly logger: Logger,
  ) {}

  /** Resolves to whether the coordinator is serving. */
  ensure(): Promise<boolean> {
    this.attempt ??= this.run().then((ready) => {
      if (!ready) this.attempt = null;
      return ready;
    });
    return this.attempt;
  }

  /** At start-up: load the partitions if the topic already exists, create nothing. */
  async loadExisting(): Promise<void> {
    if (this.image.topic(OFFSETS_TOPIC) !== undefined) await this.ensure();
  }

  private async run(): Promise<boolean> {
    if (this.image.topic(OFFSETS_TOPIC) === undefined) {
      const config = this.config();
      const [outcome] = await this.topics.createTopics(
        [
          {
            name: OFFSETS_TOPIC,
            numPartitions: config.offsetsTopicNumPartitions,
            replicationFactor: config.offsetsTopicReplicationFactor,
            assignments: [],
            configs: { "cleanup.policy": "compact", "compression.type": "producer", "segment.bytes": String(config.offsetsTopicSegmentBytes) },
          },
        ],
        false,
      );
      if (outcome.errorCode !== 0 && this.image.topic(OFFSETS_TOPIC) === undefined) {
        this.logger.error({ error: outcome.errorMessage }, `cannot create ${OFFSETS_TOPIC}; group coordination is unavailable`);
        return false;
      }
    }
    await this.replicas.settled();
    const led = this.image
      .topic(OFFSETS_TOPIC)!
      .partitions.filter((partition) => partition.leader === this.nodeId)
      .map((partition) => partition.partition);
    await this.groups.start(led);
    return true;
  }
}
