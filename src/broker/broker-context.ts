// Everything a request handler may use, gathered in one object: identity, the metadata image,
// the controller, storage and settings. Handlers receive it through RequestContext.broker.

import type { Clock } from "../lib/clock.js";
import type { ClusterImage } from "../cluster/metadata/cluster-image.js";
import type { TopicController } from "../cluster/controller/topic-controller.js";
import type { AnyHandler } from "./handler.js";
import type { ReplicaManager } from "./replica-manager.js";
import type { FetchSessionCache } from "./fetch-sessions.js";
import type { BrokerConfig, DynamicBrokerConfigs } from "../config/index.js";
import type { LogManager } from "../storage/index.js";
import type { GroupCoordinator } from "../coordinator/group/index.js";
import type { ProducerIdManager } from "../coordinator/txn/index.js";

/** One config as DescribeConfigs and CreateTopics (v5+) report it. */
export interface ConfigDescription {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  /** Kafka's ConfigSource code (DYNAMIC_TOPIC_CONFIG = 1, DEFAULT_CONFIG = 5, ...). */
  readonly configSource: number;
  readonly isSensitive: boolean;
}

export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly clock: Clock;
  readonly image: ClusterImage;
  readonly topics: TopicController;
  /** The partitions this broker hosts, with their logs. */
  readonly replicas: ReplicaManager;
  readonly logs: LogManager;
  readonly fetchSessions: FetchSessionCache;
  readonly groups: GroupCoordinator;
  /** Producer ids for InitProducerId, from blocks reserved in the metadata store. */
  readonly producerIds: ProducerIdManager;
  /** Creates __consumer_offsets on first use and loads it; resolves to whether groups are served. */
  ensureGroupCoordinator(): Promise<boolean>;
  /** Handlers by api key; ApiVersions is built from them. */
  readonly handlers: ReadonlyMap<number, AnyHandler>;
  /** The broker config in effect (dynamic changes replace it, so read it per request). */
  settings(): BrokerConfig;
  /** The dynamic broker configs (AlterConfigs) stored in the metadata, for DescribeConfigs. */
  dynamicBrokerConfigs(): DynamicBrokerConfigs;
  /** Every topic-level config of a topic with these overrides, with its value and source. */
  describeTopicConfigs(overrides: Readonly<Record<string, string>>): ConfigDescription[];
}
