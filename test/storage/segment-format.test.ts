// Pins the on-disk format byte for byte against Kafka's documented layouts (DefaultRecordBatch,
// OffsetIndex, TimeIndex, checkpoint files, partition.metadata): a fixture segment is written
// through PartitionLog and every file compared with bytes written out by hand here.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/lib/clock.js";
import { crc32c } from "../../src/protocol/records/crc32c.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import { asStored, buildBatch } from "./batch-builder.js";
import { createTestLog, readAll, reopenTestLog, smallConfig } from "./helpers.js";

const BASE_TIME = 1_700_000_000_000;
const DIR = "/data/orders-0";

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ""), "hex");
}

/** Four one-record batches of 118 bytes each (50-byte values), timestamps +1s, +3s, +2s, +4s. */
function fixtureBatches(): Buffer[] {
  return [1000, 3000, 2000, 4000].map((delta, index) => buildBatch({ timestamps: [BASE_TIME + delta], valueBytes: 50, fill: 0x61 + index }));
}

test("CRC-32C is the Castagnoli checksum (check value of '123456789')", () => {
  assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
});

test("a fixture segment matches Kafka's .log, .index and .timeindex formats byte for byte", async () => {
  const fs = new MemoryFileSystem();
  const clock = new ManualClock(BASE_TIME + 5000);
  const config = smallConfig({ indexIntervalBytes: 100, segmentIndexBytes: 1024 });
  const log = await createTestLog({ fs, clock, config });
  const batches = fixtureBatches();
  for (const batch of batches) assert.equal(batch.length, 118);
  for (const batch of batches) await log.append(batch, { leaderEpoch: 5, assignOffsets: true });

  // While active, the index files are preallocated to segment.index.bytes (rounded to whole entries).
  assert.equal(fs.peekFile(`${DIR}/00000000000000000000.index`).length, 1024);
  assert.equal(fs.peekFile(`${DIR}/00000000000000000000.timeindex`).length, 1020);
  await log.close();

  const files = fs.listFiles().filter((path) => path.startsWith(DIR));
  assert.deepEqual(files, [
    `${DIR}/00000000000000000000.index`,
    `${DIR}/00000000000000000000.log`,
    `${DIR}/00000000000000000000.timeindex`,
    // The producer state at the log end, written at clean shutdown as Kafka does (empty here).
    `${DIR}/00000000000000000004.snapshot`,
    `${DIR}/leader-epoch-checkpoint`,
    `${DIR}/partition.metadata`,
  ]);
  // Producer snapshot v1: version int16, CRC-32C of the rest, entry count int32 (no producers).
  const emptySnapshot = hex("0001 | 00000000 | 00000000");
  emptySnapshot.writeUInt32BE(crc32c(emptySnapshot.subarray(6)), 2);
  assert.deepEqual(fs.peekFile(`${DIR}/00000000000000000004.snapshot`), emptySnapshot);

  // .log: the batches back to back, base offsets 0..3 and leader epoch 5 set in place.
  const logBytes = fs.peekFile(`${DIR}/00000000000000000000.log`);
  assert.equal(logBytes.length, 4 * 118);
  const firstBatch = hex(
    "0000000000000000 | 0000006a | 00000005 | 02 |" + // baseOffset, batchLength (118 - 12), partitionLeaderEpoch, magic
      "00000000 |" + // crc, checked below
      "0000 | 00000000 |" + // attributes (no compression, CreateTime), lastOffsetDelta
      "0000018bcfe56be8 | 0000018bcfe56be8 |" + // baseTimestamp, maxTimestamp (BASE_TIME + 1000)
      "ffffffffffffffff | ffff | ffffffff | 00000001 |" + // producerId, producerEpoch, baseSequence, recordCount
      "70 00 00 00 01 64" + // record: length 56, attributes, timestampDelta 0, offsetDelta 0, key null (-1), value length 50
      "61".repeat(50) +
      "00", // no headers
  );
  firstBatch.writeUInt32BE(crc32c(firstBatch.subarray(21)), 17);
  assert.deepEqual(logBytes.subarray(0, 118), firstBatch);
  for (let index = 0; index < 4; index += 1) {
    const stored = logBytes.subarray(index * 118, (index + 1) * 118);
    assert.deepEqual(stored, asStored(batches[index], index, 5));
    assert.equal(stored.readUInt32BE(17), crc32c(stored.subarray(21)), "CRC covers attributes through the end");
  }

  // .index: (relative offset, position) for a batch whenever more than index.interval.bytes (100)
  // were written since the last entry: every batch after the first here.
  assert.deepEqual(fs.peekFile(`${DIR}/00000000000000000000.index`), hex("00000001 00000076 | 00000002 000000ec | 00000003 00000162"));

  // .timeindex: (max timestamp so far, its relative offset) next to each offset-index entry when the
  // timestamp grew: (+3s, 1), then (+4s, 3); +2s at offset 2 adds nothing. Trimmed on close.
  assert.deepEqual(fs.peekFile(`${DIR}/00000000000000000000.timeindex`), hex("0000018bcfe573b8 00000001 | 0000018bcfe577a0 00000003"));

  assert.equal(fs.peekFile(`${DIR}/partition.metadata`).toString(), "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n");
  assert.equal(fs.peekFile(`${DIR}/leader-epoch-checkpoint`).toString(), "0\n1\n5 0\n");
});

test("a roll trims the finished segment's indexes and names the new one by its base offset", async () => {
  const fs = new MemoryFileSystem();
  const clock = new ManualClock(BASE_TIME + 5000);
  const log = await createTestLog({ fs, clock, config: smallConfig({ indexIntervalBytes: 100, segmentIndexBytes: 1024 }) });
  for (const batch of fixtureBatches()) await log.append(batch, { leaderEpoch: 5, assignOffsets: true });
  await log.roll();
  assert.equal(fs.peekFile(`${DIR}/00000000000000000000.index`).length, 24);
  assert.equal(fs.peekFile(`${DIR}/00000000000000000000.timeindex`).length, 24);
  assert.equal(fs.peekFile(`${DIR}/00000000000000000004.log`).length, 0);
  assert.equal(fs.peekFile(`${DIR}/00000000000000000004.index`).length, 1024);
});

test("segments written by Kafka 3.x (one index entry per multi-batch append) are read correctly", async () => {
  // Kafka before 3.8 indexed a whole append: (last offset of the append, position of its first batch).
  const fs = new MemoryFileSystem();
  const clock = new ManualClock(BASE_TIME + 5000);
  await fs.mkdirp(DIR);
  // Six one-record batches of 118 bytes at offsets 0, 2, 4, ... (gaps, as compaction leaves them).
  const batches = Array.from({ length: 6 }, (_, index) => asStored(buildBatch({ timestamps: [BASE_TIME + index], valueBytes: 50 }), index * 2, 1));
  await fs.writeFile(`${DIR}/00000000000000000000.log`, Buffer.concat(batches));
  // Written as two appends of three batches: the first got no entry; the second (offsets 6..10)
  // starts at byte 354 and was indexed by its last offset, 10, not by the batch at 354.
  await fs.writeFile(`${DIR}/00000000000000000000.index`, hex("0000000a 00000162"));
  await fs.writeFile(`${DIR}/00000000000000000000.timeindex`, hex("0000018bcfe56805 0000000a"));
  const log = await reopenTestLog({ fs, clock }, { hadCleanShutdown: true });
  assert.equal(log.logEndOffset, 11);
  for (let offset = 0; offset <= 10; offset += 2) {
    const read = await log.read(offset, { maxBytes: 1, maxOffset: 11, minOneBatch: true });
    assert.equal(read.firstOffset, offset);
  }
  assert.equal((await readAll(log)).length, 6);
});
