// A producer over KafkaClient: records are partitioned (explicit, murmur2 of the key, or sticky),
// buffered per partition into batches (batch.size, linger.ms), and sent to each partition's
// leader in Produce requests holding at most one batch per partition, each batch encoded once by
// encodeRecordBatch into one buffer that the connection writes without copying. Several requests
// stay in flight per broker (max.in.flight.requests.per.connection).
//
// Bounds: buffered bytes (buffer.memory; append() refuses past it, waitForRoom() waits), request
// bytes (max.request.size), in-flight requests per broker, attempts per batch (retries) and time
// per batch (delivery.timeout.ms).
// Retriable errors (NOT_LEADER_OR_FOLLOWER, a broken connection, ...) refresh metadata and send
// the batch again, before later batches of its partition. Anything else is fatal: the producer
// stops, drops what it holds, and flush() rejects with the error under its Kafka name.
// Not done: idempotence and transactions (no InitProducerId), so a retry after a lost response
// can duplicate a batch, as with Kafka's producer when enable.idempotence=false.

import { assert } from "../lib/assert.js";
import type { TimerHandle } from "../lib/clock.js";
import { errorMessage } from "../lib/errors.js";
import { ErrorCode } from "../protocol/error-codes.js";
import { ApiKey } from "../protocol/generated/api-keys.js";
import type { ProduceRequest, ProduceResponse, TopicProduceData } from "../protocol/generated/produce.js";
import { CompressionType, RECORD_BATCH_OVERHEAD, encodeRecordBatch, type RecordHeader } from "../protocol/records/index.js";
import { ConnectionClosedError } from "./connection.js";
import { ClientUsageError, KafkaProtocolError, RetriesExhaustedError } from "./errors.js";
import { isRetriable, type BrokerConnection, type KafkaClient } from "./kafka-client.js";
import { NO_LEADER } from "./metadata.js";
import { DefaultPartitioner } from "./partitioner.js";
import { AppendOutcome, RecordAccumulator, estimateRecordBytes, type PartitionQueue, type ProducerBatch } from "./record-accumulator.js";

/** -1 (all in-sync replicas), 0 (no response) or 1 (the leader). */
export type Acks = -1 | 0 | 1;

export interface ProducerOptions {
  /** Default -1 ("all"), Kafka's default since 3.0. */
  readonly acks?: Acks;
  readonly compression?: CompressionType;
  /** linger.ms: how long a batch that is not full waits for more records. Default 5 (Kafka 4). */
  readonly lingerMs?: number;
  /** batch.size in bytes. Default 16384. */
  readonly batchBytes?: number;
  /** max.request.size in bytes. Default 1 MiB. */
  readonly maxRequestBytes?: number;
  /** buffer.memory in bytes. Default 32 MiB. */
  readonly bufferBytes?: number;
  /** max.in.flight.requests.per.connection. Default 5. */
  readonly maxInFlightRequests?: number;
  /** The timeout the broker gets for acks (Produce timeout_ms). Default 30 s. */
  readonly ackTimeoutMs?: number;
  /** delivery.timeout.ms: a batch not acknowledged this long after creation fails. Default 120 s. */
  readonly deliveryTimeoutMs?: number;
  /** Attempts after the first for a batch that failed with a retriable error. Default 5. */
  readonly retries?: number;
  /** max.block.ms for a topic's first metadata lookup. Default 60 s. */
  readonly metadataTimeoutMs?: number;
  /** Ask the broker to create unknown topics (where it allows). Default true, as Kafka's producer. */
  readonly allowAutoTopicCreation?: boolean;
  /** Source of randomness for the sticky partitioner's starting partition. */
  readonly random?: () => number;
}

export interface ProducerRecord {
  readonly topic: string;
  /** Explicit partition; otherwise chosen by key hash or stickily. */
  readonly partition?: number;
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** CreateTime in ms since the epoch; default now. */
  readonly timestamp?: number;
}

const DEFAULT_LINGER_MS = 5;
const DEFAULT_BATCH_BYTES = 16_384;
const DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
const DEFAULT_BUFFER_BYTES = 32 * 1_048_576;
const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 5;
const DEFAULT_ACK_TIMEOUT_MS = 30_000;
/** How much longer than the broker's ack timeout we wait for a Produce response before giving up on the connection. */
const RESPONSE_TIMEOUT_MARGIN_MS = 30_000;
const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
const DEFAULT_RETRIES = 5;
const DEFAULT_METADATA_TIMEOUT_MS = 60_000;
/** Partitions of one topic a producer will address: a bound on its per-partition state. */
const PARTITIONS_PER_TOPIC_MAX = 100_000;
/** Appends that may share one wall-clock reading (see timestampNow). */
const TIMESTAMP_REUSE_MAX = 64;
/** Topics one producer writes to. */
const TOPICS_MAX = 10_000;

interface TopicState {
  readonly name: string;
  partitionCount: number;
  /** Leader node id per partition (NO_LEADER when unknown). */
  leaders: number[];
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class Producer {
  private readonly acks: Acks;
  private readonly compression: CompressionType;
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly maxRequestBytes: number;
  private readonly bufferBytes: number;
  private readonly maxInFlightRequests: number;
  private readonly ackTimeoutMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly retries: number;
  private readonly metadataTimeoutMs: number;
  private readonly allowAutoTopicCreation: boolean;

  private readonly accumulator: RecordAccumulator;
  private readonly partitioner: DefaultPartitioner;
  private readonly topics = new Map<string, TopicState>();
  private readonly topicLoads = new Map<string, Promise<void>>();
  /** Resolved connections to leaders; a missing entry is being opened (or will be). */
  private readonly connections = new Map<number, BrokerConnection>();
  private readonly opening = new Set<number>();
  private readonly inFlightPerNode = new Map<number, number>();
  /** Nodes written to with acks=0, whose sockets flush() must see drained. */
  private readonly unacknowledgedNodes = new Set<number>();
  private inFlightRequests = 0;
  private drainScheduled = false;
  private wakeTimer: TimerHandle | null = null;
  private wakeAtMs = Infinity;
  private metadataRefresh: Promise<void> | null = null;
  private metadataWanted = false;
  private flushesPending = 0;
  private roomWaiters: Waiter[] = [];
  private flushWaiters: Waiter[] = [];
  private failure: Error | null = null;
  private closed = false;
  /** Failures in a row to reach the cluster (see countUnreachable). */
  private unreachableCount = 0;
  private cachedTimestampMs = 0;
  private cachedTimestampUses = 0;
  private timestampResetQueued = false;

  constructor(
    private readonly client: KafkaClient,
    options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? -1;
    this.compression = options.compression ?? CompressionType.None;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    this.maxInFlightRequests = options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT_REQUESTS;
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.metadataTimeoutMs = options.metadataTimeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS;
    this.allowAutoTopicCreation = options.allowAutoTopicCreation ?? true;
    assert([-1, 0, 1].includes(this.acks), `acks must be -1, 0 or 1, got ${this.acks}`);
    assert(Number.isInteger(this.lingerMs) && this.lingerMs >= 0, `bad lingerMs ${this.lingerMs}`);
    assert(Number.isInteger(this.batchBytes) && this.batchBytes > 0, `bad batchBytes ${this.batchBytes}`);
    assert(Number.isInteger(this.maxRequestBytes) && this.maxRequestBytes > RECORD_BATCH_OVERHEAD, `bad maxRequestBytes ${this.maxRequestBytes}`);
    assert(Number.isInteger(this.bufferBytes) && this.bufferBytes >= this.maxRequestBytes, "bufferBytes must be at least maxRequestBytes");
    assert(Number.isInteger(this.maxInFlightRequests) && this.maxInFlightRequests > 0, `bad maxInFlightRequests ${this.maxInFlightRequests}`);
    this.accumulator = new RecordAccumulator(Math.min(this.batchBytes, this.maxRequestBytes), () => this.client.clock.monotonicMs());
    this.partitioner = new DefaultPartitioner(options.random);
  }

  /** Bytes of records buffered and not yet acknowledged. */
  get bufferedBytes(): number {
    return this.accumulator.bufferedBytes;
  }

  /** True when append() may be called for this topic now: its metadata is loaded and there is room. */
  isReady(topic: string): boolean {
    return this.failure === null && !this.closed && this.topics.has(topic) && this.accumulator.bufferedBytes < this.bufferBytes;
  }

  /** Waits until isReady(topic): loads the topic's metadata and waits for buffer room. Rejects once the producer has failed. */
  async whenReady(topic: string): Promise<void> {
    this.checkUsable();
    if (!this.topics.has(topic)) await this.loadTopic(topic);
    while (this.accumulator.bufferedBytes >= this.bufferBytes) {
      this.checkUsable();
      const room = new Promise<void>((resolve, reject) => this.roomWaiters.push({ resolve, reject }));
      // Waiting appends make every batch sendable now, linger or not.
      this.scheduleDrain();
      await room;
    }
    this.checkUsable();
  }

  /** Appends and, when needed, waits first: the convenient form of whenReady + append. */
  async send(record: ProducerRecord): Promise<void> {
    if (!this.isReady(record.topic)) await this.whenReady(record.topic);
    this.append(record);
  }

  /**
   * Buffers one record; it is sent when its batch is full, lingered long enough, or flushed.
   * Call only when isReady(record.topic). Throws ClientUsageError for a bad partition or a record
   * larger than max.request.size, and the producer's failure once it has failed.
   */
  append(record: ProducerRecord): void {
    this.checkUsable();
    const topic = this.topics.get(record.topic);
    assert(topic !== undefined && this.accumulator.bufferedBytes < this.bufferBytes, "append() called before whenReady()");
    const key = record.key ?? null;
    const recordBytes = estimateRecordBytes(key, record.value, record.headers);
    if (recordBytes + RECORD_BATCH_OVERHEAD > this.maxRequestBytes) {
      throw new ClientUsageError(`a record of about ${recordBytes} bytes is larger than the maximum request size of ${this.maxRequestBytes} bytes`);
    }
    let partition: number;
    if (record.partition === undefined) {
      partition = this.partitioner.partition(topic.name, key, topic.partitionCount);
    } else {
      partition = record.partition;
      if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitionCount) {
        throw new ClientUsageError(`partition ${partition} is out of range: topic ${topic.name} has ${topic.partitionCount} partition(s)`);
      }
    }
    const input = { timestamp: record.timestamp ?? this.timestampNow(), key, value: record.value, headers: record.headers };
    const outcome = this.accumulator.append(topic.name, partition, input, recordBytes);
    if (outcome === AppendOutcome.BatchFull) {
      if (key === null && record.partition === undefined) this.partitioner.onBatchFull(topic.name, partition, topic.partitionCount);
      this.scheduleDrain();
    } else if (this.lingerMs === 0 || this.flushesPending > 0) {
      this.scheduleDrain();
    } else if (outcome === AppendOutcome.NewBatch) {
      // Only a new batch starts a linger; later appends to it share its deadline.
      this.wakeAt(this.client.clock.monotonicMs() + this.lingerMs);
    }
  }

  /**
   * CreateTime for a record without one. Reading the wall clock costs as much as the rest of an
   * append, so one reading serves up to TIMESTAMP_REUSE_MAX appends of the same synchronous run
   * (a microtask ends the run): timestamps lag by microseconds at full speed, never across awaits.
   */
  private timestampNow(): number {
    if (this.cachedTimestampUses === 0) {
      this.cachedTimestampMs = this.client.clock.nowMs();
      if (!this.timestampResetQueued) {
        this.timestampResetQueued = true;
        queueMicrotask(() => {
          this.timestampResetQueued = false;
          this.cachedTimestampUses = 0;
        });
      }
    }
    this.cachedTimestampUses = this.cachedTimestampUses + 1 >= TIMESTAMP_REUSE_MAX ? 0 : this.cachedTimestampUses + 1;
    return this.cachedTimestampMs;
  }

  /** Sends everything buffered now, without waiting for linger, and resolves once all of it is acknowledged. */
  async flush(): Promise<void> {
    this.checkFailure();
    if (this.isIdle()) return this.flushWrites();
    this.flushesPending++;
    try {
      this.scheduleDrain();
      await new Promise<void>((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
    } finally {
      this.flushesPending--;
    }
    await this.flushWrites();
  }

  /** Flushes, then stops. The client stays open (it belongs to the caller). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.failure === null) await this.flush();
    } finally {
      this.closed = true;
      this.cancelWake();
    }
  }

  private isIdle(): boolean {
    return this.accumulator.pendingQueues.size === 0 && this.inFlightRequests === 0;
  }

  /** With acks=0 nothing is acknowledged: flushing means the bytes have left our sockets. */
  private async flushWrites(): Promise<void> {
    if (this.acks !== 0) return;
    for (const nodeId of this.unacknowledgedNodes) {
      const connection = this.connections.get(nodeId);
      if (connection !== undefined && !connection.connection.closed) await connection.connection.whenWritten();
    }
    this.unacknowledgedNodes.clear();
    this.checkFailure();
  }

  private checkFailure(): void {
    if (this.failure !== null) throw this.failure;
  }

  private checkUsable(): void {
    this.checkFailure();
    if (this.closed) throw new ClientUsageError("the producer is closed");
  }

  // --- metadata -------------------------------------------------------------------------------

  private loadTopic(topic: string): Promise<void> {
    let load = this.topicLoads.get(topic);
    if (load === undefined) {
      if (this.topics.size >= TOPICS_MAX) return Promise.reject(new ClientUsageError(`a producer writes to at most ${TOPICS_MAX} topics`));
      load = this.waitForTopic(topic).finally(() => this.topicLoads.delete(topic));
      this.topicLoads.set(topic, load);
    }
    return load;
  }

  /** Looks the topic up until it has partitions, retrying while it is being created (max.block.ms). */
  private async waitForTopic(topic: string): Promise<void> {
    const deadlineMs = this.client.clock.monotonicMs() + this.metadataTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      let lastError: Error;
      try {
        const metadata = await this.client.metadata([topic], { allowAutoTopicCreation: this.allowAutoTopicCreation });
        const found = metadata.topics.get(topic);
        if (found === undefined) {
          lastError = new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic}`);
        } else if (found.errorCode !== ErrorCode.NONE) {
          lastError = new KafkaProtocolError(found.errorCode, `topic ${topic}`);
          if (!isRetriable(lastError)) throw lastError;
        } else if (found.partitions.length === 0) {
          lastError = new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE, `topic ${topic}`);
        } else {
          if (found.partitions.length > PARTITIONS_PER_TOPIC_MAX) throw new ClientUsageError(`topic ${topic} has more than ${PARTITIONS_PER_TOPIC_MAX} partitions`);
          this.applyMetadata();
          return;
        }
      } catch (error) {
        if (!(error instanceof Error) || !isRetriable(error)) throw error;
        lastError = error;
      }
      const remainingMs = deadlineMs - this.client.clock.monotonicMs();
      if (remainingMs <= 0) {
        throw new RetriesExhaustedError(`topic ${topic} not present in metadata after ${this.metadataTimeoutMs} ms (${errorMessage(lastError)})`);
      }
      await this.client.sleep(Math.min(remainingMs, this.client.backoffMs(attempt)));
    }
  }

  /** Takes partition counts and leaders for our topics from the client's latest metadata. */
  private applyMetadata(): void {
    const metadata = this.client.metadataSnapshot;
    if (metadata === null) return;
    for (const found of metadata.topics.values()) {
      if (found.errorCode !== ErrorCode.NONE || found.partitions.length === 0) continue;
      let topic = this.topics.get(found.name);
      if (topic === undefined) {
        if (!this.topicLoads.has(found.name)) continue;
        topic = { name: found.name, partitionCount: 0, leaders: [] };
        this.topics.set(found.name, topic);
      }
      // Partitions only grow in Kafka; a shorter answer is a stale broker, not a shrink.
      const partitionCount = Math.max(topic.partitionCount, found.partitions.length);
      const leaders = new Array<number>(partitionCount).fill(NO_LEADER);
      for (const partition of found.partitions) {
        if (partition.partition < partitionCount) leaders[partition.partition] = partition.errorCode === ErrorCode.NONE ? partition.leaderId : NO_LEADER;
      }
      topic.partitionCount = partitionCount;
      topic.leaders = leaders;
    }
  }

  /**
   * Counts a failure to reach the cluster (a leader's connection or a metadata lookup); true once
   * there were more than `retries` in a row, when the producer gives up rather than wait out the
   * delivery timeout against a cluster that is gone.
   */
  private countUnreachable(): boolean {
    this.unreachableCount++;
    return this.unreachableCount > this.retries;
  }

  /** Refreshes metadata for our topics (one lookup at a time), then sends what became routable. */
  private refreshMetadata(): void {
    this.metadataWanted = true;
    if (this.metadataRefresh !== null) return;
    this.metadataWanted = false;
    const refresh = (async () => {
      try {
        await this.client.metadata([...this.topics.keys()], { allowAutoTopicCreation: false });
        this.unreachableCount = 0;
        this.applyMetadata();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        if (!isRetriable(failure) || this.countUnreachable()) {
          this.fail(failure);
          return;
        }
        // The cluster is unreachable for now; batches wait and metadata is asked again.
        await this.client.sleep(this.client.backoffMs(this.unreachableCount - 1));
        this.metadataWanted = true;
      }
    })();
    this.metadataRefresh = refresh;
    void refresh.finally(() => {
      this.metadataRefresh = null;
      if (this.metadataWanted && this.failure === null && !this.closed && !this.isIdle()) this.refreshMetadata();
      this.scheduleDrain();
    });
  }

  // --- sending --------------------------------------------------------------------------------

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private wakeAt(atMs: number): void {
    if (atMs >= this.wakeAtMs) return;
    this.cancelWake();
    this.wakeAtMs = atMs;
    const delayMs = Math.max(0, atMs - this.client.clock.monotonicMs());
    this.wakeTimer = this.client.clock.setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAtMs = Infinity;
      this.drain();
    }, delayMs);
  }

  private cancelWake(): void {
    if (this.wakeTimer !== null) this.client.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.wakeAtMs = Infinity;
  }

  /** Sends every batch that may go now to its leader, within the in-flight and request bounds. */
  private drain(): void {
    if (this.failure !== null || this.closed) return;
    const nowMs = this.client.clock.monotonicMs();
    const hurry = this.flushesPending > 0 || this.roomWaiters.length > 0;
    let nextWakeMs = Infinity;
    let needMetadata = false;
    const readyByNode = new Map<number, PartitionQueue[]>();
    for (const queue of this.accumulator.pendingQueues) {
      const head = queue.batches[0];
      if (head === undefined) {
        this.accumulator.pendingQueues.delete(queue);
        continue;
      }
      if (nowMs - head.createdMs >= this.deliveryTimeoutMs) {
        const count = head.records.length;
        this.fail(new RetriesExhaustedError(`expiring ${count} record(s) for ${queue.topic}-${queue.partition}: ${nowMs - head.createdMs} ms has passed since batch creation`));
        return;
      }
      nextWakeMs = Math.min(nextWakeMs, head.createdMs + this.deliveryTimeoutMs);
      const readyAtMs = this.readyAtMs(queue, head, hurry);
      if (readyAtMs > nowMs) {
        nextWakeMs = Math.min(nextWakeMs, readyAtMs);
        continue;
      }
      const leader = this.topics.get(queue.topic)?.leaders[queue.partition] ?? NO_LEADER;
      if (leader === NO_LEADER) {
        needMetadata = true;
        continue;
      }
      let ready = readyByNode.get(leader);
      if (ready === undefined) {
        ready = [];
        readyByNode.set(leader, ready);
      }
      ready.push(queue);
    }
    for (const [nodeId, queues] of readyByNode) this.sendToNode(nodeId, queues, nowMs, hurry);
    if (needMetadata) this.refreshMetadata();
    if (nextWakeMs < Infinity) this.wakeAt(nextWakeMs);
  }

  /**
   * When the head batch of a queue may be sent: now for a full batch (or when hurrying: flush,
   * or appends waiting for room), after linger.ms for a partial one, after the backoff for a
   * retried one. Infinity while a retried batch waits for earlier sends of its partition to
   * come back, which keeps a partition's batches in order.
   */
  private readyAtMs(queue: PartitionQueue, head: ProducerBatch, hurry: boolean): number {
    if (head.attempts > 0) return queue.inFlightBatches > 0 ? Infinity : head.retryAtMs;
    if (head !== queue.open || hurry) return 0;
    return head.createdMs + this.lingerMs;
  }

  private sendToNode(nodeId: number, queues: readonly PartitionQueue[], nowMs: number, hurry: boolean): void {
    const target = this.connections.get(nodeId);
    if (target === undefined || target.connection.closed) {
      this.connections.delete(nodeId);
      this.openConnection(nodeId);
      return;
    }
    if (this.acks === 0 && target.connection.bufferedWriteBytes > this.maxRequestBytes * this.maxInFlightRequests) {
      // Nothing acknowledges acks=0 requests: the socket's write buffer is what bounds them.
      target.connection.whenWritten().then(
        () => this.scheduleDrain(),
        () => this.scheduleDrain(),
      );
      return;
    }
    while ((this.inFlightPerNode.get(nodeId) ?? 0) < this.maxInFlightRequests) {
      // At most one batch per partition per request, as Kafka's sender does; a partition with
      // more ready batches gets them into the following requests.
      const batches: ProducerBatch[] = [];
      let requestBytes = 0;
      for (const queue of queues) {
        const head = queue.batches[0];
        if (head === undefined || this.readyAtMs(queue, head, hurry) > nowMs) continue;
        if (batches.length > 0 && requestBytes + head.bytes > this.maxRequestBytes) continue;
        batches.push(queue.take());
        if (queue.batches.length === 0) this.accumulator.pendingQueues.delete(queue);
        requestBytes += head.bytes;
      }
      if (batches.length === 0) return;
      this.sendBatches(nodeId, target, batches);
      if (this.acks === 0 && target.connection.bufferedWriteBytes > this.maxRequestBytes * this.maxInFlightRequests) {
        this.scheduleDrain();
        return;
      }
    }
  }

  private openConnection(nodeId: number): void {
    if (this.opening.has(nodeId)) return;
    this.opening.add(nodeId);
    this.client.connectionTo(nodeId).then(
      (connection) => {
        this.opening.delete(nodeId);
        this.unreachableCount = 0;
        this.connections.set(nodeId, connection);
        this.scheduleDrain();
      },
      (error: unknown) => {
        this.opening.delete(nodeId);
        const failure = error instanceof Error ? error : new Error(String(error));
        if (!isRetriable(failure) || this.countUnreachable()) {
          this.fail(failure);
          return;
        }
        // The leader is unreachable: metadata may name another one; batches wait meanwhile.
        this.client.sleep(this.client.backoffMs(this.unreachableCount - 1)).then(
          () => this.refreshMetadata(),
          () => undefined,
        );
      },
    );
  }

  private sendBatches(nodeId: number, target: BrokerConnection, batches: ProducerBatch[]): void {
    let version: number;
    try {
      version = target.versions.version(ApiKey.Produce);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const byTopic = new Map<string, TopicProduceData>();
    for (const batch of batches) {
      batch.attempts++;
      if (batch.encoded === null) batch.encoded = encodeRecordBatch({ records: batch.records, compression: this.compression });
      let topicData = byTopic.get(batch.topic);
      if (topicData === undefined) {
        topicData = { name: batch.topic, partitionData: [] };
        byTopic.set(batch.topic, topicData);
      }
      topicData.partitionData.push({ index: batch.partition, records: batch.encoded });
    }
    const request: ProduceRequest = { transactionalId: null, acks: this.acks, timeoutMs: this.ackTimeoutMs, topicData: [...byTopic.values()] };
    if (this.acks === 0) {
      try {
        target.connection.sendWithoutResponse(ApiKey.Produce, version, request);
      } catch (error) {
        this.onRequestFailed(nodeId, batches, error);
        return;
      }
      this.unacknowledgedNodes.add(nodeId);
      for (const batch of batches) this.complete(batch);
      this.afterResponse();
      return;
    }
    this.inFlightRequests++;
    this.inFlightPerNode.set(nodeId, (this.inFlightPerNode.get(nodeId) ?? 0) + 1);
    target.connection.send<ProduceResponse>(ApiKey.Produce, version, request, { timeoutMs: this.ackTimeoutMs + RESPONSE_TIMEOUT_MARGIN_MS }).then(
      (response) => {
        this.requestDone(nodeId);
        this.onResponse(batches, response);
      },
      (error: unknown) => {
        this.requestDone(nodeId);
        this.onRequestFailed(nodeId, batches, error);
      },
    );
  }

  private requestDone(nodeId: number): void {
    this.inFlightRequests--;
    this.inFlightPerNode.set(nodeId, (this.inFlightPerNode.get(nodeId) ?? 1) - 1);
  }

  private onResponse(batches: ProducerBatch[], response: ProduceResponse): void {
    if (this.failure !== null) return;
    let retry = false;
    for (const batch of batches) {
      const partitionResponse = response.responses
        .find((topic) => topic.name === batch.topic)
        ?.partitionResponses.find((partition) => partition.index === batch.partition);
      if (partitionResponse === undefined) {
        this.fail(new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `produce to ${batch.topic}-${batch.partition}`, "the broker's response does not mention this partition"));
        return;
      }
      if (partitionResponse.errorCode === ErrorCode.NONE) {
        this.complete(batch);
        continue;
      }
      const recordErrors = partitionResponse.recordErrors.map((recordError) => `record ${recordError.batchIndex}: ${recordError.batchIndexErrorMessage ?? "invalid"}`);
      const brokerMessage = [partitionResponse.errorMessage ?? "", ...recordErrors].filter((part) => part !== "").join("; ");
      const error = new KafkaProtocolError(partitionResponse.errorCode, `produce to ${batch.topic}-${batch.partition}`, brokerMessage === "" ? null : brokerMessage);
      if (!this.retryBatch(batch, error)) return;
      retry = true;
    }
    if (retry) this.refreshMetadata();
    this.afterResponse();
  }

  private onRequestFailed(nodeId: number, batches: ProducerBatch[], error: unknown): void {
    if (this.failure !== null) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    if (failure instanceof ConnectionClosedError) {
      this.connections.delete(nodeId);
      this.client.dropNode(nodeId);
    }
    for (const batch of batches) {
      if (!this.retryBatch(batch, failure)) return;
    }
    this.refreshMetadata();
    this.afterResponse();
  }

  /** Puts a failed batch back for another attempt, or fails the producer; false when it failed. */
  private retryBatch(batch: ProducerBatch, error: Error): boolean {
    const queue = this.accumulator.queue(batch.topic, batch.partition);
    if (!isRetriable(error)) {
      queue.done();
      this.fail(error);
      return false;
    }
    if (batch.attempts > this.retries) {
      queue.done();
      this.fail(new RetriesExhaustedError(`${error.message} (gave up after ${batch.attempts} attempts)`));
      return false;
    }
    batch.retryAtMs = this.client.clock.monotonicMs() + this.client.backoffMs(batch.attempts - 1);
    queue.putBack(batch);
    this.accumulator.pendingQueues.add(queue);
    return true;
  }

  private complete(batch: ProducerBatch): void {
    this.accumulator.queue(batch.topic, batch.partition).done();
    this.accumulator.release(batch);
  }

  private afterResponse(): void {
    if (this.accumulator.bufferedBytes < this.bufferBytes && this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const waiter of waiters) waiter.resolve();
    }
    if (this.isIdle() && this.flushWaiters.length > 0) {
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      for (const waiter of waiters) waiter.resolve();
    }
    if (this.isIdle()) this.cancelWake();
    else this.scheduleDrain();
  }

  /** Stops for good: drops buffered records and rejects everyone waiting. */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.cancelWake();
    this.accumulator.clear();
    const waiters = [...this.roomWaiters, ...this.flushWaiters];
    this.roomWaiters = [];
    this.flushWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}
