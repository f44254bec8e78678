// The registry of request handlers, one per API, in api key order. Adding a handler here is all
// it takes for ApiVersions to advertise it.

import { apiKeyOf, type AnyHandler } from "../handler.js";
import { produceHandler } from "./produce.js";
import { fetchHandler } from "./fetch.js";
import { listOffsetsHandler } from "./list-offsets.js";
import { metadataHandler } from "./metadata.js";
import { offsetCommitHandler } from "./offset-commit.js";
import { offsetFetchHandler } from "./offset-fetch.js";
import { findCoordinatorHandler } from "./find-coordinator.js";
import { joinGroupHandler } from "./join-group.js";
import { heartbeatHandler } from "./heartbeat.js";
import { leaveGroupHandler } from "./leave-group.js";
import { syncGroupHandler } from "./sync-group.js";
import { describeGroupsHandler } from "./describe-groups.js";
import { listGroupsHandler } from "./list-groups.js";
import { apiVersionsHandler } from "./api-versions.js";
import { createTopicsHandler } from "./create-topics.js";
import { deleteTopicsHandler } from "./delete-topics.js";
import { deleteRecordsHandler } from "./delete-records.js";
import { initProducerIdHandler } from "./init-producer-id.js";
import { offsetForLeaderEpochHandler } from "./offset-for-leader-epoch.js";
import { describeConfigsHandler } from "./describe-configs.js";
import { alterConfigsHandler } from "./alter-configs.js";
import { describeLogDirsHandler } from "./describe-log-dirs.js";
import { createPartitionsHandler } from "./create-partitions.js";
import { deleteGroupsHandler } from "./delete-groups.js";
import { incrementalAlterConfigsHandler } from "./incremental-alter-configs.js";
import { offsetDeleteHandler } from "./offset-delete.js";
import { describeClusterHandler } from "./describe-cluster.js";
import { consumerGroupHeartbeatHandler } from "./consumer-group-heartbeat.js";
import { consumerGroupDescribeHandler } from "./consumer-group-describe.js";

const ALL_HANDLERS: readonly AnyHandler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  offsetForLeaderEpochHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  deleteGroupsHandler,
  incrementalAlterConfigsHandler,
  offsetDeleteHandler,
  describeClusterHandler,
  consumerGroupHeartbeatHandler,
  consumerGroupDescribeHandler,
];

export function handlerRegistry(): ReadonlyMap<number, AnyHandler> {
  const registry = new Map<number, AnyHandler>();
  for (const handler of ALL_HANDLERS) {
    const apiKey = apiKeyOf(handler);
    if (registry.has(apiKey)) throw new Error(`two handlers for api key ${apiKey}`);
    registry.set(apiKey, handler);
  }
  return registry;
}
