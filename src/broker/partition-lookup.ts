// Finding the partition a request names, with the Kafka error for each way it can be missing:
// an unknown topic or partition, a replica that is not the leader here, a log that went offline.

import { ErrorCode } from "../protocol/error-codes.js";
import type { BrokerContext } from "./broker-context.js";
import type { HostedPartition } from "./replica-manager.js";

export type LookupResult = { readonly hosted: HostedPartition; readonly errorCode?: undefined } | { readonly hosted?: undefined; readonly errorCode: number };

/** The partition if this broker leads it, else the error a client should see. */
export function leaderPartition(broker: BrokerContext, topic: string, partition: number): LookupResult {
  const record = broker.image.topic(topic);
  if (record === undefined || partition < 0 || partition >= record.partitions.length) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  }
  const hosted = broker.replicas.get(topic, partition);
  if (hosted === undefined && broker.replicas.isOffline(topic, partition)) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  if (hosted === undefined || !broker.replicas.isLeader(hosted)) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  if (hosted.log.isOffline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  return { hosted };
}

/**
 * Checks the leader epoch a client believes in (KIP-320): an older one is fenced, a newer one
 * means this broker has not caught up with the metadata yet. -1 skips the check.
 */
export function leaderEpochError(hosted: HostedPartition, currentLeaderEpoch: number): number {
  if (currentLeaderEpoch === -1) return ErrorCode.NONE;
  if (currentLeaderEpoch < hosted.state.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (currentLeaderEpoch > hosted.state.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  return ErrorCode.NONE;
}
