// Public API of the group coordinator: what the broker assembly, the request handlers, the CLI
// and test suites use. Other modules import from here, not from the files behind it.

export { GroupCoordinator } from "./group-coordinator.js";
export type {
  GroupCoordinatorDependencies,
  GroupMemberSummary,
  GroupSummary,
  LeaveGroupResult,
  ListGroupsResult,
  PartitionStatus,
} from "./group-coordinator.js";
export {
  CLASSIC_NEW_MEMBER_JOIN_TIMEOUT_MS,
  DEFAULT_GROUP_COORDINATOR_OPTIONS,
  resolveGroupCoordinatorOptions,
} from "./group-coordinator-config.js";
export type { GroupCoordinatorOptions, GroupRebalanceProtocol } from "./group-coordinator-config.js";
export type { CoordinatorAppendResult, CoordinatorLog } from "./coordinator-log.js";
export { InMemoryCoordinatorLog } from "./in-memory-coordinator-log.js";
export { groupPartition, javaStringHashCode } from "./group-partition.js";
export type { RequestInfo, TopicImage, TopicInfo } from "./shard-context.js";
export { clientHostOf, requestInfoOf } from "./request-info.js";
export type { CommittedOffset, OffsetAndMetadata } from "./offsets/offset-store.js";
export { decodeConsumerAssignment } from "./consumer-protocol-assignment.js";
export type { AssignedTopicPartitions } from "./consumer-protocol-assignment.js";
export { GroupWaitTimeoutError, waitForGroupState, waitForStableAssignment } from "./wait-for-group.js";
export type { GroupView, WaitForAssignmentOptions, WaitForGroupOptions } from "./wait-for-group.js";
export { decodeCoordinatorRecord, encodeCoordinatorRecord } from "./records/coordinator-record.js";
export type { CoordinatorRecord, EncodedCoordinatorRecord } from "./records/coordinator-record.js";
