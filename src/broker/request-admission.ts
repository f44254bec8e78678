// The limits every connection shares before it may read another request: queued.max.requests
// (Kafka's request queue: requests received whole but not yet picked up for processing, summed
// over all connections) and queued.max.request.bytes (the MemoryPool for the bytes of requests
// received but not yet answered). When either is exhausted, connections stop reading; they wait
// here and are woken, oldest first, when room returns. One object per broker, owned by the
// SocketServer. It also carries the reusable buffers large frames are assembled in.

import { assert } from "../lib/assert.js";
import type { MemoryPool } from "./memory-pool.js";
import { RequestBufferPool } from "./request-buffers.js";

/** Called when room may have returned; the connection re-checks and waits again if not. */
export type AdmissionWaiter = () => void;

export class RequestAdmission {
  private queuedRequestsValue = 0;
  private readonly waiters = new Set<AdmissionWaiter>();

  constructor(
    /** queued.max.requests */
    readonly queuedRequestsMax: number,
    readonly pool: MemoryPool,
    /** Where connections assemble frames that span socket reads. */
    readonly buffers: RequestBufferPool = new RequestBufferPool(),
  ) {
    assert(Number.isSafeInteger(queuedRequestsMax) && queuedRequestsMax >= 1, `queued.max.requests must be at least 1, got ${queuedRequestsMax}`);
    pool.onAvailable(() => this.wake());
  }

  get queuedRequests(): number {
    return this.queuedRequestsValue;
  }

  get isQueueFull(): boolean {
    return this.queuedRequestsValue >= this.queuedRequestsMax;
  }

  /** Connections blocked on a shared limit right now. */
  get waitingCount(): number {
    return this.waiters.size;
  }

  /** A whole request entered a connection's queue. */
  requestQueued(): void {
    this.queuedRequestsValue += 1;
  }

  /** A request left a connection's queue (processing started, or the connection closed). */
  requestDequeued(): void {
    assert(this.queuedRequestsValue > 0, "request queue count went negative");
    const wasFull = this.isQueueFull;
    this.queuedRequestsValue -= 1;
    if (wasFull && !this.isQueueFull) this.wake();
  }

  wait(waiter: AdmissionWaiter): void {
    this.waiters.add(waiter);
  }

  cancel(waiter: AdmissionWaiter): void {
    this.waiters.delete(waiter);
  }

  /**
   * Wakes waiters in the order they began waiting, until the limits are hit again: the rest keep
   * waiting, so a release wakes only as many connections as can use it.
   */
  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (this.isQueueFull || this.pool.isOutOfMemory) return;
      this.waiters.delete(waiter);
      waiter();
    }
  }
}
