// Control records: the single record of a control batch (attributes bit 5), written by the
// broker, never by producers. Key: int16 version (0), int16 type. The value of an end
// transaction marker (types ABORT and COMMIT): int16 version (0), int32 coordinator epoch.
// Types 2 and up are KRaft-internal (leader change, snapshot header/footer, ...); consumers
// skip every control record, so readers accept any type and newer versions, as Kafka does
// (ControlRecordType.parse, EndTransactionMarker.deserializeValue).

import { assert } from "../../lib/assert.js";
import { CompressionType, NO_SEQUENCE, TimestampType } from "./batch-header.js";
import { CorruptRecordError } from "./errors.js";
import { encodeRecordBatch } from "./record-batch.js";

export enum ControlRecordType {
  Abort = 0,
  Commit = 1,
}

export const CONTROL_RECORD_KEY_VERSION = 0;
export const END_TRANSACTION_MARKER_VERSION = 0;
const CONTROL_RECORD_KEY_BYTES = 4;
const END_TRANSACTION_MARKER_VALUE_BYTES = 6;
const INT16_MAX = 0x7fff;

export interface ControlRecordKey {
  readonly version: number;
  /** A ControlRecordType for transaction markers; other values are KRaft control records. */
  readonly type: number;
}

export interface EndTransactionMarkerValue {
  readonly version: number;
  readonly coordinatorEpoch: number;
}

export function encodeControlRecordKey(type: ControlRecordType): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_RECORD_KEY_BYTES);
  key.writeInt16BE(CONTROL_RECORD_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** Reads a control record key; extra bytes after the known fields are ignored (newer versions). */
export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_RECORD_KEY_BYTES) {
    throw new CorruptRecordError(`control record key needs ${CONTROL_RECORD_KEY_BYTES} bytes, has ${key === null ? "null" : key.length}`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`invalid control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export function encodeEndTransactionMarkerValue(coordinatorEpoch: number): Buffer {
  assert(Number.isInteger(coordinatorEpoch) && coordinatorEpoch >= -0x8000_0000 && coordinatorEpoch <= 0x7fff_ffff, `bad coordinatorEpoch ${coordinatorEpoch}`);
  const value = Buffer.allocUnsafe(END_TRANSACTION_MARKER_VALUE_BYTES);
  value.writeInt16BE(END_TRANSACTION_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/** Reads an end transaction marker value; extra bytes after the known fields are ignored. */
export function decodeEndTransactionMarkerValue(value: Buffer | null): EndTransactionMarkerValue {
  if (value === null || value.length < END_TRANSACTION_MARKER_VALUE_BYTES) {
    throw new CorruptRecordError(`end transaction marker needs ${END_TRANSACTION_MARKER_VALUE_BYTES} bytes, has ${value === null ? "null" : value.length}`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`invalid end transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTransactionMarkerBatchOptions {
  readonly type: ControlRecordType;
  readonly coordinatorEpoch: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** When the marker is written (CreateTime of its one record). */
  readonly timestampMs: number;
  /** Default 0: the log assigns the offset on append. */
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
}

/**
 * The batch the transaction coordinator has written to each partition at the end of a
 * transaction: transactional + control, uncompressed, one record at offset delta 0, no
 * sequence (markers are not part of the producer's sequence).
 */
export function encodeEndTransactionMarkerBatch(options: EndTransactionMarkerBatchOptions): Buffer {
  assert(options.producerEpoch >= 0 && options.producerEpoch <= INT16_MAX, `bad producerEpoch ${options.producerEpoch}`);
  return encodeRecordBatch({
    records: [
      {
        timestamp: options.timestampMs,
        key: encodeControlRecordKey(options.type),
        value: encodeEndTransactionMarkerValue(options.coordinatorEpoch),
      },
    ],
    baseOffset: options.baseOffset,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
    compression: CompressionType.None,
    timestampType: TimestampType.CreateTime,
    isTransactional: true,
    isControl: true,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: NO_SEQUENCE,
  });
}
