// One idempotent producer's state in one partition, and the rule every batch it writes must
// follow (Kafka's ProducerStateEntry, BatchMetadata and ProducerAppendInfo, without transactions).
//
// The state per producer id: its current epoch and the sequence ranges and offsets of its last
// BATCHES_RETAINED_PER_PRODUCER batches. That is what lets the log recognise a batch a producer
// sent again after losing the answer (same epoch, same sequence range as a retained batch: a
// duplicate, answered with the original offsets and not appended twice), and refuse batches that
// would leave a hole or come from a fenced producer:
//
// - an epoch older than the one seen                    -> INVALID_PRODUCER_EPOCH
// - a newer epoch must start at sequence 0              -> else OUT_OF_ORDER_SEQUENCE_NUMBER
// - the same epoch must continue at last sequence + 1   -> else OUT_OF_ORDER_SEQUENCE_NUMBER
//   (sequences wrap from Int32.MAX to 0)
// - a producer id the partition has no state for is accepted at any sequence: since Kafka 2.5
//   (KIP-360) the broker no longer answers UNKNOWN_PRODUCER_ID, because state legitimately
//   disappears (expiry after producer.id.expiration.ms, retention removing the producer's batches).
//
// Entries are immutable: an append builds new ones, so the previous value can be put back when a
// write fails (see producer-state-manager.ts). Only client appends get the sequence checks;
// coordinator appends get the epoch check; replicated and replayed batches are taken as written.

import { NO_PRODUCER_EPOCH } from "../protocol/records/batch-header.js";
import { InvalidProducerEpochError, OutOfOrderSequenceError } from "./errors.js";
import type { AppendOrigin } from "./log-validator.js";

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: matches the 5 requests an idempotent producer may have in flight. */
export const BATCHES_RETAINED_PER_PRODUCER = 5;

const INT32_MAX = 0x7fff_ffff;

export interface BatchMetadata {
  readonly lastSequence: number;
  readonly lastOffset: number;
  /** lastOffset - firstOffset, which for a data batch is also lastSequence - firstSequence. */
  readonly offsetDelta: number;
  /** The batch's max timestamp as stored (the broker's time on LogAppendTime topics). */
  readonly timestamp: number;
}

export interface ProducerStateEntry {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** The producer's last batches in this partition, oldest first; at most BATCHES_RETAINED_PER_PRODUCER. */
  readonly batches: readonly BatchMetadata[];
  /** Max timestamp of the producer's last batch: expiry counts from here, as in Kafka. */
  readonly lastTimestamp: number;
  /** Epoch of the transaction coordinator that wrote the producer's last marker; -1 (no transactions here). */
  readonly coordinatorEpoch: number;
  /** First offset of the producer's open transaction; -1 (transactions are not tracked). */
  readonly currentTxnFirstOffset: number;
}

/** What the state rules need to know of one data batch, its offsets as they are (or will be) in the log. */
export interface ProducerBatch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly timestamp: number;
}

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Int32.MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** The inverse of incrementSequence. */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return INT32_MAX - (decrement - sequence) + 1;
  return sequence - decrement;
}

export function firstSequenceOf(batch: BatchMetadata): number {
  return decrementSequence(batch.lastSequence, batch.offsetDelta);
}

export function firstOffsetOf(batch: BatchMetadata): number {
  return batch.lastOffset - batch.offsetDelta;
}

/** The last sequence written by the producer, -1 when none is known. */
export function lastSequenceOf(entry: ProducerStateEntry): number {
  const last = entry.batches.length > 0 ? entry.batches[entry.batches.length - 1] : undefined;
  return last === undefined ? -1 : last.lastSequence;
}

function inSequence(lastSequence: number, nextSequence: number): boolean {
  return nextSequence === lastSequence + 1 || (nextSequence === 0 && lastSequence === INT32_MAX);
}

/** The retained batch with exactly this epoch and sequence range: the batch was sent again. */
export function findDuplicateBatch(entry: ProducerStateEntry | undefined, batch: Pick<ProducerBatch, "producerEpoch" | "firstSequence" | "lastSequence">): BatchMetadata | undefined {
  if (entry === undefined || entry.producerEpoch !== batch.producerEpoch) return undefined;
  for (const retained of entry.batches) {
    if (retained.lastSequence === batch.lastSequence && firstSequenceOf(retained) === batch.firstSequence) return retained;
  }
  return undefined;
}

/**
 * Checks `batch` against the producer's state and returns the state after it (throws
 * OutOfOrderSequenceError or InvalidProducerEpochError). `before` is the entry as it was before
 * the whole append; `current` is the entry after the append's earlier batches of the same
 * producer (the same as `before` for its first batch). Neither is modified.
 */
export function appendBatch(
  before: ProducerStateEntry | undefined,
  current: ProducerStateEntry | undefined,
  batch: ProducerBatch,
  origin: AppendOrigin,
  partitionName: string,
): ProducerStateEntry {
  const currentEpoch = current?.producerEpoch ?? NO_PRODUCER_EPOCH;
  // Replication and recovery replay what a leader already accepted: a lower epoch is taken as
  // written (Kafka only logs it), so the follower's state ends up as the leader's.
  if (origin !== "replication" && batch.producerEpoch < currentEpoch) {
    throw new InvalidProducerEpochError(
      `epoch ${batch.producerEpoch} of producer ${batch.producerId} at offset ${batch.firstOffset} in ${partitionName} is older than the last epoch seen, ${currentEpoch}`,
      batch.producerId,
    );
  }
  if (origin === "client") {
    if (batch.producerEpoch !== currentEpoch) {
      if (batch.firstSequence !== 0 && currentEpoch !== NO_PRODUCER_EPOCH) {
        throw new OutOfOrderSequenceError(
          `producer ${batch.producerId} starts epoch ${batch.producerEpoch} at sequence ${batch.firstSequence} in ${partitionName}; a new epoch starts at 0 (current epoch ${currentEpoch})`,
          batch.producerId,
        );
      }
    } else {
      const lastSequence = current === undefined ? -1 : lastSequenceOf(current);
      const beforeEpoch = before?.producerEpoch ?? NO_PRODUCER_EPOCH;
      if (beforeEpoch !== NO_PRODUCER_EPOCH && !inSequence(lastSequence, batch.firstSequence)) {
        throw new OutOfOrderSequenceError(
          `out of order sequence for producer ${batch.producerId} at offset ${batch.firstOffset} in ${partitionName}: ${batch.firstSequence} (incoming), ${lastSequence} (last written)`,
          batch.producerId,
        );
      }
    }
  }
  const metadata: BatchMetadata = {
    lastSequence: batch.lastSequence,
    lastOffset: batch.lastOffset,
    offsetDelta: batch.lastOffset - batch.firstOffset,
    timestamp: batch.timestamp,
  };
  // A new epoch forgets the old epoch's batches (Kafka's maybeUpdateProducerEpoch).
  const kept = current === undefined || current.producerEpoch !== batch.producerEpoch ? [] : current.batches;
  const start = kept.length >= BATCHES_RETAINED_PER_PRODUCER ? kept.length - BATCHES_RETAINED_PER_PRODUCER + 1 : 0;
  const batches = start === 0 ? [...kept, metadata] : [...kept.slice(start), metadata];
  return {
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    batches,
    lastTimestamp: batch.timestamp,
    coordinatorEpoch: current?.coordinatorEpoch ?? -1,
    currentTxnFirstOffset: current?.currentTxnFirstOffset ?? -1,
  };
}

/** Expired: no open transaction and idle for producer.id.expiration.ms since its last batch's timestamp. */
export function isProducerExpired(entry: ProducerStateEntry, nowMs: number, producerIdExpirationMs: number): boolean {
  return entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestamp >= producerIdExpirationMs;
}
