// The GroupMetadata records a classic group writes, and the group rebuilt from one at load.
// Kafka stores a classic group only at points where it is consistent: when its assignment is
// set (Stable), when it becomes Empty, and when a static member is replaced.

import { assert } from "../../../lib/assert.js";
import type { CoordinatorRecord } from "../records/coordinator-record.js";
import type { GroupMetadataValue } from "../records/group-metadata-record.js";
import { ClassicGroup } from "./classic-group.js";
import { ClassicGroupMember } from "./classic-group-member.js";

/** The group with the given assignments (every member must have one). */
export function groupMetadataRecord(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>): CoordinatorRecord {
  const members = [...group.allMembers()].map((member) => {
    assert(group.protocolName !== null, `group ${group.groupId} has members but no protocol`);
    const assignment = assignments.get(member.memberId);
    assert(assignment !== undefined, `member ${member.memberId} of group ${group.groupId} has no assignment`);
    return {
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      sessionTimeoutMs: member.sessionTimeoutMs,
      subscription: member.metadata(group.protocolName),
      assignment,
    };
  });
  return {
    type: "GroupMetadata",
    groupId: group.groupId,
    value: {
      protocolType: group.protocolType ?? "",
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestampMs: group.currentStateTimestampMs ?? -1,
      members,
    },
  };
}

/** The record of a group just created by a JoinGroup (Kafka writes it so the group exists in the log). */
export function emptyGroupMetadataRecord(group: ClassicGroup): CoordinatorRecord {
  return {
    type: "GroupMetadata",
    groupId: group.groupId,
    value: {
      protocolType: "",
      generation: 0,
      protocol: null,
      leader: null,
      currentStateTimestampMs: group.currentStateTimestampMs ?? -1,
      members: [],
    },
  };
}

export function groupTombstone(groupId: string): CoordinatorRecord {
  return { type: "GroupMetadata", groupId, value: null };
}

/** The group a GroupMetadata record describes: Stable with its members, or Empty. */
export function classicGroupFromRecord(groupId: string, value: GroupMetadataValue): ClassicGroup {
  const group = new ClassicGroup(groupId, value.currentStateTimestampMs === -1 ? null : value.currentStateTimestampMs, {
    state: value.members.length === 0 ? "Empty" : "Stable",
    generationId: value.generation,
    protocolType: value.protocolType === "" ? null : value.protocolType,
    protocolName: value.protocol,
    leaderId: value.leader,
  });
  for (const member of value.members) {
    group.add(
      new ClassicGroupMember(
        member.memberId,
        member.groupInstanceId,
        member.clientId,
        member.clientHost,
        // v0 records had no rebalance timeout: the session timeout stood in for it.
        member.rebalanceTimeoutMs === -1 ? member.sessionTimeoutMs : member.rebalanceTimeoutMs,
        member.sessionTimeoutMs,
        value.protocolType,
        value.protocol === null ? [] : [{ name: value.protocol, metadata: member.subscription }],
        member.assignment,
      ),
    );
  }
  group.subscribedTopics = group.computeSubscribedTopics();
  return group;
}
