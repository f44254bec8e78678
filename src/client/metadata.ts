// What a Metadata response tells a client: the brokers, the controller, and per topic its id,
// partitions, leaders, replicas and ISR. Kept as plain values so tools can print them and the
// producer and fetcher can route requests to partition leaders.

import type { MetadataResponse } from "../protocol/generated/metadata.js";
import { ZERO_UUID } from "../lib/uuid.js";

export interface BrokerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionMetadata {
  readonly partition: number;
  readonly errorCode: number;
  /** -1 when the partition has no leader. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly errorCode: number;
  /** ZERO_UUID when the broker does not report topic ids (Metadata before v10). */
  readonly topicId: string;
  readonly isInternal: boolean;
  /** Sorted by partition index. */
  readonly partitions: readonly PartitionMetadata[];
}

export interface ClusterMetadata {
  readonly clusterId: string | null;
  /** -1 when unknown. */
  readonly controllerId: number;
  readonly brokers: ReadonlyMap<number, BrokerNode>;
  /** Topics in the order the broker listed them. */
  readonly topics: ReadonlyMap<string, TopicMetadata>;
}

export const NO_LEADER = -1;

export function clusterMetadataOf(response: MetadataResponse): ClusterMetadata {
  const brokers = new Map<number, BrokerNode>();
  for (const broker of response.brokers) {
    brokers.set(broker.nodeId, { nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: broker.rack });
  }
  const topics = new Map<string, TopicMetadata>();
  for (const topic of response.topics) {
    if (topic.name === null) continue;
    const partitions = topic.partitions
      .map(
        (partition): PartitionMetadata => ({
          partition: partition.partitionIndex,
          errorCode: partition.errorCode,
          leaderId: partition.leaderId,
          leaderEpoch: partition.leaderEpoch,
          replicas: partition.replicaNodes,
          isr: partition.isrNodes,
          offlineReplicas: partition.offlineReplicas,
        }),
      )
      .sort((a, b) => a.partition - b.partition);
    topics.set(topic.name, {
      name: topic.name,
      errorCode: topic.errorCode,
      topicId: topic.topicId === "" ? ZERO_UUID : topic.topicId,
      isInternal: topic.isInternal,
      partitions,
    });
  }
  return { clusterId: response.clusterId, controllerId: response.controllerId, brokers, topics };
}
