// Public API of the tributary package.
export { startBroker, type BrokerOptions, type BrokerHandle } from "./broker/broker.js";
export type { GroupSummary, GroupMemberSummary, WaitForAssignmentOptions, WaitForGroupOptions } from "./coordinator/group/index.js";
