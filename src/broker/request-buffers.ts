// Reusable large buffers for the bytes a request brings in and the bytes its response sends out.
//
// In: a frame that arrives in several socket reads is assembled into one contiguous buffer.
// Out: a fetch reads stored batches into buffers and sends views of them, never a copy.
// Allocating these fresh per request (a megabyte or more each under load) costs malloc, page
// faults and garbage: V8 counts them as external memory, and every few dozen megabytes of it
// start a full mark-compact, which showed as GC pauses, lost throughput and resident memory.
// So they come from here and go back when nothing refers to them any more: a Produce frame once
// its appends settled (the dispatcher says so per request), a fetch's reads once the response
// holding the views has been handed to the kernel (ResponseBufferLease).
//
// Buffers are handed out in size classes (four per power of two, so at most a quarter of a buffer
// is never used, and those pages are never touched), tracked while out so a foreign or twice
// returned buffer is a programmer error, and bounded: at most IDLE_BYTES_MAX wait here; sizes
// outside [POOLED_FRAME_BYTES_MIN, POOLED_FRAME_BYTES_MAX] get a buffer of their own as before.

import { assert } from "../lib/assert.js";

/** Below this a buffer is cheap to allocate (and small ones come from Node's shared slab). */
export const POOLED_FRAME_BYTES_MIN = 64 * 1024;
/** Above this buffers are rare (the default socket.request.max.bytes is 100 MiB): no pooling. */
export const POOLED_FRAME_BYTES_MAX = 16 * 1024 * 1024;
/** Idle buffers kept for reuse: a few produce requests and fetch responses of the usual 1 MiB. */
export const IDLE_BYTES_MAX = 8 * 1024 * 1024;
/** Size classes per power of two. */
const CLASSES_PER_DOUBLING = 4;

/** The capacity of the size class that holds sizeBytes (in the pooled range). */
export function capacityFor(sizeBytes: number): number {
  const power = 2 ** Math.floor(Math.log2(sizeBytes));
  const step = power / CLASSES_PER_DOUBLING;
  return Math.ceil(sizeBytes / step) * step;
}

export class RequestBufferPool {
  private readonly idle = new Map<number, ArrayBuffer[]>();
  private idleBytesValue = 0;
  /**
   * Backing stores handed out and not yet released or abandoned. Weak: a buffer whose holder
   * never gives it back (a bug) is still freed by the GC; only the count would be off.
   */
  private readonly outstanding = new WeakSet<ArrayBuffer>();
  private outstandingCountValue = 0;

  constructor(private readonly idleBytesMax = IDLE_BYTES_MAX) {}

  get idleBytes(): number {
    return this.idleBytesValue;
  }

  get outstandingCount(): number {
    return this.outstandingCountValue;
  }

  /** A buffer of exactly sizeBytes, uninitialized; pooled (see isPooled) when in the pooled range. */
  acquire(sizeBytes: number): Buffer {
    if (sizeBytes < POOLED_FRAME_BYTES_MIN || sizeBytes > POOLED_FRAME_BYTES_MAX) return Buffer.allocUnsafe(sizeBytes);
    const capacity = capacityFor(sizeBytes);
    const free = this.idle.get(capacity);
    let backing = free?.pop();
    if (backing === undefined) {
      backing = Buffer.allocUnsafeSlow(capacity).buffer;
    } else {
      this.idleBytesValue -= capacity;
    }
    this.outstanding.add(backing);
    this.outstandingCountValue += 1;
    return Buffer.from(backing, 0, sizeBytes);
  }

  /** Whether buffer came from acquire() with a pooled backing store that is still out. */
  isPooled(buffer: Buffer): boolean {
    return buffer.byteOffset === 0 && this.outstanding.has(buffer.buffer as ArrayBuffer);
  }

  /**
   * Takes back a pooled buffer from acquire(). The caller promises that nothing refers to it any
   * more: the next request overwrites it.
   */
  release(buffer: Buffer): void {
    const backing = buffer.buffer as ArrayBuffer;
    assert(buffer.byteOffset === 0 && this.outstanding.delete(backing), "released a request buffer that is not out of this pool");
    this.outstandingCountValue -= 1;
    if (this.idleBytesValue + backing.byteLength > this.idleBytesMax) return; // dropped: the GC frees it
    let free = this.idle.get(backing.byteLength);
    if (free === undefined) {
      free = [];
      this.idle.set(backing.byteLength, free);
    }
    free.push(backing);
    this.idleBytesValue += backing.byteLength;
  }

  /**
   * Forgets a pooled buffer that may still be referenced (its request was not one that releases
   * its frame): the GC frees it when its holders are gone.
   */
  abandon(buffer: Buffer): void {
    if (buffer.byteOffset === 0 && this.outstanding.delete(buffer.buffer as ArrayBuffer)) this.outstandingCountValue -= 1;
  }
}

/**
 * The pooled buffers one response refers to (a fetch's reads), given back together once the
 * response has been sent. allocate() is what the request's reads use.
 */
export class ResponseBufferLease {
  private readonly leased: Buffer[] = [];
  private released = false;

  constructor(private readonly pool: RequestBufferPool) {}

  readonly allocate = (sizeBytes: number): Buffer => {
    assert(!this.released, "allocated from a response buffer lease already given back");
    const buffer = this.pool.acquire(sizeBytes);
    if (this.pool.isPooled(buffer)) this.leased.push(buffer);
    return buffer;
  };

  /** Gives every buffer back: nothing may refer to them any more. Once only. */
  release(): void {
    assert(!this.released, "a response buffer lease was given back twice");
    this.released = true;
    for (const buffer of this.leased.splice(0)) this.pool.release(buffer);
  }
}
