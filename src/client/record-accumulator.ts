// The producer's buffer: per topic-partition, a queue of batches in send order (the last one open
// for appends), with the bytes they hold counted so the producer can apply backpressure. A batch
// closes when it reaches batch.size; the sender decides when a batch may go (linger, flush,
// retries) and takes it from the head. Records are kept as RecordInput until the batch is
// encoded (once, at send time) into one buffer by encodeRecordBatch.

import type { RecordHeader, RecordInput } from "../protocol/records/index.js";
import { RECORD_BATCH_OVERHEAD } from "../protocol/records/index.js";

/**
 * Upper estimate of a record's bytes besides key, value and headers: length, attributes,
 * timestamp delta, offset delta, key length, value length and header count varints.
 */
const RECORD_OVERHEAD_BYTES_ESTIMATE = 24;

export const enum AppendOutcome {
  /** Added to the open batch, which has room left. */
  Appended,
  /** Opened a new batch (it has room left): its linger starts now. */
  NewBatch,
  /** The batch is full and may be sent. */
  BatchFull,
}

export interface ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  /** Position in its partition's send order; retried batches are put back by it. */
  readonly sequence: number;
  readonly records: RecordInput[];
  /** Estimated encoded bytes, batch header included. */
  bytes: number;
  /** Monotonic time the batch was opened (linger and delivery timeout count from it). */
  readonly createdMs: number;
  /** Sends so far (1 after the first). */
  attempts: number;
  /** Monotonic time before which a retried batch must not go out again. */
  retryAtMs: number;
  /** The encoded batch, kept for retries once made. */
  encoded: Buffer | null;
}

export class PartitionQueue {
  /** Batches not yet acknowledged and not in flight, head first. */
  readonly batches: ProducerBatch[] = [];
  /** The batch records are appended to (the last of batches), or null. */
  open: ProducerBatch | null = null;
  inFlightBatches = 0;
  private nextSequence = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  newBatch(createdMs: number): ProducerBatch {
    const batch: ProducerBatch = {
      topic: this.topic,
      partition: this.partition,
      sequence: this.nextSequence++,
      records: [],
      bytes: RECORD_BATCH_OVERHEAD,
      createdMs,
      attempts: 0,
      retryAtMs: 0,
      encoded: null,
    };
    this.batches.push(batch);
    this.open = batch;
    return batch;
  }

  /** Takes the head batch for sending; it is no longer open for appends. */
  take(): ProducerBatch {
    const batch = this.batches.shift()!;
    if (batch === this.open) this.open = null;
    this.inFlightBatches++;
    return batch;
  }

  /** Puts a batch that failed back in its place by sequence, to be sent again before later ones. */
  putBack(batch: ProducerBatch): void {
    this.inFlightBatches--;
    let index = 0;
    while (index < this.batches.length && this.batches[index].sequence < batch.sequence) index++;
    this.batches.splice(index, 0, batch);
  }

  /** A batch came back acknowledged (or failed for good). */
  done(): void {
    this.inFlightBatches--;
  }
}

/** Estimated encoded size of one record. */
export function estimateRecordBytes(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined): number {
  let bytes = RECORD_OVERHEAD_BYTES_ESTIMATE + (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
  if (headers !== undefined) {
    for (const header of headers) bytes += 10 + Buffer.byteLength(header.key, "utf8") + (header.value === null ? 0 : header.value.length);
  }
  return bytes;
}

export class RecordAccumulator {
  private readonly queues = new Map<string, PartitionQueue[]>();
  /** Queues holding at least one batch: the sender looks only at these. */
  readonly pendingQueues = new Set<PartitionQueue>();
  /** Estimated bytes of every record not yet acknowledged (queued or in flight). */
  bufferedBytes = 0;

  constructor(
    private readonly batchBytes: number,
    /** Monotonic milliseconds, read only when a batch opens (not once per record). */
    private readonly monotonicMs: () => number,
  ) {}

  queue(topic: string, partition: number): PartitionQueue {
    let byPartition = this.queues.get(topic);
    if (byPartition === undefined) {
      byPartition = [];
      this.queues.set(topic, byPartition);
    }
    let queue = byPartition[partition];
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition);
      byPartition[partition] = queue;
    }
    return queue;
  }

  /**
   * Appends a record to its partition's open batch (opening one when needed, or when the record
   * would overflow batch.size). Says whether that opened a batch and whether the batch is full.
   */
  append(topic: string, partition: number, record: RecordInput, recordBytes: number): AppendOutcome {
    const queue = this.queue(topic, partition);
    let batch = queue.open;
    let outcome = AppendOutcome.Appended;
    if (batch === null || (batch.records.length > 0 && batch.bytes + recordBytes > this.batchBytes)) {
      batch = queue.newBatch(this.monotonicMs());
      outcome = AppendOutcome.NewBatch;
    }
    batch.records.push(record);
    batch.bytes += recordBytes;
    this.bufferedBytes += recordBytes;
    this.pendingQueues.add(queue);
    if (batch.bytes >= this.batchBytes) {
      queue.open = null;
      return AppendOutcome.BatchFull;
    }
    return outcome;
  }

  /** Releases the bytes of a batch that is finished with, acknowledged or not. */
  release(batch: ProducerBatch): void {
    this.bufferedBytes -= batch.bytes - RECORD_BATCH_OVERHEAD;
  }

  /** Drops every queued batch (after a fatal error); returns how many records were dropped. */
  clear(): number {
    let recordCount = 0;
    for (const queue of this.pendingQueues) {
      for (const batch of queue.batches) {
        recordCount += batch.records.length;
        this.release(batch);
      }
      queue.batches.length = 0;
      queue.open = null;
    }
    this.pendingQueues.clear();
    return recordCount;
  }
}
