// Reusable receive buffers for large request frames. A frame that arrives in several socket reads
// is assembled into one contiguous buffer; allocating a fresh one per request (a megabyte per
// produce request under load) costs malloc, page faults and garbage for the GC: such buffers
// often live through a scavenge, are promoted, and then wait for a full collection, which is
// what drove the broker's resident memory up. A buffer whose request is known to leave no
// reference to it behind (the dispatcher says so per request: Produce, once its appends settled)
// comes back here and takes the next frame.
//
// Buffers are handed out in size classes (four per power of two, so at most a quarter of a buffer
// is never used, and those pages are never touched), tracked while out so a foreign or twice
// returned buffer is a programmer error, and bounded: at most IDLE_BYTES_MAX wait here; frames
// outside [POOLED_FRAME_BYTES_MIN, POOLED_FRAME_BYTES_MAX] get a buffer of their own as before.

import { assert } from "../lib/assert.js";

/** Below this a frame is cheap to allocate (and small ones come from Node's shared slab). */
export const POOLED_FRAME_BYTES_MIN = 64 * 1024;
/** Above this frames are rare (the default socket.request.max.bytes is 100 MiB): no pooling. */
export const POOLED_FRAME_BYTES_MAX = 16 * 1024 * 1024;
/** Idle buffers kept for reuse: a few dozen produce requests of the usual 1 MiB. */
export const IDLE_BYTES_MAX = 32 * 1024 * 1024;
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
  /** Backing stores handed out and not yet released. */
  private readonly outstanding = new Set<ArrayBuffer>();

  constructor(private readonly idleBytesMax = IDLE_BYTES_MAX) {}

  get idleBytes(): number {
    return this.idleBytesValue;
  }

  get outstandingCount(): number {
    return this.outstanding.size;
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
    return Buffer.from(backing, 0, sizeBytes);
  }

  /** Whether buffer came from acquire() with a pooled backing store that is still out. */
  isPooled(buffer: Buffer): boolean {
    return buffer.byteOffset === 0 && this.outstanding.has(buffer.buffer as ArrayBuffer);
  }

  /**
   * Takes back a pooled buffer from acquire(). The caller promises that nothing refers to it any
   * more: the next frame overwrites it.
   */
  release(buffer: Buffer): void {
    const backing = buffer.buffer as ArrayBuffer;
    assert(buffer.byteOffset === 0 && this.outstanding.delete(backing), "released a request buffer that is not out of this pool");
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
    if (buffer.byteOffset === 0) this.outstanding.delete(buffer.buffer as ArrayBuffer);
  }
}
