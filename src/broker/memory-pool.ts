// The memory pool for request bytes (queued.max.request.bytes), with Kafka's MemoryPool semantics:
// a connection reserves a request's size from the pool as soon as it has read the 4-byte size
// prefix, before it buffers the body, and gives it back once the request has been answered. When
// the pool is exhausted, connections stop reading until memory is released, so the bytes the
// broker holds for received-but-unanswered requests stay bounded however many clients send.
//
// Like Kafka's broker pool (SimpleMemoryPool with strict = false), a reservation succeeds while
// any memory is left, even if it is larger than what is left: a request of socket.request.max.bytes
// must always get through eventually, and the overshoot is bounded by one request. Capacity -1
// means no byte limit (Kafka's default); the pool then only counts.

import { assert } from "../lib/assert.js";

/** queued.max.request.bytes value that disables the byte limit. */
export const UNBOUNDED_POOL_BYTES = -1;

export class MemoryPool {
  private usedBytesValue = 0;
  private readonly availableListeners = new Set<() => void>();

  constructor(readonly capacityBytes: number) {
    assert(
      capacityBytes === UNBOUNDED_POOL_BYTES || (Number.isSafeInteger(capacityBytes) && capacityBytes > 0),
      `memory pool capacity must be positive or ${UNBOUNDED_POOL_BYTES}, got ${capacityBytes}`,
    );
  }

  get isBounded(): boolean {
    return this.capacityBytes !== UNBOUNDED_POOL_BYTES;
  }

  get usedBytes(): number {
    return this.usedBytesValue;
  }

  /** Bytes left (negative after an overshooting reservation); Infinity when unbounded. */
  get availableBytes(): number {
    return this.isBounded ? this.capacityBytes - this.usedBytesValue : Number.POSITIVE_INFINITY;
  }

  /** True while nothing more can be reserved: connections without a reservation stop reading. */
  get isOutOfMemory(): boolean {
    return this.availableBytes <= 0;
  }

  /** Reserves sizeBytes if any memory is left; false otherwise (the caller waits for onAvailable). */
  tryAllocate(sizeBytes: number): boolean {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, `bad reservation of ${sizeBytes} bytes`);
    if (this.isOutOfMemory) return false;
    this.usedBytesValue += sizeBytes;
    return true;
  }

  release(sizeBytes: number): void {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0 && sizeBytes <= this.usedBytesValue, `bad release of ${sizeBytes} bytes (${this.usedBytesValue} used)`);
    const wasOutOfMemory = this.isOutOfMemory;
    this.usedBytesValue -= sizeBytes;
    if (wasOutOfMemory && !this.isOutOfMemory) {
      // Listeners may reserve again (and exhaust the pool) while we iterate: each checks for itself.
      for (const listener of [...this.availableListeners]) listener();
    }
  }

  /** Calls listener each time the pool goes from exhausted to available; returns an unsubscriber. */
  onAvailable(listener: () => void): () => void {
    this.availableListeners.add(listener);
    return () => this.availableListeners.delete(listener);
  }
}
