// A fetcher over KafkaClient for tools that manage their own offsets (no consumer group): it
// keeps a position per assigned partition, sends one Fetch at a time to each partition leader
// (long polling with max_wait_ms / min_bytes), decodes the returned batches and hands back the
// records at or after each position, in offset order per partition.
//
// A Fetch answer starts at the batch holding the requested offset, so records below it inside
// that batch are skipped; control batches (transaction markers) are skipped but advance the
// position. Retriable partition errors (leader moved, topic being created, ...) and broken
// connections refresh metadata and try again, up to `retries` times in a row per partition;
// anything else (OFFSET_OUT_OF_RANGE, authorization, ...) is thrown under its Kafka name.
// Bounds: max_bytes per request, partition_max_bytes per partition (grown, up to max_bytes,
// only when a single batch does not fit), and maxDecompressedBytes per batch.
// Not done: fetch sessions (KIP-227; every request is a full fetch, fine for a few partitions),
// read_committed filtering of aborted transactions (read_uncommitted only).

import { ZERO_UUID } from "../lib/uuid.js";
import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import type { FetchRequest, FetchResponse, FetchTopic } from "../protocol/generated/fetch.js";
import type { Records } from "../protocol/primitives/writer.js";
import type { RecordHeader } from "../protocol/records/index.js";
import type { TimestampType } from "../protocol/records/index.js";
import {
  decodeRecordBatch,
  isControlBatch,
  lastOffsetOf,
  recordBatches,
  recordOffset,
  recordTimestamp,
  timestampTypeOf,
} from "../protocol/records/index.js";
import { ConnectionClosedError } from "./connection.js";
import { ClientUsageError, KafkaProtocolError, UnsupportedApiError } from "./errors.js";
import { isRetriable, type KafkaClient } from "./kafka-client.js";
import { NO_LEADER } from "./metadata.js";

export interface FetcherOptions {
  /** How long the broker may hold a fetch waiting for min_bytes. Default 500 ms (Kafka's fetch.max.wait.ms). */
  readonly maxWaitMs?: number;
  /** Default 1: answer as soon as there is anything. */
  readonly minBytes?: number;
  /** fetch.max.bytes. Default 50 MiB. */
  readonly maxBytes?: number;
  /** max.partition.fetch.bytes. Default 1 MiB. */
  readonly partitionMaxBytes?: number;
  /** Upper bound on one batch's decompressed records. Default 64 MiB. */
  readonly maxDecompressedBytes?: number;
  /** Failed fetches in a row for one partition before its error is thrown. Default 5. */
  readonly retries?: number;
  /** The broker's request timeout on top of maxWaitMs. Default 30 s. */
  readonly requestTimeoutMs?: number;
}

export interface FetchedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: TimestampType;
  readonly leaderEpoch: number;
  /** Views of the response: copy them to keep them past the next fetch. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to fetch. */
  position: number;
  /** From the latest answer, -1 until one arrives (or setHighWatermark). */
  highWatermark: number;
  logStartOffset: number;
  /** Current fetch size for this partition (grows when one batch does not fit). */
  partitionMaxBytes: number;
  /** Failed fetches in a row. */
  failures: number;
  /** Monotonic time before which a failed partition is not fetched again (backoff). */
  retryAtMs: number;
}

const DEFAULT_MAX_WAIT_MS = 500;
const DEFAULT_MIN_BYTES = 1;
const DEFAULT_MAX_BYTES = 50 * 1_048_576;
const DEFAULT_PARTITION_MAX_BYTES = 1_048_576;
const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1_048_576;
const DEFAULT_RETRIES = 5;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Partitions one fetcher follows: a bound on its state and on one request's size. */
const ASSIGNED_PARTITIONS_MAX = 10_000;
/** The first Fetch version that names topics by id instead of by name. */
const FETCH_TOPIC_ID_VERSION = 13;
const READ_UNCOMMITTED = 0;

interface NodeResult {
  readonly nodeId: number;
  readonly records: FetchedRecord[];
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function recordsBuffer(records: Records | null): Buffer | null {
  if (records === null) return null;
  return Buffer.isBuffer(records) ? records : Buffer.concat(records);
}

export class Fetcher {
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private readonly partitionMaxBytes: number;
  private readonly maxDecompressedBytes: number;
  private readonly retries: number;
  private readonly requestTimeoutMs: number;
  private readonly partitions = new Map<string, PartitionState>();
  /** One fetch per leader at a time; each settles to a result or an error, never rejects. */
  private readonly inFlight = new Map<number, Promise<NodeResult | Error>>();
  private metadataStale = true;
  /** Monotonic time before which metadata is not looked up again after a lookup. */
  private metadataRetryAtMs = 0;

  constructor(
    private readonly client: KafkaClient,
    options: FetcherOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.minBytes = options.minBytes ?? DEFAULT_MIN_BYTES;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.partitionMaxBytes = Math.min(options.partitionMaxBytes ?? DEFAULT_PARTITION_MAX_BYTES, this.maxBytes);
    this.maxDecompressedBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** Starts (or moves) fetching a partition at the given offset. */
  assign(topic: string, partition: number, offset: number): void {
    const key = keyOf(topic, partition);
    if (!this.partitions.has(key) && this.partitions.size >= ASSIGNED_PARTITIONS_MAX) {
      throw new ClientUsageError(`a fetcher follows at most ${ASSIGNED_PARTITIONS_MAX} partitions`);
    }
    this.partitions.set(key, {
      topic,
      partition,
      position: offset,
      highWatermark: -1,
      logStartOffset: -1,
      partitionMaxBytes: this.partitionMaxBytes,
      failures: 0,
      retryAtMs: 0,
    });
    this.metadataStale = true;
  }

  /** Stops fetching a partition; records of it still in flight are dropped. */
  unassign(topic: string, partition: number): void {
    this.partitions.delete(keyOf(topic, partition));
  }

  state(topic: string, partition: number): PartitionState | undefined {
    return this.partitions.get(keyOf(topic, partition));
  }

  assigned(): PartitionState[] {
    return [...this.partitions.values()];
  }

  /**
   * Waits for the next answer from any leader and returns its records (possibly none, when the
   * long poll expired). Fetches go out to every leader that has none in flight.
   */
  async fetch(): Promise<FetchedRecord[]> {
    if (this.partitions.size === 0) return [];
    const nowMs = this.client.clock.monotonicMs();
    let refreshed = false;
    if (this.metadataStale && nowMs >= this.metadataRetryAtMs) {
      await this.refreshMetadata();
      refreshed = true;
    }
    const byLeader = new Map<number, PartitionState[]>();
    let nextRetryMs = Infinity;
    for (const state of this.partitions.values()) {
      if (state.retryAtMs > nowMs) {
        nextRetryMs = Math.min(nextRetryMs, state.retryAtMs);
        continue;
      }
      const leader = this.leaderOf(state);
      if (typeof leader !== "number") {
        // Counted once per metadata lookup, so a leader election gets its backoff's worth of time.
        if (refreshed) this.countFailure(state, leader);
        this.metadataStale = true;
        nextRetryMs = Math.min(nextRetryMs, this.metadataRetryAtMs);
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      let list = byLeader.get(leader);
      if (list === undefined) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push(state);
    }
    for (const [nodeId, states] of byLeader) {
      const settled = this.fetchFrom(nodeId, states).then(
        (records): NodeResult | Error => ({ nodeId, records }),
        (error: unknown): NodeResult | Error => {
          if (error instanceof Error) return error;
          return new Error(String(error));
        },
      );
      this.inFlight.set(nodeId, settled);
    }
    if (this.inFlight.size === 0) {
      // Every partition is backing off or waiting for a leader: wait before the caller asks again.
      const waitMs = nextRetryMs === Infinity ? this.client.backoffMs(0) : Math.max(0, nextRetryMs - nowMs);
      await this.client.sleep(waitMs);
      return [];
    }
    const outcome = await Promise.race(
      [...this.inFlight.entries()].map(([nodeId, settled]) => settled.then((result) => ({ nodeId, result }))),
    );
    this.inFlight.delete(outcome.nodeId);
    if (outcome.result instanceof Error) throw outcome.result;
    return outcome.result.records;
  }

  /** Sets a partition's known end, e.g. from ListOffsets before the first fetch. */
  setHighWatermark(topic: string, partition: number, highWatermark: number): void {
    const state = this.partitions.get(keyOf(topic, partition));
    if (state !== undefined) state.highWatermark = highWatermark;
  }

  /** The partition's leader from metadata, or why there is none (as the error to count). */
  private leaderOf(state: PartitionState): number | KafkaProtocolError {
    const subject = `fetch from ${state.topic}-${state.partition} at offset ${state.position}`;
    const topic = this.client.metadataSnapshot?.topics.get(state.topic);
    if (topic === undefined) return new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, subject);
    if (topic.errorCode !== ErrorCode.NONE) return new KafkaProtocolError(topic.errorCode, subject);
    const partition = topic.partitions.find((candidate) => candidate.partition === state.partition);
    if (partition === undefined) return new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, subject);
    if (partition.errorCode !== ErrorCode.NONE) return new KafkaProtocolError(partition.errorCode, subject);
    if (partition.leaderId === NO_LEADER) return new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, subject);
    return partition.leaderId;
  }

  private async refreshMetadata(): Promise<void> {
    const topics = [...new Set([...this.partitions.values()].map((state) => state.topic))];
    this.metadataRetryAtMs = this.client.clock.monotonicMs() + this.client.backoffMs(0);
    await this.client.metadata(topics);
    this.metadataStale = false;
  }

  /** One partition failed: retriable errors count toward `retries`; others are thrown. */
  private countFailure(state: PartitionState, error: Error): void {
    this.metadataStale = true;
    if (!isRetriable(error)) throw error;
    state.failures++;
    if (state.failures > this.retries) throw error;
    state.retryAtMs = this.client.clock.monotonicMs() + this.client.backoffMs(state.failures - 1);
  }

  private async fetchFrom(nodeId: number, states: readonly PartitionState[]): Promise<FetchedRecord[]> {
    let target;
    try {
      target = await this.client.connectionTo(nodeId);
    } catch (error) {
      return this.afterNodeFailure(nodeId, states, error);
    }
    let version = target.versions.version(ApiKey.Fetch);
    const needsIds = version >= FETCH_TOPIC_ID_VERSION;
    const topicIds = new Map<string, string>();
    for (const state of states) topicIds.set(state.topic, this.client.topicId(state.topic));
    if (needsIds && [...topicIds.values()].some((id) => id === ZERO_UUID)) {
      // Without topic ids from metadata, fall back to the last version that names topics.
      const range = target.versions.brokerRange(ApiKey.Fetch);
      if (range === undefined || range.minVersion >= FETCH_TOPIC_ID_VERSION) {
        throw new UnsupportedApiError(`the broker at ${target.connection.address} needs topic ids in Fetch, but metadata gave none`);
      }
      version = FETCH_TOPIC_ID_VERSION - 1;
    }
    const request = this.buildRequest(states, topicIds);
    let response: FetchResponse;
    try {
      response = await target.connection.send<FetchResponse>(ApiKey.Fetch, version, request, { timeoutMs: this.requestTimeoutMs + this.maxWaitMs });
    } catch (error) {
      return this.afterNodeFailure(nodeId, states, error);
    }
    if (response.errorCode !== ErrorCode.NONE) {
      return this.afterNodeFailure(nodeId, states, new KafkaProtocolError(response.errorCode, `fetch from broker ${nodeId}`));
    }
    const namesById = new Map<string, string>();
    for (const [name, id] of topicIds) namesById.set(id, name);
    const records: FetchedRecord[] = [];
    for (const topicResponse of response.responses) {
      const topic = version >= FETCH_TOPIC_ID_VERSION ? namesById.get(topicResponse.topicId) : topicResponse.topic;
      if (topic === undefined) continue;
      for (const partitionData of topicResponse.partitions) {
        const state = this.partitions.get(keyOf(topic, partitionData.partitionIndex));
        // Unassigned (or moved by assign()) while the request was out: its answer is stale.
        if (state === undefined || !states.includes(state)) continue;
        if (partitionData.errorCode !== ErrorCode.NONE) {
          this.countFailure(state, new KafkaProtocolError(partitionData.errorCode, `fetch from ${topic}-${state.partition} at offset ${state.position}`));
          continue;
        }
        state.failures = 0;
        state.highWatermark = partitionData.highWatermark;
        state.logStartOffset = partitionData.logStartOffset;
        this.readRecords(state, recordsBuffer(partitionData.records), records);
      }
    }
    return records;
  }

  private afterNodeFailure(nodeId: number, states: readonly PartitionState[], error: unknown): FetchedRecord[] {
    const failure = error instanceof Error ? error : new Error(String(error));
    if (failure instanceof ConnectionClosedError) this.client.dropNode(nodeId);
    for (const state of states) this.countFailure(state, failure);
    return [];
  }

  private buildRequest(states: readonly PartitionState[], topicIds: ReadonlyMap<string, string>): FetchRequest {
    const topics = new Map<string, FetchTopic>();
    for (const state of states) {
      let topic = topics.get(state.topic);
      if (topic === undefined) {
        topic = { topic: state.topic, topicId: topicIds.get(state.topic) ?? ZERO_UUID, partitions: [] };
        topics.set(state.topic, topic);
      }
      topic.partitions.push({
        partition: state.partition,
        currentLeaderEpoch: -1,
        fetchOffset: state.position,
        lastFetchedEpoch: -1,
        logStartOffset: -1,
        partitionMaxBytes: state.partitionMaxBytes,
        replicaDirectoryId: ZERO_UUID,
      });
    }
    return {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: this.maxWaitMs,
      minBytes: this.minBytes,
      maxBytes: this.maxBytes,
      isolationLevel: READ_UNCOMMITTED,
      // Session id 0 with epoch -1: a full fetch outside any fetch session.
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics.values()],
      forgottenTopicsData: [],
      rackId: "",
    };
  }

  /** Appends the records at or after the partition's position to out, and advances it. */
  private readRecords(state: PartitionState, buffer: Buffer | null, out: FetchedRecord[]): void {
    if (buffer === null || buffer.length === 0) return;
    let sawBatch = false;
    for (const slice of recordBatches(buffer)) {
      sawBatch = true;
      const header = slice.header;
      const lastOffset = lastOffsetOf(header);
      if (lastOffset < state.position) continue;
      if (isControlBatch(header.attributes)) {
        state.position = lastOffset + 1;
        continue;
      }
      const decoded = decodeRecordBatch(slice.batch, { maxDecompressedBytes: this.maxDecompressedBytes });
      const timestampType = timestampTypeOf(header.attributes);
      for (const record of decoded.records) {
        const offset = recordOffset(header, record);
        if (offset < state.position) continue;
        out.push({
          topic: state.topic,
          partition: state.partition,
          offset,
          timestamp: recordTimestamp(header, record),
          timestampType,
          leaderEpoch: header.partitionLeaderEpoch,
          key: record.key,
          value: record.value,
          headers: record.headers,
        });
      }
      // Compaction can leave gaps at a batch's end: the next offset follows the batch, not its last record.
      state.position = lastOffset + 1;
    }
    if (!sawBatch) {
      // Only part of one batch came back: it is larger than this partition's fetch size.
      if (state.partitionMaxBytes >= this.maxBytes) {
        throw new ClientUsageError(
          `the record batch at ${state.topic}-${state.partition} offset ${state.position} is larger than the fetch limit of ${this.maxBytes} bytes`,
        );
      }
      state.partitionMaxBytes = Math.min(this.maxBytes, state.partitionMaxBytes * 2);
    }
  }
}
