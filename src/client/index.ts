// Public API of our Kafka protocol client (used by the CLI, perf tools and tests). It speaks only
// the Kafka protocol, so it works against any Kafka-compatible broker.

export { ApiVersionTable, CLIENT_API_VERSIONS, type ApiVersionRange } from "./api-versions.js";
export { DEFAULT_KAFKA_PORT, parseBootstrapServers, type BrokerAddress } from "./bootstrap.js";
export {
  ConnectError,
  ConnectionClosedError,
  KafkaConnection,
  RequestTimeoutError,
  ResponseDecodeError,
  formatAddress,
  type ConnectOptions,
  type SendOptions,
} from "./connection.js";
export { ClientUsageError, KafkaProtocolError, RetriesExhaustedError, UnsupportedApiError } from "./errors.js";
export {
  KafkaClient,
  NoBrokerReachableError,
  clientClock,
  isRetriable,
  type BrokerConnection,
  type ClientOptions,
  type MetadataOptions,
} from "./kafka-client.js";
export { NO_LEADER, type BrokerNode, type ClusterMetadata, type PartitionMetadata, type TopicMetadata } from "./metadata.js";
export {
  AlterConfigOp,
  ConfigResourceType,
  DEFAULT_CONFIG_SOURCE,
  alterConfigsReplacing,
  configSourceName,
  createPartitions,
  createTopics,
  deleteTopics,
  describeConfigs,
  incrementalAlterConfigs,
  supportsIncrementalAlterConfigs,
  type AdminOptions,
  type ConfigAlteration,
  type ConfigDescription,
  type ConfigEntry,
  type ConfigResource,
  type ConfigSynonym,
  type NewTopic,
  type TopicOutcome,
} from "./admin.js";
export { OffsetSpec, listOffsets, type OffsetAnswer, type OffsetQuery } from "./list-offsets.js";
export { murmur2, partitionForKey, toPositive } from "./murmur2.js";
export { DefaultPartitioner } from "./partitioner.js";
export { Producer, type Acks, type ProducerOptions, type ProducerRecord } from "./producer.js";
export { Fetcher, type FetchedRecord, type FetcherOptions, type PartitionState } from "./fetcher.js";
export {
  GROUP_API_VERSIONS,
  findGroupCoordinator,
  groupApiVersion,
  requireGroupApiVersion,
  sendGroupRequest,
  sendToGroupCoordinator,
  withGroupCoordinator,
} from "./group-coordinator.js";
export {
  CONSUMER_PROTOCOL_TYPE,
  decodeConsumerProtocolAssignment,
  deleteGroups,
  describeGroup,
  describeGroups,
  listGroups,
  type GroupDescription,
  type GroupListing,
  type GroupMemberDescription,
  type GroupOutcome,
  type ListGroupsFilter,
  type TopicPartitions,
} from "./group-admin.js";
export { commitGroupOffsets, fetchCommittedOffsets, type CommitOutcome, type CommittedOffset, type OffsetToCommit } from "./group-offsets.js";
export { planOffsetReset, type OffsetResetSpec, type PlannedOffset, type TopicPartitionRef } from "./group-offset-reset.js";
export { describeGroupLag, type PartitionLag } from "./group-lag.js";
