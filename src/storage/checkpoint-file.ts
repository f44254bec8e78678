// Kafka's checkpoint text format, shared by recovery-point-offset-checkpoint,
// log-start-offset-checkpoint, replication-offset-checkpoint (entries "topic partition offset")
// and leader-epoch-checkpoint (entries "epoch startOffset"):
//
//   0            <- version
//   2            <- number of entries
//   orders 0 42
//   orders 1 17
//
// Files are replaced atomically (tmp + fsync + rename + directory fsync), so a crash leaves the old
// or the new version, never half of one. Reading is strict: a malformed file is an error the caller
// decides about (Kafka treats it as a log directory failure for the broker-level files).

import type { FileSystem } from "./io/file-system.js";
import { isNotFound, writeFileAtomically } from "./io/file-system.js";

export const CHECKPOINT_VERSION = 0;
/** A checkpoint listing more entries than this is refused as corrupt rather than allocated. */
const MAX_CHECKPOINT_ENTRIES = 10_000_000;

export class MalformedCheckpointError extends Error {
  override name = "MalformedCheckpointError";
}

/** Renders the version line, the count line, then one line per entry (fields joined by a space). */
export function formatCheckpoint(entries: readonly (readonly (string | number)[])[]): Buffer {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length)];
  for (const entry of entries) lines.push(entry.join(" "));
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** Parses a checkpoint whose entries have `fieldCount` space-separated fields. */
export function parseCheckpoint(text: string, fieldCount: number, source: string): string[][] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length < 2) throw new MalformedCheckpointError(`${source}: missing version or count line`);
  if (lines[0].trim() !== String(CHECKPOINT_VERSION)) {
    throw new MalformedCheckpointError(`${source}: unsupported checkpoint version "${lines[0]}"`);
  }
  const count = Number(lines[1].trim());
  if (!Number.isInteger(count) || count < 0 || count > MAX_CHECKPOINT_ENTRIES) {
    throw new MalformedCheckpointError(`${source}: bad entry count "${lines[1]}"`);
  }
  if (lines.length - 2 !== count) {
    throw new MalformedCheckpointError(`${source}: expected ${count} entries, found ${lines.length - 2}`);
  }
  const entries: string[][] = [];
  for (let index = 2; index < lines.length; index += 1) {
    const fields = lines[index].trim().split(/\s+/);
    if (fields.length !== fieldCount) throw new MalformedCheckpointError(`${source}: malformed line "${lines[index]}"`);
    entries.push(fields);
  }
  return entries;
}

function parseOffsetField(text: string, source: string): number {
  if (!/^-?\d+$/.test(text)) throw new MalformedCheckpointError(`${source}: "${text}" is not an integer`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new MalformedCheckpointError(`${source}: ${text} is out of range`);
  return value;
}

export interface PartitionOffsetEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Reads a "topic partition offset" checkpoint; a missing file is empty. */
export async function readOffsetCheckpoint(fs: FileSystem, path: string): Promise<PartitionOffsetEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  return parseCheckpoint(bytes.toString("utf8"), 3, path).map(([topic, partition, offset]) => ({
    topic,
    partition: parseOffsetField(partition, path),
    offset: parseOffsetField(offset, path),
  }));
}

export async function writeOffsetCheckpoint(fs: FileSystem, path: string, entries: readonly PartitionOffsetEntry[]): Promise<void> {
  await writeFileAtomically(fs, path, formatCheckpoint(entries.map((entry) => [entry.topic, entry.partition, entry.offset])));
}

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export function parseEpochCheckpoint(text: string, source: string): EpochEntry[] {
  return parseCheckpoint(text, 2, source).map(([epoch, startOffset]) => ({
    epoch: parseOffsetField(epoch, source),
    startOffset: parseOffsetField(startOffset, source),
  }));
}

export function formatEpochCheckpoint(entries: readonly EpochEntry[]): Buffer {
  return formatCheckpoint(entries.map((entry) => [entry.epoch, entry.startOffset]));
}
