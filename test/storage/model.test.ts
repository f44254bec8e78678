// Model-based test: a PartitionLog on the in-memory file system against a plain list of batches,
// under random sequences of appends (single, multi-batch, concurrent), rolls, truncations,
// DeleteRecords, size-based retention, time passing, flushes, clean restarts, process crashes
// (kill -9, tearing writes in flight) and power losses (unsynced data dropped, or written back
// page by page at random). After every step the whole log is read back and must equal the model
// from the log start offset on, with dense, ordered offsets; random reads must return consecutive
// whole batches starting with the one holding the fetch offset. fast-check prints the seed and the
// shrunk command list of any failure.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ManualClock } from "../../src/lib/clock.js";
import { MemoryFileSystem } from "../../src/storage/io/memory-file-system.js";
import type { LogConfig } from "../../src/storage/log-config.js";
import type { PartitionLog } from "../../src/storage/partition-log.js";
import { baseOffsetOf, buildBatch, lastOffsetOf } from "./batch-builder.js";
import { createTestLog, readAll, reopenTestLog, smallConfig } from "./helpers.js";

const START_MS = 1_700_000_000_000;

type Action =
  | { readonly kind: "append"; readonly batches: readonly { records: number; valueBytes: number }[]; readonly together: boolean; readonly concurrent: boolean }
  | { readonly kind: "roll" }
  | { readonly kind: "truncate"; readonly fraction: number }
  | { readonly kind: "deleteRecords"; readonly fraction: number }
  | { readonly kind: "retention"; readonly keepBytes: number }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "flush" }
  | { readonly kind: "restart" }
  | { readonly kind: "crash"; readonly inFlight: number; readonly ticks: number; readonly seed: number }
  | { readonly kind: "powerLoss"; readonly seed: number; readonly random: boolean }
  | { readonly kind: "read"; readonly fraction: number; readonly maxBytes: number };

const batchSpec = fc.record({ records: fc.integer({ min: 1, max: 4 }), valueBytes: fc.integer({ min: 0, max: 160 }) });

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("append" as const), batches: fc.array(batchSpec, { minLength: 1, maxLength: 4 }), together: fc.boolean(), concurrent: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("roll" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteRecords" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("retention" as const), keepBytes: fc.integer({ min: 0, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("flush" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("crash" as const), inFlight: fc.integer({ min: 0, max: 4 }), ticks: fc.integer({ min: 0, max: 3 }), seed: fc.integer() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("powerLoss" as const), seed: fc.integer(), random: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("read" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 1, max: 2000 }) }) },
);

function prng(seed: number): () => number {
  let state = (seed >>> 0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

class Model {
  /** Batches as stored, in offset order; may hold batches below the log start offset. */
  batches: Buffer[] = [];
  logStartOffset = 0;
  /** Next offset the log assigns; normally right after the last batch (see powerLoss for the exception). */
  endOffset = 0;
  /** Every batch below this offset was fsynced (and not truncated since). */
  durableEnd = 0;

  visible(): Buffer[] {
    return this.batches.filter((batch) => lastOffsetOf(batch) >= this.logStartOffset);
  }

  push(batch: Buffer): void {
    assert.equal(baseOffsetOf(batch), this.endOffset, "appended offsets are dense");
    this.batches.push(batch);
    this.endOffset = lastOffsetOf(batch) + 1;
  }

  /** Removes the batch holding target and everything after; returns where the data now ends (null: no data left). */
  truncateTo(target: number): number | null {
    this.batches = this.batches.filter((batch) => lastOffsetOf(batch) < target);
    const last = this.batches.at(-1);
    return last === undefined ? null : lastOffsetOf(last) + 1;
  }
}

interface World {
  fs: MemoryFileSystem;
  clock: ManualClock;
  config: LogConfig;
  log: PartitionLog;
  model: Model;
  epoch: number;
}

function newBatch(world: World, spec: { records: number; valueBytes: number }, fill: number): Buffer {
  const now = world.clock.nowMs();
  return buildBatch({ timestamps: Array.from({ length: spec.records }, () => now), valueBytes: spec.valueBytes, fill });
}

async function checkAgainstModel(world: World, context: string): Promise<void> {
  const { log, model } = world;
  assert.equal(log.logStartOffset, model.logStartOffset, `${context}: log start offset`);
  assert.equal(log.logEndOffset, model.endOffset, `${context}: log end offset`);
  const stored = await readAll(log);
  const expected = model.visible();
  assert.equal(stored.length, expected.length, `${context}: batch count`);
  for (let index = 0; index < stored.length; index += 1) {
    assert.ok(stored[index].equals(expected[index]), `${context}: batch ${index} (offset ${baseOffsetOf(expected[index])}) differs`);
    if (index > 0) assert.ok(baseOffsetOf(stored[index]) > lastOffsetOf(stored[index - 1]), `${context}: offsets are ordered`);
  }
}

async function checkRead(world: World, fraction: number, maxBytes: number): Promise<void> {
  const { log, model } = world;
  const span = model.endOffset - model.logStartOffset;
  const offset = model.logStartOffset + Math.floor(fraction * (span + 1));
  const result = await log.read(Math.min(offset, model.endOffset), { maxBytes, maxOffset: model.endOffset, minOneBatch: true });
  const expected = model.visible().filter((batch) => lastOffsetOf(batch) >= offset);
  if (expected.length === 0) {
    assert.equal(result.batches.length, 0);
    return;
  }
  assert.ok(result.batches.length >= 1, `read at ${offset} returned nothing`);
  let size = 0;
  for (let index = 0; index < result.batches.length; index += 1) {
    assert.ok(result.batches[index].equals(expected[index]), `read at ${offset}: batch ${index} differs`);
    size += result.batches[index].length;
  }
  if (result.batches.length > 1) assert.ok(size <= maxBytes, "more than maxBytes only for a single batch");
}

async function reopen(world: World, fs: MemoryFileSystem, hadCleanShutdown: boolean, recoveryPoint: number): Promise<void> {
  world.fs = fs;
  world.log = await reopenTestLog({ fs, clock: world.clock, config: world.config }, { hadCleanShutdown, recoveryPoint, logStartOffset: world.model.logStartOffset, highWatermark: null });
}

/**
 * After a crash. Process crash (exactPrefix): the log must hold the visible model batches and then
 * a prefix of `candidates` (appends in flight), at least `mustKeepCount` batches in all. Power loss:
 * the first `mustKeepCount` batches (fsynced) must be there; after them any batches that survive
 * must be ones that were written, in order (write-back of unsynced pages may leave holes).
 */
async function reconcile(world: World, mustKeepCount: number, candidates: readonly Buffer[], exactPrefix: boolean, endBefore: number, context: string): Promise<void> {
  const { model } = world;
  const stored = await readAll(world.log, world.log.logStartOffset, world.log.logEndOffset);
  const knownCount = model.visible().length;
  const all = [...model.visible(), ...candidates];
  assert.ok(stored.length >= mustKeepCount, `${context}: lost acknowledged batches (${stored.length} < ${mustKeepCount})`);
  let cursor = 0;
  for (let index = 0; index < stored.length; index += 1) {
    if (exactPrefix || index < mustKeepCount) {
      assert.ok(index < all.length && stored[index].equals(all[index]), `${context}: recovered batch ${index} is not the one written`);
      cursor = index + 1;
      continue;
    }
    while (cursor < all.length && !stored[index].equals(all[cursor])) cursor += 1;
    assert.ok(cursor < all.length, `${context}: recovered batch ${index} (offset ${baseOffsetOf(stored[index])}) was never written`);
    cursor += 1;
  }
  const hidden = model.batches.filter((batch) => lastOffsetOf(batch) < model.logStartOffset);
  model.batches = [...hidden, ...stored];
  const dataEnd = stored.length === 0 ? model.logStartOffset : lastOffsetOf(stored[stored.length - 1]) + 1;
  assert.ok(world.log.logEndOffset >= dataEnd, `${context}: log end offset below the data`);
  const candidateEnd = candidates.reduce((end, batch) => Math.max(end, lastOffsetOf(batch) + 1), endBefore);
  assert.ok(world.log.logEndOffset <= candidateEnd, `${context}: log end offset beyond anything written`);
  if (exactPrefix) {
    const survivors = stored.length - knownCount;
    assert.equal(world.log.logEndOffset, survivors > 0 ? dataEnd : endBefore, `${context}: a process crash loses nothing and adds no gap`);
  }
  model.endOffset = world.log.logEndOffset;
  model.durableEnd = Math.min(model.durableEnd, dataEnd);
}

async function run(world: World, action: Action, step: number): Promise<void> {
  const { model } = world;
  const context = `step ${step} ${action.kind}`;
  switch (action.kind) {
    case "append": {
      const batches = action.batches.map((spec, index) => newBatch(world, spec, step * 16 + index));
      if (action.together) {
        const records = Buffer.concat(batches);
        if (records.length > world.config.segmentBytes) {
          await assert.rejects(world.log.append(records, { leaderEpoch: world.epoch, assignOffsets: true }), { kind: "record-list-too-large" });
          return;
        }
        const result = await world.log.append(records, { leaderEpoch: world.epoch, assignOffsets: true });
        assert.equal(result.firstOffset, model.endOffset, context);
        // Concatenation copied the bytes: take the stored form from the log.
        const stored = await world.log.read(result.firstOffset, { maxBytes: 1 << 20, maxOffset: result.lastOffset + 1, minOneBatch: true });
        for (const batch of stored.batches) model.push(Buffer.from(batch));
      } else if (action.concurrent) {
        const pendingRead = world.log.read(model.logStartOffset, { maxBytes: 4096, maxOffset: model.endOffset, minOneBatch: true });
        const results = await Promise.all(batches.map((batch) => world.log.append(batch, { leaderEpoch: world.epoch, assignOffsets: true })));
        let expectedOffset = model.endOffset;
        for (const result of results) {
          assert.equal(result.firstOffset, expectedOffset, context);
          expectedOffset = result.lastOffset + 1;
        }
        const concurrentRead = await pendingRead;
        for (const [index, batch] of concurrentRead.batches.entries()) assert.ok(batch.equals(model.visible()[index]), `${context}: concurrent read`);
        for (const batch of batches) model.push(Buffer.from(batch));
      } else {
        for (const batch of batches) {
          const result = await world.log.append(batch, { leaderEpoch: world.epoch, assignOffsets: true });
          assert.equal(result.firstOffset, model.endOffset, context);
          model.push(Buffer.from(batch));
        }
      }
      return;
    }
    case "roll":
      await world.log.roll();
      return;
    case "truncate": {
      const target = model.logStartOffset + Math.floor(action.fraction * (model.endOffset - model.logStartOffset + 1));
      await world.log.truncateTo(target);
      if (target < world.log.segmentBaseOffsets[0] || target < model.logStartOffset) {
        assert.fail("truncation targets stay at or above the log start offset here");
      }
      const dataEnd = model.truncateTo(target);
      if (target < model.endOffset) {
        if (dataEnd !== null && dataEnd > model.logStartOffset) assert.equal(world.log.logEndOffset, dataEnd, `${context}: log end after truncation`);
        else assert.ok(world.log.logEndOffset <= target, context);
        model.endOffset = world.log.logEndOffset;
      }
      model.logStartOffset = Math.min(model.logStartOffset, model.endOffset);
      model.durableEnd = Math.min(model.durableEnd, model.endOffset);
      world.epoch += 1;
      return;
    }
    case "deleteRecords": {
      world.log.updateHighWatermark(world.log.logEndOffset);
      const target = model.logStartOffset + Math.floor(action.fraction * (model.endOffset - model.logStartOffset + 1));
      if (target > world.log.highWatermark) {
        await assert.rejects(world.log.deleteRecordsBefore(target), { name: "OffsetOutOfRangeError" });
        return;
      }
      await world.log.deleteRecordsBefore(target);
      model.logStartOffset = Math.max(model.logStartOffset, target);
      return;
    }
    case "retention": {
      world.log.updateHighWatermark(world.log.logEndOffset);
      const before = world.log.logStartOffset;
      world.log.updateConfig({ ...world.config, retentionBytes: action.keepBytes });
      await world.log.deleteOldSegments();
      world.log.updateConfig(world.config);
      const after = world.log.logStartOffset;
      assert.ok(after >= before && after <= world.log.logEndOffset, context);
      assert.ok(world.log.sizeBytes >= Math.min(action.keepBytes, world.log.sizeBytes), context);
      model.logStartOffset = after;
      return;
    }
    case "advance":
      world.clock.advance(action.ms);
      await new Promise((resolve) => setImmediate(resolve));
      return;
    case "flush":
      await world.log.flush();
      model.durableEnd = model.endOffset;
      return;
    case "restart":
      await world.log.close();
      await reopen(world, world.fs, true, world.log.recoveryPoint);
      return;
    case "crash": {
      const random = prng(action.seed);
      const candidates = Array.from({ length: action.inFlight }, (_, index) => newBatch(world, { records: 1 + (index % 3), valueBytes: 20 + index * 30 }, 200 + index));
      const settled: Promise<unknown>[] = [];
      for (const batch of candidates) {
        const append = world.log.append(batch, { leaderEpoch: world.epoch, assignOffsets: true });
        settled.push(append.catch(() => undefined));
      }
      const acknowledged: boolean[] = candidates.map(() => false);
      settled.forEach((promise, index) => void promise.then((value) => (acknowledged[index] = value !== undefined)));
      for (let tick = 0; tick < action.ticks; tick += 1) await new Promise((resolve) => setImmediate(resolve));
      const recoveryPoint = world.log.recoveryPoint;
      const endBefore = model.endOffset;
      const after = world.fs.crash({ mode: "process", random });
      const ackedCount = acknowledged.lastIndexOf(true) + 1;
      await reopen(world, after, false, recoveryPoint);
      await reconcile(world, model.visible().length + ackedCount, candidates, true, endBefore, context);
      return;
    }
    case "powerLoss": {
      const recoveryPoint = world.log.recoveryPoint;
      const endBefore = model.endOffset;
      const after = world.fs.crash({ mode: "power", random: action.random ? prng(action.seed) : undefined });
      await reopen(world, after, false, recoveryPoint);
      await reconcile(world, model.visible().filter((batch) => lastOffsetOf(batch) < model.durableEnd).length, [], false, endBefore, context);
      return;
    }
    case "read":
      await checkRead(world, action.fraction, action.maxBytes);
      return;
  }
}

test("PartitionLog behaves like a list of batches under random operations, restarts and crashes", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(actionArbitrary, { minLength: 1, maxLength: 40 }), async (actions) => {
      const fs = new MemoryFileSystem({ trackDurability: true, completion: "macrotask" });
      const clock = new ManualClock(START_MS);
      // Small segments and indexes so rolls by size, by time and by full index all happen.
      const config = smallConfig({ segmentBytes: 900, indexIntervalBytes: 120, segmentIndexBytes: 96, segmentMs: 30_000, retentionMs: -1, fileDeleteDelayMs: 5_000 });
      const world: World = { fs, clock, config, log: await createTestLog({ fs, clock, config }), model: new Model(), epoch: 0 };
      await fs.fsyncDirectory("/");
      for (const [step, action] of actions.entries()) {
        await run(world, action, step);
        await checkAgainstModel(world, `after step ${step} (${action.kind})`);
      }
    }),
    { numRuns: Number(process.env.STORAGE_MODEL_RUNS ?? 150), includeErrorInReport: true },
  );
});
