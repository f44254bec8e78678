// Kafka's producer state snapshot file, `<20-digit offset>.snapshot` in the partition directory:
// the producer state as it was once everything below `offset` was applied. Version 1 layout
// (big-endian, ProducerStateManager's PID_SNAPSHOT_MAP_SCHEMA):
//
//   0  version int16 (1)
//   2  crc uint32            CRC-32C of every byte from offset 6 to the end
//   6  entry count int32
//  10  entries, 46 bytes each:
//        producerId int64, epoch int16, lastSequence int32, lastOffset int64, offsetDelta int32,
//        timestamp int64, coordinatorEpoch int32, currentTxnFirstOffset int64
//
// Only the newest batch of each producer is kept (Kafka's format has room for one); a producer
// with no batch is written with lastSequence -1 and lastOffset -1. Reading is strict: a wrong
// version, size or CRC makes the whole file corrupt (the caller then falls back to an older
// snapshot or to the log), never partly trusted.

import { crc32c } from "../protocol/records/crc32c.js";
import type { BatchMetadata, ProducerStateEntry } from "./producer-state.js";

export const PRODUCER_SNAPSHOT_VERSION = 1;
const CRC_POSITION = 2;
const ENTRIES_POSITION = 6;
const HEADER_BYTES = 10;
const ENTRY_BYTES = 46;
const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word of an int64 that is still a safe integer. */
const MAX_SAFE_HIGH_WORD = 0x20_0000;

export class CorruptSnapshotError extends Error {
  override name = "CorruptSnapshotError";
}

function writeInt64(buffer: Buffer, value: number, at: number): void {
  const high = Math.floor(value / TWO_POW_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * TWO_POW_32, at + 4);
}

function readInt64(buffer: Buffer, at: number, field: string): number {
  const high = buffer.readInt32BE(at);
  if (high >= MAX_SAFE_HIGH_WORD || high < -MAX_SAFE_HIGH_WORD) throw new CorruptSnapshotError(`${field} at byte ${at} is beyond 2^53`);
  return high * TWO_POW_32 + buffer.readUInt32BE(at + 4);
}

/** The file's bytes for these entries (in producer id order, so equal states give equal files). */
export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const sorted = [...entries].sort((a, b) => a.producerId - b.producerId);
  const buffer = Buffer.alloc(HEADER_BYTES + sorted.length * ENTRY_BYTES);
  buffer.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, 0);
  buffer.writeInt32BE(sorted.length, ENTRIES_POSITION);
  let at = HEADER_BYTES;
  for (const entry of sorted) {
    const last: BatchMetadata | undefined = entry.batches.length > 0 ? entry.batches[entry.batches.length - 1] : undefined;
    writeInt64(buffer, entry.producerId, at);
    buffer.writeInt16BE(entry.producerEpoch, at + 8);
    buffer.writeInt32BE(last?.lastSequence ?? -1, at + 10);
    writeInt64(buffer, last?.lastOffset ?? -1, at + 14);
    buffer.writeInt32BE(last?.offsetDelta ?? 0, at + 22);
    writeInt64(buffer, entry.lastTimestamp, at + 26);
    buffer.writeInt32BE(entry.coordinatorEpoch, at + 34);
    writeInt64(buffer, entry.currentTxnFirstOffset, at + 38);
    at += ENTRY_BYTES;
  }
  buffer.writeUInt32BE(crc32c(buffer.subarray(ENTRIES_POSITION)), CRC_POSITION);
  return buffer;
}

/** Parses a snapshot file; CorruptSnapshotError when anything about it is wrong. */
export function decodeProducerSnapshot(bytes: Buffer, source: string): ProducerStateEntry[] {
  if (bytes.length < HEADER_BYTES) throw new CorruptSnapshotError(`${source}: ${bytes.length} bytes is shorter than the snapshot header`);
  const version = bytes.readInt16BE(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION) throw new CorruptSnapshotError(`${source}: unknown snapshot version ${version}`);
  const storedCrc = bytes.readUInt32BE(CRC_POSITION);
  const computedCrc = crc32c(bytes.subarray(ENTRIES_POSITION));
  if (storedCrc !== computedCrc) throw new CorruptSnapshotError(`${source}: CRC mismatch (stored ${storedCrc}, computed ${computedCrc})`);
  const count = bytes.readInt32BE(ENTRIES_POSITION);
  if (count < 0 || HEADER_BYTES + count * ENTRY_BYTES !== bytes.length) {
    throw new CorruptSnapshotError(`${source}: ${count} entries do not fill ${bytes.length} bytes`);
  }
  const entries: ProducerStateEntry[] = [];
  for (let index = 0, at = HEADER_BYTES; index < count; index += 1, at += ENTRY_BYTES) {
    const producerId = readInt64(bytes, at, "producer id");
    const producerEpoch = bytes.readInt16BE(at + 8);
    const lastSequence = bytes.readInt32BE(at + 10);
    const lastOffset = readInt64(bytes, at + 14, "last offset");
    const offsetDelta = bytes.readInt32BE(at + 22);
    const timestamp = readInt64(bytes, at + 26, "timestamp");
    const coordinatorEpoch = bytes.readInt32BE(at + 34);
    const currentTxnFirstOffset = readInt64(bytes, at + 38, "transaction first offset");
    if (producerId < 0) throw new CorruptSnapshotError(`${source}: entry ${index} has producer id ${producerId}`);
    if (lastOffset >= 0 && (offsetDelta < 0 || offsetDelta > lastOffset)) {
      throw new CorruptSnapshotError(`${source}: entry ${index} has offset delta ${offsetDelta} for last offset ${lastOffset}`);
    }
    const batches: BatchMetadata[] = lastOffset >= 0 ? [{ lastSequence, lastOffset, offsetDelta, timestamp }] : [];
    entries.push({ producerId, producerEpoch, batches, lastTimestamp: timestamp, coordinatorEpoch, currentTxnFirstOffset: currentTxnFirstOffset >= 0 ? currentTxnFirstOffset : -1 });
  }
  return entries;
}
