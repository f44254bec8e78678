// The classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) for the groups of one
// __consumer_offsets partition, following Apache Kafka's GroupMetadataManager:
//   - a join parks the member's JoinGroup until every known member has rejoined (or the
//     rebalance timeout passes), then answers all of them at once (the leader gets the members'
//     metadata), and the group waits in CompletingRebalance for the leader's SyncGroup;
//   - the leader's assignment is stored (GroupMetadata record), then every parked SyncGroup is
//     answered and the group is Stable;
//   - dynamic members on JoinGroup v4+ first get MEMBER_ID_REQUIRED with their id (KIP-394);
//   - static members (group.instance.id, KIP-345) keep their place across restarts: a rejoin
//     with a new member id replaces the old one (which is fenced) without a rebalance when the
//     chosen protocol does not change;
//   - session expiry removes a member, the first rebalance of an empty group waits
//     group.initial.rebalance.delay.ms for more members, and a member that never sends
//     SyncGroup is removed after the rebalance timeout.
// Eager and cooperative consumers need nothing special here: cooperative ones simply rejoin
// right after a rebalance that revoked partitions, which this state machine already handles.

import { randomUUID } from "node:crypto";
import { ErrorCode } from "../../../protocol/error-codes.js";
import type { JoinGroupRequest, JoinGroupResponse } from "../../../protocol/generated/join-group.js";
import type { SyncGroupRequest, SyncGroupResponse } from "../../../protocol/generated/sync-group.js";
import type { HeartbeatRequest } from "../../../protocol/generated/heartbeat.js";
import type { MemberResponse } from "../../../protocol/generated/leave-group.js";
import { GroupError } from "../group-errors.js";
import { CLASSIC_NEW_MEMBER_JOIN_TIMEOUT_MS } from "../group-coordinator-config.js";
import type { RequestInfo, ShardContext } from "../shard-context.js";
import { consumerGroupTombstones } from "../consumer/consumer-group-records-builder.js";
import { ClassicGroup } from "./classic-group.js";
import { ClassicGroupMember, EMPTY_ASSIGNMENT, type GroupProtocol, type JoinResponder, type SyncResponder } from "./classic-group-member.js";
import { emptyGroupMetadataRecord, groupMetadataRecord } from "./classic-group-records.js";

/** JoinGroup v4+ requires a known member id: new dynamic members get one and rejoin (KIP-394). */
const FIRST_VERSION_REQUIRING_MEMBER_ID = 4;
/** JoinGroup v9+ lets a static leader that rejoins skip computing the assignment (KIP-814). */
const FIRST_VERSION_SKIPPING_ASSIGNMENT = 9;

export interface LeaveMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly reason: string | null;
}

export function joinResponse(fields: Partial<JoinGroupResponse>): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId: "",
    members: [],
    ...fields,
  };
}

export function syncResponse(fields: Partial<SyncGroupResponse>): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT, ...fields };
}

function timerKey(kind: string, groupId: string, memberId = ""): string {
  return `${kind}\u0000${groupId}\u0000${memberId}`;
}

export class ClassicGroupProtocol {
  constructor(private readonly shard: ShardContext) {}

  private get nowMs(): number {
    return this.shard.clock.nowMs();
  }

  private classicGroup(groupId: string): ClassicGroup | undefined {
    const group = this.shard.groups.get(groupId);
    return group?.type === "classic" ? group : undefined;
  }

  // ------------------------------------------------------------------ JoinGroup

  /** Answers when the join phase completes (or at once for errors and MEMBER_ID_REQUIRED). */
  join(request: JoinGroupRequest, info: RequestInfo): Promise<JoinGroupResponse> {
    return new Promise((resolve, reject) => {
      try {
        this.joinGroup(request, info, resolve);
      } catch (error) {
        reject(error);
      }
    });
  }

  private joinGroup(request: JoinGroupRequest, info: RequestInfo, respond: JoinResponder): void {
    const { groupId, memberId } = request;
    const isUnknownMember = memberId === "";
    const existing = this.shard.groups.get(groupId);
    if (existing?.type === "consumer") {
      if (!existing.isEmpty()) {
        // Classic members in a consumer-protocol group (Kafka's online migration) are not supported.
        respond(joinResponse({ memberId, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
        return;
      }
      // An empty consumer group gives way to the classic group (its offsets stay).
      this.shard.writeInBackground(consumerGroupTombstones(existing), { replay: true });
    }
    let group = this.classicGroup(groupId);
    const isNewGroup = group === undefined;
    if (group === undefined) {
      if (!isUnknownMember) {
        respond(joinResponse({ memberId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
        return;
      }
      group = new ClassicGroup(groupId, this.nowMs);
      this.shard.groups.set(groupId, group);
    }
    if (!this.acceptJoiningMember(group, memberId)) {
      group.remove(memberId);
      respond(joinResponse({ memberId: "", errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED }));
    } else if (isUnknownMember) {
      this.joinNewMember(request, info, group, respond);
    } else {
      this.joinExistingMember(request, info, group, respond);
    }
    if (isNewGroup) this.shard.writeInBackground([emptyGroupMetadataRecord(group)], { replay: false });
  }

  /** group.max.size: existing members always get in; new ones while there is room. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const maxSize = this.shard.options.groupMaxSize;
    switch (group.state) {
      case "Empty":
      case "Dead":
        return true;
      case "PreparingRebalance":
        // Counting rejoined members (not all members) lets a shrunk limit push out the last joiners.
        return (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin) || group.awaitingJoinResponseCount < maxSize;
      case "CompletingRebalance":
      case "Stable":
        return group.hasMember(memberId) || group.memberCount < maxSize;
    }
  }

  private joinNewMember(request: JoinGroupRequest, info: RequestInfo, group: ClassicGroup, respond: JoinResponder): void {
    const protocols = protocolsOf(request);
    if (group.is("Dead")) {
      respond(joinResponse({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
      return;
    }
    if (!group.supportsProtocols(request.protocolType, protocols)) {
      respond(joinResponse({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
      return;
    }
    // Kafka's member ids: "<client.id or group.instance.id>-<uuid>".
    const newMemberId = `${request.groupInstanceId ?? info.clientId}-${randomUUID()}`;
    if (request.groupInstanceId !== null) {
      const existingMemberId = group.staticMemberId(request.groupInstanceId);
      if (existingMemberId !== undefined) {
        this.replaceStaticMember(request, info, group, existingMemberId, newMemberId, respond);
      } else {
        this.addMemberThenRebalanceOrCompleteJoin(request, info, group, newMemberId, respond);
      }
      return;
    }
    if (info.apiVersion >= FIRST_VERSION_REQUIRING_MEMBER_ID) {
      group.addPendingMember(newMemberId);
      this.scheduleHeartbeatExpiry(group.groupId, newMemberId, request.sessionTimeoutMs);
      respond(joinResponse({ memberId: newMemberId, errorCode: ErrorCode.MEMBER_ID_REQUIRED }));
      return;
    }
    this.addMemberThenRebalanceOrCompleteJoin(request, info, group, newMemberId, respond);
  }

  private joinExistingMember(request: JoinGroupRequest, info: RequestInfo, group: ClassicGroup, respond: JoinResponder): void {
    const { memberId, groupInstanceId } = request;
    const protocols = protocolsOf(request);
    if (group.is("Dead")) {
      respond(joinResponse({ memberId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
      return;
    }
    if (!group.supportsProtocols(request.protocolType, protocols)) {
      respond(joinResponse({ memberId, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
      return;
    }
    if (group.isPendingMember(memberId)) {
      // Pending ids were handed out to dynamic members only.
      if (groupInstanceId !== null) {
        respond(joinResponse({ memberId, errorCode: ErrorCode.INVALID_REQUEST }));
        return;
      }
      this.addMemberThenRebalanceOrCompleteJoin(request, info, group, memberId, respond);
      return;
    }
    const error = validateMember(group, memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) {
      respond(joinResponse({ memberId, errorCode: error }));
      return;
    }
    const member = group.member(memberId);
    switch (group.state) {
      case "PreparingRebalance":
        this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, respond);
        return;
      case "CompletingRebalance":
        if (member.matches(protocols)) {
          // A retry of a JoinGroup whose answer was lost: the same answer again.
          respond(this.currentGenerationResponse(group, memberId, group.isLeader(memberId)));
        } else {
          this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, respond);
        }
        return;
      case "Stable":
        // A rejoining leader forces a rebalance (it may have seen metadata change); so does a
        // member whose subscription changed. Others just get the current generation.
        if (group.isLeader(memberId) || !member.matches(protocols)) {
          this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, respond);
        } else {
          respond(this.currentGenerationResponse(group, memberId, false));
        }
        return;
      case "Empty":
      case "Dead":
        respond(joinResponse({ memberId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
        return;
    }
  }

  private currentGenerationResponse(group: ClassicGroup, memberId: string, withMembers: boolean): JoinGroupResponse {
    return joinResponse({
      memberId,
      generationId: group.generationId,
      protocolName: group.protocolName,
      protocolType: group.protocolType,
      leader: group.leaderId ?? "",
      members: withMembers ? group.joinResponseMembers() : [],
    });
  }

  private addMemberThenRebalanceOrCompleteJoin(
    request: JoinGroupRequest,
    info: RequestInfo,
    group: ClassicGroup,
    memberId: string,
    respond: JoinResponder,
  ): void {
    const member = new ClassicGroupMember(
      memberId,
      request.groupInstanceId,
      info.clientId,
      info.clientHost,
      request.rebalanceTimeoutMs,
      request.sessionTimeoutMs,
      request.protocolType,
      protocolsOf(request),
    );
    member.isNew = true;
    // A member arriving during the initial delay extends it (up to the rebalance timeout).
    if (group.is("PreparingRebalance") && group.previousState === "Empty") group.newMemberAdded = true;
    group.add(member, respond);
    // A new member cannot heartbeat while its JoinGroup is parked, and a client that gave up
    // would leave a ghost behind, so its parked join expires on its own timer.
    this.scheduleHeartbeatExpiry(group.groupId, memberId, CLASSIC_NEW_MEMBER_JOIN_TIMEOUT_MS);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberThenRebalanceOrCompleteJoin(
    request: JoinGroupRequest,
    group: ClassicGroup,
    member: ClassicGroupMember,
    respond: JoinResponder,
  ): void {
    group.updateMember(member, protocolsOf(request), request.rebalanceTimeoutMs, request.sessionTimeoutMs, respond);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  /** A static member rejoined with a new member id: the old instance is fenced and replaced. */
  private replaceStaticMember(
    request: JoinGroupRequest,
    info: RequestInfo,
    group: ClassicGroup,
    oldMemberId: string,
    newMemberId: string,
    respond: JoinResponder,
  ): void {
    const instanceId = request.groupInstanceId;
    if (instanceId === null) return;
    const newMember = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.shard.timer.cancel(timerKey("heartbeat", group.groupId, oldMemberId));
    this.rescheduleHeartbeat(group, newMember);
    group.updateMember(newMember, protocolsOf(request), request.rebalanceTimeoutMs, request.sessionTimeoutMs, respond);
    switch (group.state) {
      case "Stable": {
        if (group.protocolName === group.selectProtocol()) {
          // Same protocol: no rebalance. Store the new member id, then give the member the
          // current generation (a v9+ leader may skip computing an assignment).
          const leaderBefore = group.leaderId ?? "";
          const generationId = group.generationId;
          this.shard
            .write([groupMetadataRecord(group, group.assignments())], { replay: false })
            .then(() => {
              // If a rebalance started meanwhile, the parked join belongs to it now.
              if (!group.is("Stable") || !group.hasMember(newMemberId) || group.generationId !== generationId) return;
              const isLeader = group.isLeader(newMemberId);
              const skipAssignment = info.apiVersion >= FIRST_VERSION_SKIPPING_ASSIGNMENT && isLeader;
              group.completeJoin(
                newMember,
                joinResponse({
                  memberId: newMemberId,
                  generationId: group.generationId,
                  protocolName: group.protocolName,
                  protocolType: group.protocolType,
                  leader: skipAssignment ? (group.leaderId ?? "") : leaderBefore,
                  skipAssignment,
                  members: skipAssignment ? group.joinResponseMembers() : [],
                }),
              );
            })
            .catch(() => {
              // The partition is reloading; its unload answered the parked join.
            });
        } else {
          this.maybePrepareRebalanceOrCompleteJoin(group);
        }
        return;
      }
      case "CompletingRebalance":
        // The leader may already have the old member id: a new rebalance avoids a lost assignment.
        this.prepareRebalance(group);
        return;
      case "PreparingRebalance":
        this.maybeCompleteJoinPhase(group);
        return;
      case "Empty":
      case "Dead":
        // A static member id maps to a member, so the group cannot be empty.
        throw new GroupError(ErrorCode.UNKNOWN_SERVER_ERROR, `static member ${instanceId} rejoined group ${group.groupId} in state ${group.state}`);
    }
  }

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): void {
    if (group.is("Stable") || group.is("CompletingRebalance") || group.is("Empty")) this.prepareRebalance(group);
    else this.maybeCompleteJoinPhase(group);
  }

  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (!group.is("PreparingRebalance")) return;
    // The initial rebalance of an empty group always waits out its delay.
    if (group.previousState === "Empty") return;
    if (!group.hasAllMembersJoined()) return;
    this.completeJoinPhase(group);
  }

  private prepareRebalance(group: ClassicGroup): void {
    if (group.is("CompletingRebalance")) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const isInitialRebalance = group.is("Empty");
    if (isInitialRebalance) {
      const delayMs = this.shard.options.groupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.scheduleInitialRebalance(group.groupId, delayMs, remainingMs);
    }
    group.transitionTo("PreparingRebalance", this.nowMs);
    this.shard.logger.info({ groupId: group.groupId, generationId: group.generationId }, "preparing to rebalance group");
    if (!isInitialRebalance) this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined()) {
      this.completeJoinPhase(group);
      return;
    }
    const groupId = group.groupId;
    this.shard.timer.schedule(
      timerKey("join", groupId),
      group.rebalanceTimeoutMs(),
      this.shard.scheduled(() => this.completeJoinPhaseOf(groupId)),
    );
  }

  private scheduleInitialRebalance(groupId: string, delayMs: number, remainingMs: number): void {
    this.shard.timer.schedule(
      timerKey("join", groupId),
      delayMs,
      this.shard.scheduled(() => {
        const group = this.classicGroup(groupId);
        if (group === undefined) return;
        if (group.newMemberAdded && remainingMs !== 0) {
          group.newMemberAdded = false;
          const nextDelayMs = Math.min(this.shard.options.groupInitialRebalanceDelayMs, remainingMs);
          this.scheduleInitialRebalance(groupId, nextDelayMs, Math.max(remainingMs - delayMs, 0));
        } else {
          this.completeJoinPhase(group);
        }
      }),
    );
  }

  private completeJoinPhaseOf(groupId: string): void {
    const group = this.classicGroup(groupId);
    if (group !== undefined) this.completeJoinPhase(group);
  }

  /** The join phase is over: drop dynamic members that did not rejoin, start the next generation. */
  private completeJoinPhase(group: ClassicGroup): void {
    const groupId = group.groupId;
    this.shard.timer.cancel(timerKey("join", groupId));
    for (const member of group.notYetRejoinedMembers()) {
      if (member.isStatic) continue;
      group.remove(member.memberId);
      this.shard.timer.cancel(timerKey("heartbeat", groupId, member.memberId));
    }
    if (group.is("Dead")) return;
    if (!group.maybeElectNewJoinedLeader() && group.memberCount > 0) {
      // Nobody rejoined (only absent static members are left): wait for them or their expiry.
      this.shard.timer.schedule(
        timerKey("join", groupId),
        group.rebalanceTimeoutMs(),
        this.shard.scheduled(() => this.completeJoinPhaseOf(groupId)),
      );
      return;
    }
    group.initNextGeneration(this.nowMs);
    if (group.is("Empty")) {
      this.shard.logger.info({ groupId, generationId: group.generationId }, "group is now empty");
      this.shard.writeInBackground([groupMetadataRecord(group, new Map())], { replay: false });
      return;
    }
    this.shard.logger.info({ groupId, generationId: group.generationId, members: group.memberCount }, "stabilized group generation");
    for (const member of [...group.allMembers()]) {
      group.completeJoin(member, this.currentGenerationResponse(group, member.memberId, group.isLeader(member.memberId)));
      this.rescheduleHeartbeat(group, member);
      member.isNew = false;
      group.addPendingSyncMember(member.memberId);
    }
    const generationId = group.generationId;
    this.shard.timer.schedule(
      timerKey("sync", groupId),
      group.rebalanceTimeoutMs(),
      this.shard.scheduled(() => this.expirePendingSync(groupId, generationId)),
    );
  }

  private expirePendingSync(groupId: string, generationId: number): void {
    const group = this.classicGroup(groupId);
    if (group === undefined || group.generationId !== generationId) return;
    if (!group.is("CompletingRebalance") && !group.is("Stable")) return;
    if (group.hasReceivedSyncFromAllMembers()) return;
    const missing = group.pendingSyncMemberIds();
    for (const memberId of missing) {
      group.remove(memberId);
      this.shard.timer.cancel(timerKey("heartbeat", groupId, memberId));
    }
    this.shard.logger.info({ groupId, members: missing }, "removed members that did not send SyncGroup in time");
    this.prepareRebalance(group);
  }

  private removeSyncExpiration(group: ClassicGroup): void {
    group.clearPendingSyncMembers();
    this.shard.timer.cancel(timerKey("sync", group.groupId));
  }

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.allMembers()) member.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const member of [...group.allMembers()]) {
      const answered = group.completeSync(
        member,
        syncResponse({
          errorCode,
          protocolType: ok ? group.protocolType : null,
          protocolName: ok ? group.protocolName : null,
          assignment: member.assignment,
        }),
      );
      // The session restarts when the member gets its answer: an expiry seen while it waited was ignored.
      if (answered) this.rescheduleHeartbeat(group, member);
    }
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    return new Promise((resolve, reject) => {
      try {
        this.syncGroup(request, resolve);
      } catch (error) {
        reject(error);
      }
    });
  }

  private syncGroup(request: SyncGroupRequest, respond: SyncResponder): void {
    const group = this.classicGroup(request.groupId);
    if (group === undefined || group.isEmpty()) {
      respond(syncResponse({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
      return;
    }
    const error = this.validateSync(group, request);
    if (error !== ErrorCode.NONE) {
      respond(syncResponse({ errorCode: error }));
      return;
    }
    const memberId = request.memberId;
    switch (group.state) {
      case "PreparingRebalance":
        respond(syncResponse({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS }));
        return;
      case "CompletingRebalance": {
        const member = group.member(memberId);
        member.awaitingSync = respond;
        this.removePendingSyncMember(group, memberId);
        if (!group.isLeader(memberId)) return;
        const assignments = new Map<string, Buffer>();
        for (const entry of request.assignments) assignments.set(entry.memberId, entry.assignment);
        for (const other of group.allMembers()) if (!assignments.has(other.memberId)) assignments.set(other.memberId, EMPTY_ASSIGNMENT);
        const generationId = group.generationId;
        this.shard
          .write([groupMetadataRecord(group, assignments)], { replay: false })
          .then(() => {
            // A member may have joined while the record was written: only the same generation moves on.
            if (!group.is("CompletingRebalance") || group.generationId !== generationId) return;
            for (const other of group.allMembers()) other.assignment = assignments.get(other.memberId) ?? EMPTY_ASSIGNMENT;
            this.propagateAssignment(group, ErrorCode.NONE);
            group.transitionTo("Stable", this.nowMs);
          })
          .catch(() => {
            // The partition is reloading; its unload answered the parked SyncGroups.
          });
        return;
      }
      case "Stable": {
        this.removePendingSyncMember(group, memberId);
        const member = group.member(memberId);
        respond(syncResponse({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment }));
        return;
      }
      case "Empty":
      case "Dead":
        respond(syncResponse({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
        return;
    }
  }

  private validateSync(group: ClassicGroup, request: SyncGroupRequest): number {
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = validateMember(group, request.memberId, request.groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (isInconsistent(request.protocolType, group.protocolType) || isInconsistent(request.protocolName, group.protocolName)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    return ErrorCode.NONE;
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.removePendingSyncMember(memberId);
    if (group.hasReceivedSyncFromAllMembers()) this.shard.timer.cancel(timerKey("sync", group.groupId));
  }

  // ------------------------------------------------------------------ Heartbeat

  heartbeat(request: HeartbeatRequest): number {
    const group = this.classicGroup(request.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = validateMember(group, request.memberId, request.groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case "Empty":
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case "PreparingRebalance":
        this.rescheduleHeartbeat(group, group.member(request.memberId));
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case "CompletingRebalance":
      case "Stable":
        // Members may heartbeat between their JoinGroup answer and SyncGroup.
        this.rescheduleHeartbeat(group, group.member(request.memberId));
        return ErrorCode.NONE;
      case "Dead":
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  // ------------------------------------------------------------------ LeaveGroup

  /**
   * Removes the members (KIP-345 batches; a member named only by group.instance.id is removed by
   * an administrator). Throws GroupError(UNKNOWN_MEMBER_ID) when the group does not exist.
   */
  leave(groupId: string, members: readonly LeaveMember[]): { errorCode: number; members: MemberResponse[] } {
    const group = this.classicGroup(groupId);
    if (group === undefined) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `group ${groupId} not found`);
    if (group.is("Dead")) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const responses: MemberResponse[] = [];
    for (const leaving of members) {
      const response = (errorCode: number): MemberResponse => ({
        memberId: leaving.memberId,
        groupInstanceId: leaving.groupInstanceId,
        errorCode,
      });
      if (leaving.memberId === "") {
        const staticMemberId = leaving.groupInstanceId === null ? undefined : group.staticMemberId(leaving.groupInstanceId);
        if (staticMemberId === undefined) {
          responses.push(response(ErrorCode.UNKNOWN_MEMBER_ID));
        } else {
          this.removeMemberOnLeave(group, staticMemberId, leaving.reason);
          responses.push(response(ErrorCode.NONE));
        }
      } else if (group.isPendingMember(leaving.memberId)) {
        group.remove(leaving.memberId);
        this.shard.timer.cancel(timerKey("heartbeat", groupId, leaving.memberId));
        responses.push(response(ErrorCode.NONE));
      } else {
        const error = validateMember(group, leaving.memberId, leaving.groupInstanceId);
        if (error === ErrorCode.NONE) this.removeMemberOnLeave(group, leaving.memberId, leaving.reason);
        responses.push(response(error));
      }
    }
    if (responses.some((entry) => entry.errorCode === ErrorCode.NONE)) {
      if (group.is("Stable") || group.is("CompletingRebalance")) this.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.is("PreparingRebalance")) this.maybeCompleteJoinPhase(group);
    }
    return { errorCode: ErrorCode.NONE, members: responses };
  }

  private removeMemberOnLeave(group: ClassicGroup, memberId: string, reason: string | null): void {
    const member = group.member(memberId);
    this.shard.timer.cancel(timerKey("heartbeat", group.groupId, memberId));
    this.shard.logger.info({ groupId: group.groupId, memberId, reason }, "member left the group");
    // A parked JoinGroup of the leaving member is answered so its client can rejoin if still alive.
    group.completeJoin(member, joinResponse({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
    group.remove(memberId);
  }

  // ------------------------------------------------------------------ sessions

  /** Restarts the member's session timer (heartbeats, offset commits and answers do this). */
  rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    this.scheduleHeartbeatExpiry(group.groupId, member.memberId, timeoutMs);
  }

  private scheduleHeartbeatExpiry(groupId: string, memberId: string, timeoutMs: number): void {
    this.shard.timer.schedule(
      timerKey("heartbeat", groupId, memberId),
      timeoutMs,
      this.shard.scheduled(() => this.expireHeartbeat(groupId, memberId)),
    );
  }

  private expireHeartbeat(groupId: string, memberId: string): void {
    const group = this.classicGroup(groupId);
    if (group === undefined || group.is("Dead")) return;
    if (group.isPendingMember(memberId)) {
      this.shard.logger.info({ groupId, memberId }, "pending member expired");
      group.remove(memberId);
      if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) this.completeJoinPhase(group);
      return;
    }
    if (!group.hasMember(memberId)) return;
    const member = group.member(memberId);
    if (member.hasSatisfiedHeartbeat()) return;
    this.shard.logger.info({ groupId, memberId }, "member session expired, removing it from the group");
    group.completeJoin(member, joinResponse({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
    group.remove(memberId);
    if (group.is("Stable") || group.is("CompletingRebalance")) this.maybePrepareRebalanceOrCompleteJoin(group);
    else if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) this.completeJoinPhase(group);
  }

  /** After loading: every member's session starts now; an over-full group rebalances. */
  onLoaded(group: ClassicGroup): void {
    for (const member of group.allMembers()) this.rescheduleHeartbeat(group, member);
    if (group.memberCount > this.shard.options.groupMaxSize) this.prepareRebalance(group);
  }

  /** Answers every parked JoinGroup and SyncGroup of the group (the partition is unloading). */
  failParked(group: ClassicGroup, errorCode: number): void {
    for (const member of [...group.allMembers()]) {
      group.completeJoin(member, joinResponse({ memberId: member.memberId, errorCode }));
      group.completeSync(member, syncResponse({ errorCode }));
    }
  }

  /** Cancels the group's timers (the group was deleted). */
  cancelTimers(group: ClassicGroup): void {
    this.shard.timer.cancel(timerKey("join", group.groupId));
    this.shard.timer.cancel(timerKey("sync", group.groupId));
    for (const member of group.allMembers()) this.shard.timer.cancel(timerKey("heartbeat", group.groupId, member.memberId));
  }
}

function protocolsOf(request: JoinGroupRequest): GroupProtocol[] {
  return request.protocols.map((protocol) => ({ name: protocol.name, metadata: Buffer.from(protocol.metadata) }));
}

/** The membership check every classic API makes (static members by instance id first). */
export function validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const existing = group.staticMemberId(groupInstanceId);
    if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.hasMember(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  return ErrorCode.NONE;
}

function isInconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && requested !== current;
}
