// Damaged files under a real broker process (`tributary start`, data on disk), each case on its own
// broker: a flipped bit in the unflushed tail of a .log (cut back, with a warn line naming the
// partition), a flipped bit in a flushed segment (reported with CORRUPT_MESSAGE, never served), a
// truncated .index, a garbage .timeindex, missing and corrupt checkpoint files, a partially
// deleted partition directory, and a partition whose files cannot be opened at all. In every case
// the broker starts, the undamaged partition serves every acknowledged record, and the damaged
// one either serves what is intact (in order, no duplicates) and takes new appends, or answers
// KAFKA_STORAGE_ERROR. test/storage covers the same damage at the storage level.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { BrokerChild } from "./broker-child.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ErrorCode, errorName } from "../../src/protocol/error-codes.js";
import { createTopics, offsetForTimestamp, produceValues, readPartition, ProduceError } from "./data-tools.js";

const VICTIM = "victim";
const BYSTANDER = "bystander";
const BATCHES = 40;
const RECORDS_PER_BATCH = 5;

interface Prepared {
  readonly broker: BrokerChild;
  readonly dataDir: string;
  /** Values acknowledged per topic, in offset order. */
  readonly acked: Map<string, string[]>;
  /** Timestamp just before the second half of the victim's batches were produced. */
  readonly midTimestamp: number;
}

function value(topic: string, index: number): string {
  return `${topic}-${String(index).padStart(6, "0")}-${"x".repeat(60)}`;
}

/** A broker with two topics of acknowledged data; the victim has several small segments and dense indexes. */
async function prepare(): Promise<Prepared> {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-corrupt-"));
  const broker = new BrokerChild({ dataDir });
  await broker.start();
  await createTopics(broker.port, [
    { name: VICTIM, configs: { "segment.bytes": "8192", "index.interval.bytes": "256" } },
    { name: BYSTANDER },
  ]);
  const acked = new Map<string, string[]>([
    [VICTIM, []],
    [BYSTANDER, []],
  ]);
  const client = await KafkaConnection.connect("127.0.0.1", broker.port);
  let midTimestamp = 0;
  try {
    for (let batch = 0; batch < BATCHES; batch++) {
      if (batch === BATCHES / 2) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        midTimestamp = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      for (const topic of [VICTIM, BYSTANDER]) {
        const values = Array.from({ length: RECORDS_PER_BATCH }, (_, index) => value(topic, batch * RECORDS_PER_BATCH + index));
        const baseOffset = await produceValues(client, topic, 0, values);
        assert.equal(baseOffset, acked.get(topic)!.length);
        acked.get(topic)!.push(...values);
      }
    }
  } finally {
    await client.close();
  }
  return { broker, dataDir, acked, midTimestamp };
}

function partitionDir(prepared: Prepared, topic: string): string {
  return join(prepared.dataDir, `${topic}-0`);
}

function segmentFiles(prepared: Prepared, topic: string, extension: string): string[] {
  const dir = partitionDir(prepared, topic);
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => join(dir, name));
}

function flipBit(path: string, position: number): void {
  const bytes = readFileSync(path);
  bytes[position] ^= 0x04;
  writeFileSync(path, bytes);
}

/** The undamaged partition must hold every acknowledged record, exactly. */
async function assertIntact(prepared: Prepared, topic: string): Promise<void> {
  const contents = await readPartition(prepared.broker.port, topic);
  assert.equal(contents.errorCode, ErrorCode.NONE, `${topic}: ${errorName(contents.errorCode)}`);
  assert.deepEqual(
    contents.records.map((record) => record.value),
    prepared.acked.get(topic),
    `${topic} must serve every acknowledged record`,
  );
  contents.records.forEach((record, index) => assert.equal(record.offset, index));
}

/** What the damaged partition serves must be acknowledged records, in order, each once. */
function assertOrderedSubset(prepared: Prepared, topic: string, records: readonly { offset: number; value: string }[]): void {
  const acked = prepared.acked.get(topic)!;
  let previous = -1;
  for (const record of records) {
    const index = acked.indexOf(record.value);
    assert.ok(index >= 0, `${topic} serves a record that was never acknowledged: ${record.value}`);
    assert.ok(index > previous, `${topic} serves ${record.value} out of order or twice`);
    previous = index;
  }
}

async function canAppend(prepared: Prepared, topic: string): Promise<number | ProduceError> {
  const client = await KafkaConnection.connect("127.0.0.1", prepared.broker.port);
  try {
    return await produceValues(client, topic, 0, ["after-repair"]);
  } catch (error) {
    if (error instanceof ProduceError) return error;
    throw error;
  } finally {
    await client.close();
  }
}

async function finish(prepared: Prepared): Promise<void> {
  try {
    assert.equal(prepared.broker.unexpectedExit, null);
    assert.equal(await prepared.broker.stop(), 0, "the broker shuts down cleanly");
  } finally {
    await prepared.broker.kill();
    rmSync(prepared.dataDir, { recursive: true, force: true });
  }
}

function logged(prepared: Prepared, fragment: string, partition?: string): boolean {
  return prepared.broker.logLines().some((line) => line.includes(fragment) && (partition === undefined || line.includes(partition)));
}

test("a flipped bit in the unflushed tail of a .log is cut back at restart, with a log line; appends resume", { timeout: 60_000 }, async () => {
  const prepared = await prepare();
  try {
    await prepared.broker.kill();
    const active = segmentFiles(prepared, VICTIM, ".log").at(-1)!;
    const size = statSync(active).size;
    flipBit(active, size - 10); // inside the last batch's records
    await prepared.broker.start();
    assert.ok(logged(prepared, "truncated", `${VICTIM}-0`), "recovery says what it cut and why");
    await assertIntact(prepared, BYSTANDER);
    const contents = await readPartition(prepared.broker.port, VICTIM);
    assert.equal(contents.errorCode, ErrorCode.NONE);
    assertOrderedSubset(prepared, VICTIM, contents.records);
    const expected = prepared.acked.get(VICTIM)!.slice(0, (BATCHES - 1) * RECORDS_PER_BATCH);
    assert.deepEqual(contents.records.map((record) => record.value), expected, "everything before the damaged batch survives");
    assert.equal(await canAppend(prepared, VICTIM), expected.length, "appends continue where the log now ends");
  } finally {
    await finish(prepared);
  }
});

test("a flipped bit in a flushed segment is reported as CORRUPT_MESSAGE and never served", { timeout: 60_000 }, async () => {
  const prepared = await prepare();
  try {
    assert.equal(await prepared.broker.stop(), 0); // clean: everything flushed, no rescan at start
    const first = segmentFiles(prepared, VICTIM, ".log")[0];
    flipBit(first, Math.floor(statSync(first).size / 2));
    await prepared.broker.start();
    await assertIntact(prepared, BYSTANDER);
    const contents = await readPartition(prepared.broker.port, VICTIM);
    assert.equal(contents.errorCode, ErrorCode.CORRUPT_MESSAGE, "reading stops at the damaged batch with CORRUPT_MESSAGE");
    assertOrderedSubset(prepared, VICTIM, contents.records);
    assert.ok(logged(prepared, "corrupt data found in log segment"), "the damage is logged");
    // Data after the damaged segment is still served.
    const later = await readPartition(prepared.broker.port, VICTIM, 0, prepared.acked.get(VICTIM)!.length - RECORDS_PER_BATCH);
    assert.equal(later.errorCode, ErrorCode.NONE);
    assert.equal(later.records.length, RECORDS_PER_BATCH);
    assertOrderedSubset(prepared, VICTIM, later.records);
    assert.equal(typeof (await canAppend(prepared, VICTIM)), "number");
  } finally {
    await finish(prepared);
  }
});

test("a truncated .index and a garbage .timeindex are rebuilt; reads and timestamp lookups are right", { timeout: 60_000 }, async () => {
  const prepared = await prepare();
  try {
    assert.equal(await prepared.broker.stop(), 0);
    for (const index of segmentFiles(prepared, VICTIM, ".index")) truncateSync(index, Math.max(0, statSync(index).size - 13));
    for (const timeIndex of segmentFiles(prepared, VICTIM, ".timeindex")) writeFileSync(timeIndex, randomBytes(Math.max(12, statSync(timeIndex).size)));
    await prepared.broker.start();
    await assertIntact(prepared, BYSTANDER);
    await assertIntact(prepared, VICTIM);
    const middle = Math.floor(prepared.acked.get(VICTIM)!.length / 2) + 3;
    const fromMiddle = await readPartition(prepared.broker.port, VICTIM, 0, middle);
    assert.equal(fromMiddle.records[0]?.offset, middle, "a fetch from the middle starts at the right record");
    const byTime = await offsetForTimestamp(prepared.broker.port, VICTIM, prepared.midTimestamp);
    assert.equal(byTime.errorCode, ErrorCode.NONE);
    assert.equal(byTime.offset, (BATCHES / 2) * RECORDS_PER_BATCH, "ListOffsets by timestamp finds the first record at or after it");
  } finally {
    await finish(prepared);
  }
});

test("missing checkpoint files: the broker recovers every partition from its segments", { timeout: 60_000 }, async () => {
  const prepared = await prepare();
  try {
    await prepared.broker.kill();
    for (const file of ["recovery-point-offset-checkpoint", "log-start-offset-checkpoint", "replication-offset-checkpoint"]) {
      rmSync(join(prepared.dataDir, file), { force: true });
    }
    rmSync(join(partitionDir(prepared, VICTIM), "leader-epoch-checkpoint"), { force: true });
    await prepared.broker.start();
    await assertIntact(prepared, BYSTANDER);
    await assertIntact(prepared, VICTIM);
    assert.equal(await canAppend(prepared, VICTIM), prepared.acked.get(VICTIM)!.length);
  } finally {
    await finish(prepared);
  }
});

test("corrupt checkpoint files are ignored with a warning; nothing acknowledged is lost", { timeout: 60_000 }, async () => {
  const prepared = await prepare();
  try {
    await prepared.broker.kill();
    for (const file of ["recovery-point-offset-checkpoint", "log-start-offset-checkpoint", "replication-offset-checkpoint"]) {
      writeFileSync(join(prepared.dataDir, file), "0\n3\nthis is not\na checkpoint file\n\u0000\u0001garbage");
    }
    writeFileSync(join(partitionDir(prepared, VICTIM), "leader-epoch-checkpoint"), randomBytes(64));
    await prepared.broker.start();
    assert.ok(logged(prepared, "malformed checkpoint file ignored"), "each bad checkpoint is named in a warning");
    assert.ok(logged(prepared, "leader epoch checkpoint is malformed", `${VICTIM}-0`));
    await assertIntact(prepared, BYSTANDER);
    await assertIntact(prepared, VICTIM);
  } finally {
    await finish(prepared);
  }
});

test("a partially deleted partition directory: the broker starts, serves what is left in order, and takes appends", { timeout: 60_000 }, async () => {
  const prepared = await prepare();
  try {
    await prepared.broker.kill();
    const logs = segmentFiles(prepared, VICTIM, ".log");
    assert.ok(logs.length >= 3, `the victim needs several segments (has ${logs.length})`);
    // A middle segment's log is gone, the first segment's indexes are gone, partition.metadata is gone.
    unlinkSync(logs[1]);
    for (const extension of [".index", ".timeindex"]) unlinkSync(segmentFiles(prepared, VICTIM, extension)[0]);
    rmSync(join(partitionDir(prepared, VICTIM), "partition.metadata"), { force: true });
    await prepared.broker.start();
    await assertIntact(prepared, BYSTANDER);
    const contents = await readPartition(prepared.broker.port, VICTIM);
    console.log(`victim after losing a middle segment: ${contents.records.length} of ${prepared.acked.get(VICTIM)!.length} records served, ${errorName(contents.errorCode)}`);
    assert.ok(contents.errorCode === ErrorCode.NONE || contents.errorCode === ErrorCode.KAFKA_STORAGE_ERROR, errorName(contents.errorCode));
    assertOrderedSubset(prepared, VICTIM, contents.records);
    const appended = await canAppend(prepared, VICTIM);
    assert.ok(typeof appended === "number" || appended.errorCode === ErrorCode.KAFKA_STORAGE_ERROR, `append: ${String(appended)}`);
  } finally {
    await finish(prepared);
  }
});

test(
  "a partition whose files cannot be opened goes offline with KAFKA_STORAGE_ERROR; the rest serve",
  { timeout: 60_000 },
  async () => {
    const prepared = await prepare();
    try {
      await prepared.broker.kill();
      // The active segment's log replaced by a directory: no repair is possible (EISDIR on open).
      const active = segmentFiles(prepared, VICTIM, ".log").at(-1)!;
      unlinkSync(active);
      mkdirSync(active);
      await prepared.broker.start();
      await assertIntact(prepared, BYSTANDER);
      const contents = await readPartition(prepared.broker.port, VICTIM);
      assert.equal(contents.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      const appended = await canAppend(prepared, VICTIM);
      assert.ok(appended instanceof ProduceError && appended.errorCode === ErrorCode.KAFKA_STORAGE_ERROR);
    } finally {
      await finish(prepared);
    }
  },
);
