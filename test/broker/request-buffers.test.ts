// RequestBufferPool: frames in the pooled range get a buffer of their size class, released
// buffers are handed out again, abandoned ones are forgotten, the idle bytes are bounded, and a
// buffer the pool does not own (or owns no longer) cannot be released. A response's lease gives
// back all it took at once, and only once.

import { test } from "node:test";
import assert from "node:assert/strict";
import { POOLED_FRAME_BYTES_MAX, POOLED_FRAME_BYTES_MIN, RequestBufferPool, ResponseBufferLease, capacityFor } from "../../src/broker/request-buffers.js";

test("size classes: four per power of two, never smaller than the size asked", () => {
  assert.equal(capacityFor(65_536), 65_536);
  assert.equal(capacityFor(65_537), 81_920);
  assert.equal(capacityFor(100_000), 114_688);
  assert.equal(capacityFor(1_048_576), 1_048_576);
  assert.equal(capacityFor(1_048_577), 1_310_720);
  for (let size = POOLED_FRAME_BYTES_MIN; size <= POOLED_FRAME_BYTES_MAX; size = Math.floor(size * 1.37) + 1) {
    const capacity = capacityFor(size);
    assert.ok(capacity >= size && capacity < size * 1.25 + 1, `${size} -> ${capacity}`);
  }
});

test("a released buffer is reused for the next frame of its size class; sizes outside the range are not pooled", () => {
  const pool = new RequestBufferPool();
  const first = pool.acquire(100_000);
  assert.equal(first.length, 100_000);
  assert.ok(pool.isPooled(first));
  assert.equal(pool.outstandingCount, 1);
  pool.release(first);
  assert.equal(pool.outstandingCount, 0);
  assert.equal(pool.idleBytes, capacityFor(100_000));
  const second = pool.acquire(110_000); // same class
  assert.equal(second.buffer, first.buffer, "the same backing store");
  assert.equal(second.length, 110_000);
  assert.equal(pool.idleBytes, 0);
  const other = pool.acquire(200_000); // another class: a new one
  assert.notEqual(other.buffer, first.buffer);

  const small = pool.acquire(POOLED_FRAME_BYTES_MIN - 1);
  const large = pool.acquire(POOLED_FRAME_BYTES_MAX + 1);
  assert.ok(!pool.isPooled(small) && !pool.isPooled(large));
  assert.equal(pool.outstandingCount, 2);
});

test("an abandoned buffer is never handed out again; releasing it (or any foreign or returned buffer) is refused", () => {
  const pool = new RequestBufferPool();
  const kept = pool.acquire(100_000);
  pool.abandon(kept);
  assert.equal(pool.outstandingCount, 0);
  assert.ok(!pool.isPooled(kept));
  assert.throws(() => pool.release(kept), /not out of this pool/);
  const next = pool.acquire(100_000);
  assert.notEqual(next.buffer, kept.buffer, "still referenced elsewhere: must not be reused");

  pool.release(next);
  assert.throws(() => pool.release(next), /not out of this pool/, "released twice");
  assert.throws(() => pool.release(Buffer.alloc(100_000)), /not out of this pool/, "never handed out");
});

test("idle bytes stay within the bound: buffers beyond it are left to the GC", () => {
  const pool = new RequestBufferPool(300_000);
  const buffers = [pool.acquire(100_000), pool.acquire(100_000), pool.acquire(100_000)];
  for (const buffer of buffers) pool.release(buffer);
  assert.equal(pool.idleBytes, 2 * capacityFor(100_000));
  assert.equal(pool.outstandingCount, 0);
});

test("a response lease gives back every pooled buffer it handed out, once", () => {
  const pool = new RequestBufferPool();
  const lease = new ResponseBufferLease(pool);
  const reads = [lease.allocate(1_048_576), lease.allocate(300_000), lease.allocate(100)];
  assert.equal(reads[2].length, 100);
  assert.equal(pool.outstandingCount, 2, "the small read is not pooled");
  lease.release();
  assert.equal(pool.outstandingCount, 0);
  assert.equal(pool.idleBytes, capacityFor(1_048_576) + capacityFor(300_000));
  assert.throws(() => lease.release(), /given back twice/);
  assert.throws(() => lease.allocate(100_000), /already given back/);
  const next = new ResponseBufferLease(pool).allocate(1_048_576);
  assert.equal(next.buffer, reads[0].buffer, "the next response reuses it");
});
