import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AppendPipeline } from "../../src/storage/append-pipeline.js";
import type { AppendPipelineSink } from "../../src/storage/append-pipeline.js";

interface PendingWrite {
  readonly position: number;
  readonly bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** A sink whose writes complete only when the test says so. */
function controlledSink() {
  const writes: PendingWrite[] = [];
  const events: string[] = [];
  const sink: AppendPipelineSink<string, string> = {
    write: (_target, buffers, position) =>
      new Promise<void>((resolve, reject) => {
        const bytes = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
        writes.push({ position, bytes, resolve, reject });
        events.push(`write ${position}+${bytes}`);
      }),
    truncate: async (_target, size) => void events.push(`truncate ${size}`),
    onWritten: (_target, endPosition, endOffset) => void events.push(`written ${endPosition} ${endOffset}`),
    onFailed: (_target, error, restore) => void events.push(`failed ${String(error)} restore ${restore}`),
    onBroken: () => void events.push("broken"),
  };
  return { sink, writes, events };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("AppendPipeline", () => {
  test("coalesces appends of one tick into one write and acknowledges in order", async () => {
    const { sink, writes, events } = controlledSink();
    const pipeline = new AppendPipeline(sink);
    const settled: number[] = [];
    const first = pipeline.enqueue("log", Buffer.alloc(10), 0, 1, () => "r0").then(() => settled.push(1));
    const second = pipeline.enqueue("log", Buffer.alloc(10), 10, 2, () => "r1").then(() => settled.push(2));
    await tick();
    assert.deepEqual(events, ["write 0+20"]);
    // While that write is in flight, the next appends form a second group, written at once.
    const third = pipeline.enqueue("log", Buffer.alloc(5), 20, 3, () => "r2").then(() => settled.push(3));
    await tick();
    assert.deepEqual(events, ["write 0+20", "write 20+5"]);
    // The second group finishes first: nothing is acknowledged before the first.
    writes[1].resolve();
    await tick();
    assert.deepEqual(settled, []);
    writes[0].resolve();
    await Promise.all([first, second, third]);
    assert.deepEqual(settled, [1, 2, 3]);
    assert.deepEqual(events.slice(2), ["written 20 2", "written 25 3"]);
    assert.equal(pipeline.idle, true);
  });

  test("a failed write rejects it and everything after, restores state, truncates, then carries on", async () => {
    const { sink, writes, events } = controlledSink();
    const pipeline = new AppendPipeline(sink);
    const outcomes: string[] = [];
    const record = (name: string, promise: Promise<void>): Promise<void> =>
      promise.then(
        () => void outcomes.push(`${name} ok`),
        () => void outcomes.push(`${name} failed`),
      );
    const a = record("a", pipeline.enqueue("log", Buffer.alloc(10), 0, 1, () => "before-a"));
    await tick();
    const b = record("b", pipeline.enqueue("log", Buffer.alloc(10), 10, 2, () => "before-b"));
    await tick();
    // Both groups are in flight; a third waits (two writes at most).
    const c = record("c", pipeline.enqueue("log", Buffer.alloc(10), 20, 3, () => "before-c"));
    await tick();
    assert.equal(writes.length, 2);
    // b finishes: c takes the free slot; then a fails. Failure handling waits for c to settle.
    writes[1].resolve();
    await tick();
    assert.equal(writes.length, 3);
    writes[0].reject(new Error("ENOSPC"));
    await tick();
    assert.deepEqual(outcomes, []);
    writes[2].resolve();
    await Promise.all([a, b, c]);
    assert.deepEqual(outcomes.sort(), ["a failed", "b failed", "c failed"]);
    assert.deepEqual(events.slice(3), ["failed Error: ENOSPC restore before-a", "truncate 0"]);
    // Appends after the repair start from the restored position.
    const d = record("d", pipeline.enqueue("log", Buffer.alloc(4), 0, 1, () => "before-d"));
    await tick();
    await tick();
    writes[3].resolve();
    await d;
    assert.deepEqual(outcomes.at(-1), "d ok");
    await pipeline.drain();
    assert.equal(pipeline.idle, true);
  });

  test("a group before the failed one is still acknowledged", async () => {
    const { sink, writes } = controlledSink();
    const pipeline = new AppendPipeline(sink);
    const outcomes: string[] = [];
    const a = pipeline.enqueue("log", Buffer.alloc(10), 0, 1, () => "before-a").then(
      () => outcomes.push("a ok"),
      () => outcomes.push("a failed"),
    );
    await tick();
    const b = pipeline.enqueue("log", Buffer.alloc(10), 10, 2, () => "before-b").then(
      () => outcomes.push("b ok"),
      () => outcomes.push("b failed"),
    );
    await tick();
    writes[1].reject(new Error("EIO"));
    await tick();
    assert.deepEqual(outcomes, [], "waits for the write still in flight");
    writes[0].resolve();
    await Promise.all([a, b]);
    assert.deepEqual(outcomes, ["a ok", "b failed"]);
  });
});
