// A classic (JoinGroup/SyncGroup) group: its state machine, generation, chosen protocol, leader,
// members (static ones also by group.instance.id), and the bookkeeping of a rebalance (who has
// rejoined, who still owes a SyncGroup). The rules that drive it live in classic-group-protocol.ts.
//
// States and the transitions Kafka allows:
//   Empty -> PreparingRebalance -> CompletingRebalance -> Stable -> PreparingRebalance ...
//   PreparingRebalance -> Empty (everyone left); any -> Dead (deleted or unloaded).

import { assert } from "../../../lib/assert.js";
import { Reader } from "../../../protocol/primitives/reader.js";
import { ErrorCode } from "../../../protocol/error-codes.js";
import { ConsumerProtocolSubscriptionCodec } from "../../../protocol/generated/consumer-protocol-subscription.js";
import type { JoinGroupResponse, JoinGroupResponseMember } from "../../../protocol/generated/join-group.js";
import type { SyncGroupResponse } from "../../../protocol/generated/sync-group.js";
import { ClassicGroupMember, EMPTY_ASSIGNMENT, type GroupProtocol, type JoinResponder } from "./classic-group-member.js";

export type ClassicGroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

const VALID_PREVIOUS_STATES: Readonly<Record<ClassicGroupState, readonly ClassicGroupState[]>> = {
  Empty: ["PreparingRebalance"],
  PreparingRebalance: ["Stable", "CompletingRebalance", "Empty"],
  CompletingRebalance: ["PreparingRebalance"],
  Stable: ["CompletingRebalance"],
  Dead: ["Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead"],
};

/** The protocol type of Kafka consumers: their metadata is a ConsumerProtocolSubscription. */
export const CONSUMER_PROTOCOL_TYPE = "consumer";

export class ClassicGroup {
  readonly type = "classic";
  private stateValue: ClassicGroupState;
  private previousStateValue: ClassicGroupState;
  private stateTimestampMs: number | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null = null;
  private readonly members = new Map<string, ClassicGroupMember>();
  private readonly staticMembers = new Map<string, string>();
  /** Members that got MEMBER_ID_REQUIRED and are expected to join with that id. */
  private readonly pendingJoinMembers = new Set<string>();
  /** Members that received their JoinGroup answer but have not sent SyncGroup yet. */
  private readonly pendingSyncMembers = new Set<string>();
  private awaitingJoinCount = 0;
  /** protocol name -> number of members offering it. */
  private readonly protocolSupport = new Map<string, number>();
  /** A member joined during the initial rebalance delay, which then extends once more. */
  newMemberAdded = false;
  /** Topics the members subscribe to (consumer protocol only); null when unknown. */
  subscribedTopics: ReadonlySet<string> | null = null;

  constructor(
    readonly groupId: string,
    nowMs: number | null,
    initial: {
      state?: ClassicGroupState;
      generationId?: number;
      protocolType?: string | null;
      protocolName?: string | null;
      leaderId?: string | null;
    } = {},
  ) {
    this.stateValue = initial.state ?? "Empty";
    this.previousStateValue = this.stateValue;
    this.stateTimestampMs = nowMs;
    this.generationId = initial.generationId ?? 0;
    this.protocolType = initial.protocolType ?? null;
    this.protocolName = initial.protocolName ?? null;
    this.leaderId = initial.leaderId ?? null;
  }

  get state(): ClassicGroupState {
    return this.stateValue;
  }

  get previousState(): ClassicGroupState {
    return this.previousStateValue;
  }

  /** When the group entered its current state; null for groups loaded from old records. */
  get currentStateTimestampMs(): number | null {
    return this.stateTimestampMs;
  }

  is(state: ClassicGroupState): boolean {
    return this.stateValue === state;
  }

  isEmpty(): boolean {
    return this.stateValue === "Empty";
  }

  transitionTo(state: ClassicGroupState, nowMs: number): void {
    assert(VALID_PREVIOUS_STATES[state].includes(this.stateValue), `group ${this.groupId}: illegal transition ${this.stateValue} -> ${state}`);
    this.previousStateValue = this.stateValue;
    this.stateValue = state;
    this.stateTimestampMs = nowMs;
  }

  // ---- members ----

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const member = this.members.get(memberId);
    assert(member !== undefined, `group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  allMembers(): IterableIterator<ClassicGroupMember> {
    return this.members.values();
  }

  get memberCount(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  hasStaticMember(groupInstanceId: string): boolean {
    return this.staticMembers.has(groupInstanceId);
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  add(member: ClassicGroupMember, responder: JoinResponder | null = null): void {
    if (member.groupInstanceId !== null) {
      assert(!this.staticMembers.has(member.groupInstanceId), `static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    assert(this.protocolType === member.protocolType, "the group and member protocol types must match");
    assert(this.supportsProtocols(member.protocolType, member.supportedProtocols), "none of the member's protocols is supported");
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member, 1);
    member.awaitingJoin = responder;
    if (member.isAwaitingJoin) this.awaitingJoinCount++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed !== undefined) {
      this.members.delete(memberId);
      this.countProtocols(removed, -1);
      if (removed.isAwaitingJoin) this.awaitingJoinCount--;
      if (removed.groupInstanceId !== null) this.staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done === true ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** Replaces a static member's id (a restarted static member); the old instance is fenced. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    assert(old !== undefined, `cannot replace unknown member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    this.completeJoin(old, fencedJoinResponse(oldMemberId));
    this.completeSync(old, fencedSyncResponse());
    const replacement = new ClassicGroupMember(
      newMemberId,
      old.groupInstanceId,
      old.clientId,
      old.clientHost,
      old.rebalanceTimeoutMs,
      old.sessionTimeoutMs,
      old.protocolType,
      old.supportedProtocols,
      old.assignment,
    );
    this.members.set(newMemberId, replacement);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return replacement;
  }

  updateMember(member: ClassicGroupMember, protocols: readonly GroupProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, responder: JoinResponder | null): void {
    this.countProtocols(member, -1);
    member.supportedProtocols = protocols;
    this.countProtocols(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (responder !== null && !member.isAwaitingJoin) this.awaitingJoinCount++;
    else if (responder === null && member.isAwaitingJoin) this.awaitingJoinCount--;
    member.awaitingJoin = responder;
  }

  /** Answers the member's parked JoinGroup, if any. */
  completeJoin(member: ClassicGroupMember, response: JoinGroupResponse): boolean {
    const responder = member.awaitingJoin;
    if (responder === null) return false;
    member.awaitingJoin = null;
    this.awaitingJoinCount--;
    responder(response);
    return true;
  }

  /** Answers the member's parked SyncGroup, if any. */
  completeSync(member: ClassicGroupMember, response: SyncGroupResponse): boolean {
    const responder = member.awaitingSync;
    if (responder === null) return false;
    member.awaitingSync = null;
    responder(response);
    return true;
  }

  // ---- pending members ----

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  addPendingMember(memberId: string): void {
    assert(!this.hasMember(memberId), `pending member ${memberId} is already a member`);
    this.pendingJoinMembers.add(memberId);
  }

  get pendingJoinCount(): number {
    return this.pendingJoinMembers.size;
  }

  addPendingSyncMember(memberId: string): void {
    assert(this.hasMember(memberId), `pending sync member ${memberId} is not a member`);
    this.pendingSyncMembers.add(memberId);
  }

  removePendingSyncMember(memberId: string): void {
    this.pendingSyncMembers.delete(memberId);
  }

  hasReceivedSyncFromAllMembers(): boolean {
    return this.pendingSyncMembers.size === 0;
  }

  pendingSyncMemberIds(): string[] {
    return [...this.pendingSyncMembers];
  }

  clearPendingSyncMembers(): void {
    this.pendingSyncMembers.clear();
  }

  get awaitingJoinResponseCount(): number {
    return this.awaitingJoinCount;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingJoinMembers.size === 0;
  }

  notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((member) => !member.isAwaitingJoin);
  }

  /** The longest rebalance timeout of the members: how long a rebalance may wait for them. */
  rebalanceTimeoutMs(): number {
    let maxMs = 0;
    for (const member of this.members.values()) maxMs = Math.max(maxMs, member.rebalanceTimeoutMs);
    return maxMs;
  }

  /**
   * Keeps the leader if it rejoined, otherwise picks a member that did. False when nobody
   * rejoined, so the generation cannot advance.
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader !== undefined && leader.isAwaitingJoin) return true;
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  // ---- protocols ----

  private countProtocols(member: ClassicGroupMember, delta: number): void {
    for (const protocol of member.supportedProtocols) {
      this.protocolSupport.set(protocol.name, (this.protocolSupport.get(protocol.name) ?? 0) + delta);
    }
  }

  /** Whether a member with these protocols may join: same type, and one protocol all members offer. */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (this.stateValue === "Empty") return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    return protocols.some((protocol) => (this.protocolSupport.get(protocol.name) ?? 0) === this.members.size);
  }

  /** The protocol every member supports that most members prefer (first in their lists). */
  selectProtocol(): string {
    assert(this.members.size > 0, "cannot select a protocol for an empty group");
    const candidates = new Set<string>();
    for (const [name, count] of this.protocolSupport) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    assert(best !== null, "no protocol selected");
    return best;
  }

  /** Starts the next generation once the join phase is over. */
  initNextGeneration(nowMs: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo("CompletingRebalance", nowMs);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo("Empty", nowMs);
    }
    this.clearPendingSyncMembers();
  }

  /** The leader's view of the members: id, instance id and the metadata of the chosen protocol. */
  joinResponseMembers(): JoinGroupResponseMember[] {
    assert(this.stateValue !== "Dead" && this.stateValue !== "PreparingRebalance", `no member metadata in state ${this.stateValue}`);
    const protocolName = this.protocolName;
    assert(protocolName !== null, "no protocol selected");
    return [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.metadata(protocolName),
    }));
  }

  /** member id -> assignment bytes, as last stored. */
  assignments(): Map<string, Buffer> {
    const result = new Map<string, Buffer>();
    for (const member of this.members.values()) result.set(member.memberId, member.assignment);
    return result;
  }

  /**
   * The topics the members subscribe to, read from their ConsumerProtocolSubscription (its v0
   * layout prefixes every version); null when the group is not a consumer group or the
   * metadata cannot be read.
   */
  computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    const protocolName = this.protocolName;
    if (protocolName === null) return null;
    const topics = new Set<string>();
    try {
      for (const member of this.members.values()) {
        const reader = new Reader(member.metadata(protocolName));
        reader.int16();
        for (const topic of ConsumerProtocolSubscriptionCodec.decode(reader, 0).topics) topics.add(topic);
      }
    } catch {
      return null;
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    if (this.subscribedTopics !== null) return this.subscribedTopics.has(topic);
    // Unknown subscriptions of a consumer group: assume subscribed, so its offsets are kept.
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }
}

function fencedJoinResponse(memberId: string): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.FENCED_INSTANCE_ID,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId,
    members: [],
  };
}

function fencedSyncResponse(): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}
