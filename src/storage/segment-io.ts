// The two ways a segment's .log file is read, as functions of a file handle and byte range:
// scanBatches (every batch in order, for recovery, index rebuilds and lookups) and readBatches
// (a fetch: whole batches from the one holding an offset, up to a byte budget). Both read in large
// chunks and walk headers with one BatchCursor; neither decodes records. What to do about bad
// bytes (log, throw, rebuild an index) is the segment's decision: these only report.

import { RECORD_BATCH_OVERHEAD } from "../protocol/records/batch-header.js";
import { BatchCursor } from "./batch-cursor.js";
import type { FileHandle } from "./io/file-system.js";
import type { OffsetPosition } from "./offset-index.js";

/** Bytes read per step when scanning a segment (recovery, index rebuild, lookups). */
const SCAN_CHUNK_BYTES = 1024 * 1024;
/** Smallest read for a fetch, so a tiny maxBytes with minOneBatch still gets its batch in one read. */
const MIN_FETCH_READ_BYTES = 16 * 1024;
/** Extra bytes read past maxBytes: the scan from an index entry starts up to about one index interval early. */
const READ_SLACK_BYTES = 8192;

/**
 * Where a fetch's read buffers come from. The buffers returned by readBatches are views of them, so
 * whoever allocates owns them: the broker hands out pooled buffers and takes them back once the
 * response holding the views has been sent.
 */
export type ReadBufferAllocator = (sizeBytes: number) => Buffer;

/** The default: a fresh buffer per read, left to the garbage collector. */
export const allocateReadBuffer: ReadBufferAllocator = (sizeBytes) => Buffer.allocUnsafe(sizeBytes);

export type ScanVerdict = "continue" | "stop";

export interface ScanOutcome {
  /** Where scanning ended: after the last batch visited, or at the start of the batch the visitor stopped on. */
  readonly endPosition: number;
  readonly status: "end" | "stopped" | "incomplete" | "corrupt";
  readonly reason: string;
}

/**
 * Visits the batches between two file positions in order, reading in chunks (grown for batches
 * larger than a chunk). The visitor sees the cursor and the batch's file position and may stop.
 */
export async function scanBatches(
  handle: FileHandle,
  fromPosition: number,
  toPosition: number,
  visit: (cursor: BatchCursor, position: number) => ScanVerdict,
): Promise<ScanOutcome> {
  const cursor = new BatchCursor();
  let position = fromPosition;
  let chunkBytes = SCAN_CHUNK_BYTES;
  while (position < toPosition) {
    const length = Math.min(chunkBytes, toPosition - position);
    const chunk = Buffer.allocUnsafe(length);
    const read = await handle.read(chunk, 0, length, position);
    cursor.reset(chunk, 0, read);
    let status = cursor.next();
    while (status === "batch") {
      if (visit(cursor, position + cursor.batchPosition) === "stop") {
        return { endPosition: position + cursor.batchPosition, status: "stopped", reason: "" };
      }
      status = cursor.next();
    }
    const batchStart = position + cursor.batchPosition;
    if (status === "corrupt") return { endPosition: batchStart, status: "corrupt", reason: cursor.corruptReason };
    if (status === "end") {
      if (read < length) return { endPosition: batchStart, status: "incomplete", reason: "log file is shorter than expected" };
      position = batchStart;
      continue;
    }
    // "incomplete": the batch at batchStart does not fit what was read.
    const neededEnd = batchStart + (cursor.sizeBytes > 0 ? cursor.sizeBytes : RECORD_BATCH_OVERHEAD);
    if (neededEnd > toPosition || read < length) {
      return { endPosition: batchStart, status: "incomplete", reason: `batch at byte ${batchStart} runs past the end of the log` };
    }
    if (batchStart === position) chunkBytes = Math.max(chunkBytes * 2, neededEnd - batchStart);
    position = batchStart;
  }
  return { endPosition: position, status: "end", reason: "" };
}

export interface SegmentReadResult {
  /** Whole batches as stored, each a view of the read buffer. */
  readonly batches: Buffer[];
  readonly sizeBytes: number;
  /** Base offset of the first batch, -1 when empty. */
  readonly firstOffset: number;
  /** Last offset of the last batch, -1 when empty. */
  readonly lastOffset: number;
  /** True when batches were found but the first did not fit maxBytes (and minOneBatch was off). */
  readonly firstBatchTooLarge: boolean;
}

export interface ReadRequest {
  readonly segmentBaseOffset: number;
  /** Bytes of the file that may be read (written to the OS). */
  readonly limitBytes: number;
  /** Where the offset index says to start. */
  readonly indexEntry: OffsetPosition;
  readonly startOffset: number;
  readonly maxBytes: number;
  /** Exclusive bound on base offsets served. */
  readonly maxOffset: number;
  readonly minOneBatch: boolean;
  readonly verifyCrc: boolean;
  /** Where the read buffers come from (default allocateReadBuffer). */
  readonly allocate?: ReadBufferAllocator;
}

export type ReadOutcome =
  /** No batch at or after startOffset in this file. */
  | { readonly kind: "none" }
  /** stoppedAt: a bad batch after the first ended the read early (the caller reports it). */
  | { readonly kind: "batches"; readonly result: SegmentReadResult; readonly stoppedAt: { position: number; reason: string } | null }
  /** The first batch to serve (or one before it) is bad. */
  | { readonly kind: "corrupt"; readonly position: number; readonly reason: string }
  /** The index entry does not lead to a batch boundary holding its offset: rebuild the index. */
  | { readonly kind: "bad-index"; readonly reason: string };

async function readChunk(handle: FileHandle, position: number, length: number, allocate: ReadBufferAllocator): Promise<Buffer> {
  const chunk = allocate(Math.max(0, length));
  const read = await handle.read(chunk, 0, chunk.length, position);
  return read === chunk.length ? chunk : chunk.subarray(0, read);
}

/**
 * A fetch from one segment: whole batches starting with the one holding startOffset (or the first
 * after it), up to maxBytes (at least one when minOneBatch), none with a base offset >= maxOffset.
 * One read usually covers it: maxBytes plus slack for the scan from the index entry.
 */
export async function readBatches(handle: FileHandle, request: ReadRequest): Promise<ReadOutcome> {
  const { limitBytes: limit, indexEntry: entry, startOffset, maxBytes, maxOffset, minOneBatch, verifyCrc } = request;
  const allocate = request.allocate ?? allocateReadBuffer;
  const cursor = new BatchCursor();
  const initialBytes = Math.max(MIN_FETCH_READ_BYTES, maxBytes + READ_SLACK_BYTES + (entry.position > 0 ? READ_SLACK_BYTES : 0));
  let filePosition = entry.position;
  cursor.reset(await readChunk(handle, filePosition, Math.min(initialBytes, limit - filePosition), allocate));
  let checkIndexEntry = entry.position > 0;
  // Phase 1: find the first batch whose last offset is >= startOffset.
  for (;;) {
    const status = cursor.next();
    if (status === "batch") {
      if (checkIndexEntry) {
        checkIndexEntry = false;
        if (cursor.baseOffset > entry.offset || cursor.baseOffset < request.segmentBaseOffset) return { kind: "bad-index", reason: "index entry does not point at its batch" };
      }
      if (cursor.lastOffset >= startOffset) break;
      continue;
    }
    if (status === "corrupt") {
      if (checkIndexEntry) return { kind: "bad-index", reason: cursor.corruptReason };
      return { kind: "corrupt", position: filePosition + cursor.batchPosition, reason: cursor.corruptReason };
    }
    const next = filePosition + cursor.batchPosition;
    if (status === "end" && next >= limit) return { kind: "none" };
    const neededBytes = status === "incomplete" && cursor.sizeBytes > 0 ? cursor.sizeBytes : RECORD_BATCH_OVERHEAD;
    if (next + neededBytes > limit) {
      if (checkIndexEntry) return { kind: "bad-index", reason: "index entry points into the middle of a batch" };
      return { kind: "corrupt", position: next, reason: "batch runs past the end of the log" };
    }
    filePosition = next;
    cursor.reset(await readChunk(handle, filePosition, Math.min(Math.max(neededBytes, initialBytes), limit - filePosition), allocate));
  }
  // Phase 2: collect whole batches.
  const batches: Buffer[] = [];
  let sizeBytes = 0;
  let firstOffset = -1;
  let lastOffset = -1;
  let stoppedAt: { position: number; reason: string } | null = null;
  for (;;) {
    if (cursor.baseOffset >= maxOffset) break;
    if (sizeBytes + cursor.sizeBytes > maxBytes && !(batches.length === 0 && minOneBatch)) {
      if (batches.length === 0) return { kind: "batches", result: { batches, sizeBytes: 0, firstOffset: -1, lastOffset: -1, firstBatchTooLarge: true }, stoppedAt: null };
      break;
    }
    if (batches.length > 0 && cursor.baseOffset <= lastOffset) {
      stoppedAt = { position: filePosition + cursor.batchPosition, reason: `base offset ${cursor.baseOffset} does not follow ${lastOffset}` };
      break;
    }
    if (verifyCrc && !cursor.isCrcValid()) {
      if (batches.length === 0) return { kind: "corrupt", position: filePosition + cursor.batchPosition, reason: "CRC mismatch" };
      stoppedAt = { position: filePosition + cursor.batchPosition, reason: "CRC mismatch" };
      break;
    }
    batches.push(cursor.batchBytes());
    sizeBytes += cursor.sizeBytes;
    if (firstOffset < 0) firstOffset = cursor.baseOffset;
    lastOffset = cursor.lastOffset;
    const status = cursor.next();
    if (status === "batch") continue;
    if (status === "corrupt") {
      stoppedAt = { position: filePosition + cursor.batchPosition, reason: cursor.corruptReason };
      break;
    }
    // The chunk ran out: read on while there is room and data.
    const next = filePosition + cursor.batchPosition;
    const room = maxBytes - sizeBytes;
    if (next >= limit || room < RECORD_BATCH_OVERHEAD) break;
    const claimed = status === "incomplete" ? cursor.sizeBytes : 0;
    if (claimed > room) break;
    filePosition = next;
    cursor.reset(await readChunk(handle, filePosition, Math.min(Math.max(room, claimed), limit - filePosition), allocate));
    if (cursor.next() !== "batch") break;
  }
  return { kind: "batches", result: { batches, sizeBytes, firstOffset, lastOffset, firstBatchTooLarge: false }, stoppedAt };
}
