// Producer state of idempotent producers (Kafka's ProducerStateManager rules): duplicates of the
// last five batches answered with their original offsets and never appended twice, gaps and old
// epochs refused, new epochs starting at 0, sequences wrapping at Int32.MAX, failed writes undone,
// and the state rebuilt after clean and unclean restarts (snapshot + log), truncation, retention
// and expiry. Also pins the .snapshot file format byte for byte.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ManualClock } from "../../src/lib/clock.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { crc32c } from "../../src/protocol/records/crc32c.js";
import { InvalidProducerEpochError, OutOfOrderSequenceError, StorageError } from "../../src/storage/errors.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import type { AppendResult, PartitionLog } from "../../src/storage/partition-log.js";
import { decodeProducerSnapshot, encodeProducerSnapshot, CorruptSnapshotError } from "../../src/storage/producer-snapshot-file.js";
import { appendBatch, decrementSequence, findDuplicateBatch, incrementSequence, type ProducerBatch, type ProducerStateEntry } from "../../src/storage/producer-state.js";
import { LogManager } from "../../src/storage/log-manager.js";
import { baseOffsetOf, buildBatch } from "./batch-builder.js";
import { collectingLogger, createTestLog, PARTITION_DIR, readAll, reopenTestLog, smallConfig, type LogFixture } from "./helpers.js";

const NOW = 1_700_000_000_000;
const INT32_MAX = 0x7fff_ffff;
const PRODUCER = 4000;
const LEADER = { leaderEpoch: 0, assignOffsets: true } as const;

interface Send {
  readonly producerId?: number;
  readonly epoch?: number;
  readonly sequence: number;
  readonly records?: number;
  readonly timestamp?: number;
}

function idempotentBatch(send: Send): Buffer {
  const records = send.records ?? 1;
  return buildBatch({
    producerId: send.producerId ?? PRODUCER,
    producerEpoch: send.epoch ?? 0,
    baseSequence: send.sequence,
    timestamps: Array.from({ length: records }, () => send.timestamp ?? NOW),
    valueBytes: 20,
  });
}

function append(log: PartitionLog, send: Send): Promise<AppendResult> {
  return log.append(idempotentBatch(send), LEADER);
}

function fixture(config = smallConfig({ segmentBytes: 1 << 20 })): LogFixture & { fs: MemoryFileSystem; clock: ManualClock } {
  return { fs: new MemoryFileSystem({ trackDurability: true }), clock: new ManualClock(NOW), config };
}

function snapshotFiles(fs: MemoryFileSystem): string[] {
  return fs
    .listFiles()
    .filter((path) => path.startsWith(PARTITION_DIR) && path.endsWith(".snapshot"))
    .map((path) => path.slice(PARTITION_DIR.length + 1));
}

function isOutOfOrder(error: unknown): boolean {
  assert.ok(error instanceof OutOfOrderSequenceError, String(error));
  assert.equal(error.kafkaErrorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  return true;
}

function isInvalidEpoch(error: unknown): boolean {
  assert.ok(error instanceof InvalidProducerEpochError, String(error));
  assert.equal(error.kafkaErrorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  return true;
}

/** Appends batches of `records` records with consecutive sequences; returns their first offsets. */
async function sendInSequence(log: PartitionLog, count: number, records = 2, from = 0, epoch = 0): Promise<number[]> {
  const offsets: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const result = await append(log, { sequence: from + index * records, records, epoch });
    assert.equal(result.duplicate, false);
    offsets.push(result.firstOffset);
  }
  return offsets;
}

describe("sequence rules (pure)", () => {
  const batch = (firstSequence: number, lastSequence: number, firstOffset: number, epoch = 0): ProducerBatch => ({
    producerId: 1,
    producerEpoch: epoch,
    firstSequence,
    lastSequence,
    firstOffset,
    lastOffset: firstOffset + (lastSequence >= firstSequence ? lastSequence - firstSequence : lastSequence + INT32_MAX - firstSequence + 1),
    timestamp: NOW,
  });

  test("sequences wrap from Int32.MAX to 0 both ways", () => {
    assert.equal(incrementSequence(INT32_MAX, 1), 0);
    assert.equal(incrementSequence(INT32_MAX - 1, 3), 1);
    assert.equal(incrementSequence(5, 3), 8);
    assert.equal(decrementSequence(1, 3), INT32_MAX - 1);
    assert.equal(decrementSequence(8, 3), 5);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: 0, max: 1_000_000 }), (sequence, delta) => {
        assert.equal(decrementSequence(incrementSequence(sequence, delta), delta), sequence);
      }),
    );
  });

  test("an unknown producer may start anywhere; then it must continue at last + 1", () => {
    const first = appendBatch(undefined, undefined, batch(42, 43, 0), "client", "t-0");
    assert.equal(first.batches.length, 1);
    assert.throws(() => appendBatch(first, first, batch(45, 45, 2), "client", "t-0"), isOutOfOrder);
    assert.throws(() => appendBatch(first, first, batch(43, 43, 2), "client", "t-0"), isOutOfOrder);
    const second = appendBatch(first, first, batch(44, 44, 2), "client", "t-0");
    assert.equal(second.batches.length, 2);
    assert.equal(first.batches.length, 1, "entries are immutable");
  });

  test("only the last five batches are retained for duplicate detection", () => {
    let entry: ProducerStateEntry | undefined;
    for (let index = 0; index < 7; index += 1) entry = appendBatch(entry, entry, batch(index, index, index), "client", "t-0");
    assert.equal(entry?.batches.length, 5);
    assert.equal(findDuplicateBatch(entry, { producerEpoch: 0, firstSequence: 1, lastSequence: 1 }), undefined);
    assert.equal(findDuplicateBatch(entry, { producerEpoch: 0, firstSequence: 2, lastSequence: 2 })?.lastOffset, 2);
    assert.equal(findDuplicateBatch(entry, { producerEpoch: 1, firstSequence: 6, lastSequence: 6 }), undefined, "another epoch is never a duplicate");
    assert.equal(findDuplicateBatch(entry, { producerEpoch: 0, firstSequence: 5, lastSequence: 6 }), undefined, "the range must match exactly");
  });

  test("replication and coordinator appends skip the sequence check; replication also the epoch check", () => {
    const entry = appendBatch(undefined, undefined, batch(0, 0, 0, 3), "client", "t-0");
    assert.equal(appendBatch(entry, entry, batch(7, 7, 1, 3), "replication", "t-0").batches.length, 2);
    assert.equal(appendBatch(entry, entry, batch(7, 7, 1, 3), "coordinator", "t-0").batches.length, 2);
    assert.throws(() => appendBatch(entry, entry, batch(1, 1, 1, 2), "coordinator", "t-0"), isInvalidEpoch);
    const replicated = appendBatch(entry, entry, batch(1, 1, 1, 2), "replication", "t-0");
    assert.equal(replicated.producerEpoch, 2, "a replica takes what the leader wrote");
  });
});

describe("idempotent appends", () => {
  test("a resent batch among the last five is answered with its original offsets and not appended again", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    const offsets = await sendInSequence(log, 6, 3);
    assert.deepEqual(offsets, [0, 3, 6, 9, 12, 15]);
    const end = log.logEndOffset;
    for (let index = 1; index < 6; index += 1) {
      const again = await append(log, { sequence: index * 3, records: 3 });
      assert.equal(again.duplicate, true);
      assert.equal(again.firstOffset, offsets[index]);
      assert.equal(again.lastOffset, offsets[index] + 2);
      assert.equal(again.logAppendTimeMs, NOW, "Kafka answers a duplicate with the batch's stored max timestamp");
      assert.equal(log.logEndOffset, end);
    }
    // The sixth-newest batch has left the cache: its sequence is now simply out of order.
    await assert.rejects(append(log, { sequence: 0, records: 3 }), isOutOfOrder);
    assert.equal((await readAll(log)).length, 6);
  });

  test("a gap, an overlap and a stale sequence are OUT_OF_ORDER_SEQUENCE_NUMBER; nothing is appended", async () => {
    const log = await createTestLog(fixture());
    await sendInSequence(log, 2, 2);
    await assert.rejects(append(log, { sequence: 5 }), isOutOfOrder);
    await assert.rejects(append(log, { sequence: 3, records: 2 }), isOutOfOrder);
    await assert.rejects(append(log, { sequence: 2, records: 1 }), isOutOfOrder, "same first sequence, different range: not a duplicate");
    assert.equal(log.logEndOffset, 4);
    assert.equal((await append(log, { sequence: 4 })).firstOffset, 4);
  });

  test("epochs: an older one is fenced, a newer one starts at sequence 0 and forgets the old batches", async () => {
    const log = await createTestLog(fixture());
    await sendInSequence(log, 3, 1, 0, 5);
    await assert.rejects(append(log, { epoch: 4, sequence: 3 }), isInvalidEpoch);
    await assert.rejects(append(log, { epoch: 6, sequence: 3 }), isOutOfOrder);
    const bumped = await append(log, { epoch: 6, sequence: 0 });
    assert.equal(bumped.firstOffset, 3);
    // The old epoch's batches are no duplicates any more: that producer is fenced.
    await assert.rejects(append(log, { epoch: 5, sequence: 2 }), isInvalidEpoch);
    assert.equal((await append(log, { epoch: 6, sequence: 0 })).duplicate, true);
    assert.equal(log.activeProducers().get(PRODUCER)?.producerEpoch, 6);
  });

  test("an unknown producer id is accepted at any sequence (KIP-360: no UNKNOWN_PRODUCER_ID)", async () => {
    const log = await createTestLog(fixture());
    assert.equal((await append(log, { producerId: 77, sequence: 1234 })).firstOffset, 0);
    assert.equal((await append(log, { producerId: 77, sequence: 1235 })).firstOffset, 1);
    assert.equal(log.activeProducers().size, 1);
  });

  test("sequences wrap at Int32.MAX", async () => {
    const log = await createTestLog(fixture());
    await append(log, { sequence: INT32_MAX - 4, records: 2 });
    const wrapping = await append(log, { sequence: INT32_MAX - 2, records: 5 });
    assert.equal(wrapping.lastOffset, 6);
    assert.equal(log.activeProducers().get(PRODUCER)?.batches.at(-1)?.lastSequence, 1);
    assert.equal((await append(log, { sequence: INT32_MAX - 2, records: 5 })).duplicate, true);
    await assert.rejects(append(log, { sequence: 0 }), isOutOfOrder);
    assert.equal((await append(log, { sequence: 2 })).firstOffset, 7);
  });

  test("producers are independent, and batches without a producer id never touch the state", async () => {
    const log = await createTestLog(fixture());
    await append(log, { producerId: 1, sequence: 0 });
    await append(log, { producerId: 2, sequence: 0 });
    await log.append(buildBatch({ timestamps: [NOW] }), LEADER);
    await log.append(buildBatch({ timestamps: [NOW] }), LEADER);
    assert.equal((await append(log, { producerId: 1, sequence: 1 })).firstOffset, 4);
    assert.equal((await append(log, { producerId: 2, sequence: 0 })).firstOffset, 1);
    assert.deepEqual([...log.activeProducers().keys()].sort(), [1, 2]);
  });

  test("pipelined appends are checked against each other; a resend of a batch still being written waits and gets its offsets", async () => {
    const log = await createTestLog({ ...fixture(), fs: new MemoryFileSystem({ trackDurability: true, completion: "macrotask" }) });
    const inFlight = [0, 2, 4, 6].map((sequence) => append(log, { sequence, records: 2 }));
    const resent = append(log, { sequence: 2, records: 2 });
    const gap = assert.rejects(append(log, { sequence: 9 }), isOutOfOrder);
    const results = await Promise.all(inFlight);
    assert.deepEqual(
      results.map((result) => result.firstOffset),
      [0, 2, 4, 6],
    );
    const duplicate = await resent;
    assert.equal(duplicate.duplicate, true);
    assert.equal(duplicate.firstOffset, 2);
    await gap;
    assert.equal(log.logEndOffset, 8);
    assert.equal((await readAll(log)).length, 4);
  });

  test("a failed write undoes its producer state: the retry is appended, not taken for a duplicate", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    await sendInSequence(log, 2, 1);
    f.fs.setCapacityBytes(f.fs.usedDataBytes + 30);
    const failed = await Promise.allSettled([append(log, { sequence: 2 }), append(log, { sequence: 3 })]);
    for (const outcome of failed) {
      assert.equal(outcome.status, "rejected");
      if (outcome.status === "rejected") assert.ok(outcome.reason instanceof StorageError && outcome.reason.code === "ENOSPC", String(outcome.reason));
    }
    assert.equal(log.activeProducers().get(PRODUCER)?.batches.at(-1)?.lastSequence, 1, "state is back where the log is");
    f.fs.setCapacityBytes(null);
    const retried = await append(log, { sequence: 2 });
    assert.equal(retried.duplicate, false);
    assert.equal(retried.firstOffset, 2);
    assert.equal((await append(log, { sequence: 3 })).firstOffset, 3);
  });

  test("a resend waiting for its original whose write then fails is appended for real, at the same offset", async () => {
    const fs = new MemoryFileSystem({ trackDurability: true, completion: "macrotask" });
    const log = await createTestLog({ ...fixture(), fs });
    fs.injectFault({ code: "ENOSPC", operations: ["write"], pathPrefix: `${PARTITION_DIR}/00000000000000000000.log`, count: 1 });
    const original = assert.rejects(append(log, { sequence: 0, records: 2 }), (error: unknown) => error instanceof StorageError && error.code === "ENOSPC");
    const resent = await append(log, { sequence: 0, records: 2 });
    await original;
    assert.equal(resent.duplicate, false);
    assert.equal(resent.firstOffset, 0);
    assert.equal(log.logEndOffset, 2);
    assert.equal((await readAll(log)).length, 1);
  });

  test("LogAppendTime topics keep the broker time in the state and answer duplicates with it", async () => {
    const f = fixture(smallConfig({ messageTimestampType: "LogAppendTime" }));
    const log = await createTestLog(f);
    const first = await append(log, { sequence: 0, timestamp: NOW - 5000 });
    assert.equal(first.logAppendTimeMs, NOW);
    f.clock.advance(1000);
    const again = await append(log, { sequence: 0, timestamp: NOW - 5000 });
    assert.equal(again.duplicate, true);
    assert.equal(again.logAppendTimeMs, NOW);
  });

  test("replicated appends keep the leader's state without sequence checks", async () => {
    const log = await createTestLog(fixture());
    const batch = buildBatch({ baseOffset: 0, producerId: 9, producerEpoch: 1, baseSequence: 100, timestamps: [NOW, NOW], partitionLeaderEpoch: 0 });
    await log.append(batch, { leaderEpoch: 0, assignOffsets: false });
    const entry = log.activeProducers().get(9);
    assert.equal(entry?.batches[0].lastSequence, 101);
    assert.equal(entry?.batches[0].lastOffset, 1);
  });
});

describe("producer state snapshots and recovery", () => {
  test("the .snapshot format: version 1, CRC-32C of the rest, 46-byte entries", () => {
    const entry: ProducerStateEntry = {
      producerId: 0x1_0000_0002,
      producerEpoch: 3,
      batches: [
        { lastSequence: 4, lastOffset: 10, offsetDelta: 1, timestamp: NOW - 1 },
        { lastSequence: 9, lastOffset: 20, offsetDelta: 4, timestamp: NOW },
      ],
      lastTimestamp: NOW,
      coordinatorEpoch: -1,
      currentTxnFirstOffset: -1,
    };
    const bytes = encodeProducerSnapshot([entry]);
    const expected = Buffer.from(
      (
        "0001 00000000 00000001" + // version, crc (below), entry count
        "0000000100000002 0003 00000009 0000000000000014 00000004" + // producer id, epoch, last sequence, last offset 20, offset delta
        "0000018bcfe56800 ffffffff ffffffffffffffff" // timestamp (NOW), coordinator epoch -1, no open transaction
      ).replace(/\s/g, ""),
      "hex",
    );
    expected.writeUInt32BE(crc32c(expected.subarray(6)), 2);
    assert.deepEqual(bytes, expected);
    const decoded = decodeProducerSnapshot(bytes, "test");
    assert.deepEqual(decoded, [{ ...entry, batches: [entry.batches[1]] }], "only the newest batch is kept, as in Kafka's format");
    const flipped = Buffer.from(bytes);
    flipped[20] ^= 1;
    assert.throws(() => decodeProducerSnapshot(flipped, "test"), CorruptSnapshotError);
    assert.throws(() => decodeProducerSnapshot(bytes.subarray(0, 30), "test"), CorruptSnapshotError);
    const badVersion = Buffer.from(bytes);
    badVersion.writeInt16BE(2, 0);
    assert.throws(() => decodeProducerSnapshot(badVersion, "test"), CorruptSnapshotError);
  });

  test("clean shutdown writes a snapshot at the log end; the restart reads no log and still recognises the last batch", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    await sendInSequence(log, 4, 2);
    await log.close();
    assert.deepEqual(snapshotFiles(f.fs), ["00000000000000000008.snapshot"]);
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ ...f, env: { logger } }, { hadCleanShutdown: true });
    assert.equal(reopened.activeProducers().size, 0, "not loaded before it is needed");
    const resent = await append(reopened, { sequence: 6, records: 2 });
    assert.equal(resent.duplicate, true);
    assert.equal(resent.firstOffset, 6);
    assert.ok(!lines.some((line) => line.message === "loaded producer state"), "the snapshot was at the log end: nothing replayed");
    // A snapshot keeps only each producer's newest batch (Kafka's format), so older retries are out of order now.
    await assert.rejects(append(reopened, { sequence: 4, records: 2 }), isOutOfOrder);
    assert.equal((await append(reopened, { sequence: 8 })).firstOffset, 8);
  });

  test("after kill -9 the state is the last roll's snapshot plus the log replayed after it: all five retries recognised", async () => {
    const f = fixture(smallConfig({ segmentBytes: 700 }));
    const log = await createTestLog(f);
    const offsets = await sendInSequence(log, 12, 1);
    assert.ok(log.segmentCount >= 2, "some rolls happened");
    await log.producerSnapshotsSettled();
    const crashed = f.fs.crash({ mode: "process" });
    assert.ok(snapshotFiles(crashed).length >= 1, "rolls wrote snapshots");
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ fs: crashed, clock: f.clock, config: f.config, env: { logger } }, { hadCleanShutdown: false });
    assert.ok(!lines.some((line) => line.message === "loaded producer state"), "loaded lazily, at the first append");
    for (let sequence = 7; sequence < 12; sequence += 1) {
      const again = await append(reopened, { sequence });
      assert.equal(again.duplicate, true, `sequence ${sequence}`);
      assert.equal(again.firstOffset, offsets[sequence]);
    }
    const loaded = lines.find((line) => line.message === "loaded producer state");
    assert.ok(loaded !== undefined, JSON.stringify(lines));
    assert.ok(Number(loaded.fields?.snapshotOffset) > 0, "replayed from a roll's snapshot, not from the log start");
    assert.equal((await append(reopened, { sequence: 12 })).firstOffset, 12);
    assert.equal((await readAll(reopened)).length, 13);
  });

  test("with no snapshot at all an unclean restart replays the whole log", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    await sendInSequence(log, 3, 2);
    assert.deepEqual(snapshotFiles(f.fs), []);
    const reopened = await reopenTestLog({ fs: f.fs.crash({ mode: "process" }), clock: f.clock, config: f.config }, { hadCleanShutdown: false });
    assert.equal((await append(reopened, { sequence: 0, records: 2 })).duplicate, true);
    assert.equal((await append(reopened, { sequence: 6 })).firstOffset, 6);
  });

  test("a snapshot beyond the log end is never trusted: deleted, and the state rebuilt from the log", async () => {
    const f = fixture();
    const log = await createTestLog(f);
    await sendInSequence(log, 3, 1);
    // State claiming sequence 50 at offset 99, as if written for batches a crash took away.
    const bogus: ProducerStateEntry = {
      producerId: PRODUCER,
      producerEpoch: 0,
      batches: [{ lastSequence: 50, lastOffset: 99, offsetDelta: 0, timestamp: NOW }],
      lastTimestamp: NOW,
      coordinatorEpoch: -1,
      currentTxnFirstOffset: -1,
    };
    const crashed = f.fs.crash({ mode: "process" });
    await crashed.writeFile(`${PARTITION_DIR}/00000000000000000100.snapshot`, encodeProducerSnapshot([bogus]));
    const reopened = await reopenTestLog({ fs: crashed, clock: f.clock, config: f.config }, { hadCleanShutdown: false });
    assert.ok(!snapshotFiles(crashed).includes("00000000000000000100.snapshot"));
    assert.equal((await append(reopened, { sequence: 3 })).firstOffset, 3);
  });

  test("a corrupt snapshot is reported and skipped: an older one or the log takes its place", async () => {
    const f = fixture(smallConfig({ segmentBytes: 500 }));
    const log = await createTestLog(f);
    await sendInSequence(log, 10, 1);
    await log.close();
    const files = snapshotFiles(f.fs);
    assert.ok(files.length >= 2, JSON.stringify(files));
    f.fs.flipBit(`${PARTITION_DIR}/${files.at(-1)}`, 12);
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ ...f, env: { logger } }, { hadCleanShutdown: true });
    for (let sequence = 5; sequence < 10; sequence += 1) assert.equal((await append(reopened, { sequence })).duplicate, true);
    assert.ok(lines.some((line) => line.level === "warn" && line.message.includes("snapshot unusable") && String(line.fields?.reason).includes("CRC")));
    assert.equal((await append(reopened, { sequence: 10 })).firstOffset, 10);
  });

  test("a log from before producer state (clean stop, no snapshot) is not scanned; empty snapshots mark it", async () => {
    const f = fixture(smallConfig({ segmentBytes: 500 }));
    const log = await createTestLog(f);
    await sendInSequence(log, 10, 1);
    await log.close();
    for (const file of snapshotFiles(f.fs)) await f.fs.unlink(`${PARTITION_DIR}/${file}`);
    const { logger, lines } = collectingLogger();
    const reopened = await reopenTestLog({ ...f, env: { logger } }, { hadCleanShutdown: true });
    assert.equal((await append(reopened, { sequence: 1000 })).firstOffset, 10, "unknown producer: any sequence");
    assert.ok(!lines.some((line) => line.message === "loaded producer state"), "nothing replayed");
    assert.ok(snapshotFiles(f.fs).includes("00000000000000000010.snapshot"));
  });

  test("truncation rebuilds the state below the new end from the snapshot below it", async () => {
    const f = fixture(smallConfig({ segmentBytes: 500 }));
    const log = await createTestLog(f);
    await sendInSequence(log, 12, 1);
    await log.producerSnapshotsSettled();
    const bases = log.segmentBaseOffsets;
    assert.ok(bases.length >= 3);
    const target = bases[1] + 1;
    assert.ok(await log.truncateTo(target));
    assert.equal(log.logEndOffset, target);
    assert.ok(log.producerSnapshotOffsets.every((offset) => offset <= target), JSON.stringify(log.producerSnapshotOffsets));
    assert.ok(snapshotFiles(f.fs).every((file) => Number(file.slice(0, 20)) <= target));
    assert.equal(log.activeProducers().get(PRODUCER)?.batches.at(-1)?.lastSequence, target - 1);
    await assert.rejects(append(log, { sequence: 12 }), isOutOfOrder);
    assert.equal((await append(log, { sequence: target })).firstOffset, target);
    // The truncated batches are no longer recognised as written.
    assert.equal((await append(log, { sequence: target - 1 })).duplicate, true);
  });

  test("truncating fully forgets every producer and every snapshot", async () => {
    const f = fixture(smallConfig({ segmentBytes: 500 }));
    const log = await createTestLog(f);
    await sendInSequence(log, 10, 1);
    await log.truncateFullyAndStartAt(50);
    await log.producerSnapshotsSettled();
    assert.equal(log.activeProducers().size, 0);
    assert.deepEqual(snapshotFiles(f.fs), []);
    assert.equal((await append(log, { sequence: 77 })).firstOffset, 50);
  });

  test("retention deletes the snapshots below the first remaining segment", async () => {
    const f = fixture(smallConfig({ segmentBytes: 500, retentionMs: 60_000 }));
    const log = await createTestLog(f);
    await sendInSequence(log, 10, 1);
    f.clock.advance(10_000);
    await log.roll();
    await log.producerSnapshotsSettled();
    const before = snapshotFiles(f.fs);
    assert.ok(before.length >= 2);
    log.updateHighWatermark(log.logEndOffset);
    f.clock.advance(120_000);
    assert.ok((await log.deleteOldSegments()) > 0);
    const first = log.segmentBaseOffsets[0];
    assert.ok(snapshotFiles(f.fs).every((file) => Number(file.slice(0, 20)) >= first), JSON.stringify(snapshotFiles(f.fs)));
    assert.ok(snapshotFiles(f.fs).length >= 1);
    // The state itself outlives its segments (until expiry), as in Kafka.
    assert.equal((await append(log, { sequence: 9 })).duplicate, true);
  });

  test("producers idle for producer.id.expiration.ms are forgotten, in memory and when a snapshot is loaded", async () => {
    const f = fixture();
    let expirationMs = 60_000;
    const env = { producerIdExpirationMs: () => expirationMs };
    const log = await createTestLog({ ...f, env });
    await append(log, { producerId: 1, sequence: 0 });
    f.clock.advance(30_000);
    await append(log, { producerId: 2, sequence: 0, timestamp: NOW + 30_000 });
    f.clock.advance(40_000);
    assert.equal(await log.removeExpiredProducers(), 1);
    assert.deepEqual([...log.activeProducers().keys()], [2]);
    // Forgotten: producer 1 may start anywhere again.
    assert.equal((await append(log, { producerId: 1, sequence: 500, timestamp: NOW + 70_000 })).duplicate, false);
    await log.close();
    expirationMs = 1000;
    f.clock.advance(1000);
    const reopened = await reopenTestLog({ ...f, env }, { hadCleanShutdown: true });
    // Producer 2 was in the snapshot; loaded now it has expired, so any sequence goes.
    assert.equal((await append(reopened, { producerId: 2, sequence: 900, timestamp: NOW + 71_000 })).duplicate, false);
    assert.deepEqual([...reopened.activeProducers().keys()], [2]);
  });

  test("LogManager runs the expiry in the background every producer.id.expiration.check.interval", async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(NOW);
    const manager = await LogManager.open({ fs, clock, logDirs: ["/d1"], defaultConfig: smallConfig(), producerIdExpirationMs: () => 5000 });
    const log = await manager.createLog("orders", 0, "AAAAAAAAAAAAAAAAAAAAAQ", smallConfig());
    await append(log, { sequence: 0 });
    manager.startBackgroundTasks({ retentionCheckIntervalMs: 1e9, flushSchedulerIntervalMs: 1e9, checkpointIntervalMs: 1e9, producerIdExpirationCheckIntervalMs: 10_000 });
    clock.advance(10_000);
    for (let turn = 0; turn < 20 && log.activeProducers().size > 0; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(log.activeProducers().size, 0);
    await manager.close();
  });
});

describe("exactly once under retries (property)", () => {
  test("whatever mix of resends, duplicates never land twice and every sequence lands once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.constantFrom("next", "resend", "restart"), back: fc.integer({ min: 0, max: 7 }), records: fc.integer({ min: 1, max: 3 }) }), { maxLength: 40 }),
        async (steps) => {
          const f = fixture(smallConfig({ segmentBytes: 600 }));
          let log = await createTestLog(f);
          let fs = f.fs;
          const sent: { sequence: number; records: number; offset: number }[] = [];
          let nextSequence = 0;
          let restarted = false;
          for (const step of steps) {
            if (step.kind === "restart") {
              await log.producerSnapshotsSettled();
              fs = fs.crash({ mode: "process" });
              log = await reopenTestLog({ fs, clock: f.clock, config: f.config }, { hadCleanShutdown: false });
              restarted = true;
              continue;
            }
            if (step.kind === "resend" && sent.length > 0) {
              const index = Math.max(0, sent.length - 1 - step.back);
              const target = sent[index];
              const age = sent.length - index;
              try {
                // Never appended twice: either recognised with its original offsets, or refused.
                const result = await append(log, { sequence: target.sequence, records: target.records });
                assert.equal(result.duplicate, true);
                assert.equal(result.firstOffset, target.offset);
              } catch (error) {
                isOutOfOrder(error);
                assert.ok(age > 1, "the newest batch is always recognised");
                // Without restarts all of the last five are cached (a snapshot keeps only the newest).
                assert.ok(restarted || age > 5, `batch ${age} from the end was not recognised`);
              }
              continue;
            }
            const result = await append(log, { sequence: nextSequence, records: step.records });
            assert.equal(result.duplicate, false);
            sent.push({ sequence: nextSequence, records: step.records, offset: result.firstOffset });
            nextSequence += step.records;
          }
          const stored = await readAll(log);
          assert.equal(stored.length, sent.length);
          stored.forEach((batch, index) => {
            assert.equal(baseOffsetOf(batch), sent[index].offset);
            assert.equal(batch.readInt32BE(53), sent[index].sequence);
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});
