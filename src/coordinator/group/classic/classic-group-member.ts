// One member of a classic group: identity, timeouts, the protocols it offered in its last
// JoinGroup (each with its opaque metadata, e.g. a ConsumerProtocolSubscription), its current
// assignment, and the JoinGroup/SyncGroup response it is waiting for, if any.

import type { JoinGroupResponse } from "../../../protocol/generated/join-group.js";
import type { SyncGroupResponse } from "../../../protocol/generated/sync-group.js";
import { assert } from "../../../lib/assert.js";

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

export type JoinResponder = (response: JoinGroupResponse) => void;
export type SyncResponder = (response: SyncGroupResponse) => void;

export class ClassicGroupMember {
  supportedProtocols: readonly GroupProtocol[];
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  assignment: Buffer;
  /** The parked JoinGroup of this member, answered when the join phase completes. */
  awaitingJoin: JoinResponder | null = null;
  /** The parked SyncGroup of this member, answered when the leader's assignment is stored. */
  awaitingSync: SyncResponder | null = null;
  /** Joined in the current rebalance and has not yet received a JoinGroup answer. */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    readonly protocolType: string,
    supportedProtocols: readonly GroupProtocol[],
    assignment: Buffer = EMPTY_ASSIGNMENT,
  ) {
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.supportedProtocols = supportedProtocols;
    this.assignment = assignment;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** The metadata this member sent for a protocol; the protocol must be one it offered. */
  metadata(protocolName: string): Buffer {
    const protocol = this.supportedProtocols.find((candidate) => candidate.name === protocolName);
    assert(protocol !== undefined, `member ${this.memberId} does not support protocol ${protocolName}`);
    return protocol.metadata;
  }

  /** Its first preference among the candidates (the protocol list is in preference order). */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.supportedProtocols.find((protocol) => candidates.has(protocol.name));
    assert(choice !== undefined, `member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }

  /** Same protocols, in the same order, with the same metadata. */
  matches(protocols: readonly GroupProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every(
      (protocol, index) => protocol.name === this.supportedProtocols[index].name && protocol.metadata.equals(this.supportedProtocols[index].metadata),
    );
  }

  /**
   * Whether the member's session is still good at its expiry time: a member waiting for a
   * JoinGroup or SyncGroup answer cannot heartbeat, so waiting counts as alive, except for new
   * members, whose parked JoinGroup must not keep a vanished client in the group.
   */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }
}
