// Incremental fetch sessions (KIP-227). A consumer that fetches the same partitions over and over
// opens a session with a full fetch (epoch 0); later fetches (epoch 1, 2, ...) list only what
// changed, and responses carry only partitions with news (records, a moved high watermark or log
// start offset, an error). Sessionless fetches (session id 0, epoch -1) work as before KIP-227.
// The cache is bounded (max.incremental.fetch.session.cache.slots); when full, the least recently
// used session idle for long enough is evicted, else the new client simply gets no session.

import { ErrorCode } from "../protocol/error-codes.js";
import type { Clock } from "../lib/clock.js";

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
export const SESSIONLESS_ID = 0;
/** A session unused for this long may be evicted to make room for a new one. */
export const SESSION_EVICTION_MIN_IDLE_MS = 120_000;

export interface FetchPartitionRequest {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
  readonly lastFetchedEpoch: number;
  readonly logStartOffset: number;
}

/** A partition in a session: what the client last asked for and what we last told it. */
export interface SessionPartition extends FetchPartitionRequest {
  sentHighWatermark: number;
  sentLogStartOffset: number;
  sentLastStableOffset: number;
}

export interface PartitionNews {
  readonly recordBytes: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly lastStableOffset: number;
  readonly errorCode: number;
}

export class FetchSession {
  /** The epoch the next incremental request must carry. */
  nextEpoch = 1;
  lastUsedMs: number;
  readonly partitions = new Map<string, SessionPartition>();

  constructor(
    readonly id: number,
    nowMs: number,
  ) {
    this.lastUsedMs = nowMs;
  }
}

export function partitionKey(topicId: string, topic: string, partition: number): string {
  // Topic ids identify a topic across renames and re-creations; names are used before v13.
  return `${topicId}|${topic}|${partition}`;
}

function newSessionPartition(request: FetchPartitionRequest): SessionPartition {
  return { ...request, sentHighWatermark: -1, sentLogStartOffset: -1, sentLastStableOffset: -1 };
}

export type SessionResolution =
  | { readonly kind: "error"; readonly errorCode: number }
  /** Fetch exactly these partitions; no session (id 0 in the response). */
  | { readonly kind: "sessionless"; readonly partitions: readonly SessionPartition[] }
  /** A full fetch that opened this session. */
  | { readonly kind: "full"; readonly session: FetchSession; readonly partitions: readonly SessionPartition[] }
  /** An incremental fetch of every partition in the session. */
  | { readonly kind: "incremental"; readonly session: FetchSession; readonly partitions: readonly SessionPartition[] };

export interface FetchSessionRequest {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  readonly partitions: readonly FetchPartitionRequest[];
  readonly forgotten: readonly { readonly topic: string; readonly topicId: string; readonly partition: number }[];
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1;

  constructor(
    private readonly maxSessions: number,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  resolve(request: FetchSessionRequest): SessionResolution {
    const nowMs = this.clock.monotonicMs();
    const { sessionId, sessionEpoch } = request;
    if (sessionEpoch === FINAL_EPOCH) {
      if (sessionId !== SESSIONLESS_ID) this.sessions.delete(sessionId);
      return { kind: "sessionless", partitions: request.partitions.map(newSessionPartition) };
    }
    if (sessionEpoch === INITIAL_EPOCH) {
      if (sessionId !== SESSIONLESS_ID) this.sessions.delete(sessionId);
      const partitions = request.partitions.map(newSessionPartition);
      const session = this.create(nowMs);
      if (session === null) return { kind: "sessionless", partitions };
      for (const partition of partitions) {
        session.partitions.set(partitionKey(partition.topicId, partition.topic, partition.partition), partition);
      }
      return { kind: "full", session, partitions };
    }
    const session = this.sessions.get(sessionId);
    if (session === undefined) return { kind: "error", errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.nextEpoch !== sessionEpoch) return { kind: "error", errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    for (const forgotten of request.forgotten) {
      session.partitions.delete(partitionKey(forgotten.topicId, forgotten.topic, forgotten.partition));
    }
    for (const update of request.partitions) {
      const key = partitionKey(update.topicId, update.topic, update.partition);
      const existing = session.partitions.get(key);
      if (existing === undefined) session.partitions.set(key, newSessionPartition(update));
      else session.partitions.set(key, { ...existing, ...update });
    }
    session.nextEpoch = session.nextEpoch === 0x7fff_ffff ? 1 : session.nextEpoch + 1;
    session.lastUsedMs = nowMs;
    return { kind: "incremental", session, partitions: [...session.partitions.values()] };
  }

  private create(nowMs: number): FetchSession | null {
    if (this.sessions.size >= this.maxSessions && !this.evictOne(nowMs)) return null;
    let id = this.nextId;
    while (id === SESSIONLESS_ID || this.sessions.has(id)) id = id >= 0x7fff_ffff ? 1 : id + 1;
    this.nextId = id >= 0x7fff_ffff ? 1 : id + 1;
    const session = new FetchSession(id, nowMs);
    this.sessions.set(id, session);
    return session;
  }

  private evictOne(nowMs: number): boolean {
    let oldest: FetchSession | undefined;
    for (const session of this.sessions.values()) {
      if (oldest === undefined || session.lastUsedMs < oldest.lastUsedMs) oldest = session;
    }
    if (oldest === undefined || nowMs - oldest.lastUsedMs < SESSION_EVICTION_MIN_IDLE_MS) return false;
    this.sessions.delete(oldest.id);
    return true;
  }

  remove(sessionId: number): void {
    this.sessions.delete(sessionId);
  }
}

/**
 * Whether an incremental response must include this partition, and records what is being sent.
 * Full and sessionless responses include every partition; call this for them too so the session
 * remembers what the client knows.
 */
export function noteSent(partition: SessionPartition, news: PartitionNews): boolean {
  const changed =
    news.recordBytes > 0 ||
    news.errorCode !== ErrorCode.NONE ||
    news.highWatermark !== partition.sentHighWatermark ||
    news.logStartOffset !== partition.sentLogStartOffset ||
    news.lastStableOffset !== partition.sentLastStableOffset;
  partition.sentHighWatermark = news.highWatermark;
  partition.sentLogStartOffset = news.logStartOffset;
  partition.sentLastStableOffset = news.lastStableOffset;
  return changed;
}
