// One client connection: 4-byte size framing, requests processed one at a time in arrival order
// (as Kafka does: a connection's requests never overtake each other, which keeps pipelined
// produce requests in order), responses written in the same order, and backpressure.
//
// Memory a connection can make the broker hold is bounded on every side:
// - a frame claiming more than socket.request.max.bytes (or a negative size) closes the
//   connection before anything is allocated for it;
// - a frame's size is reserved from the shared MemoryPool (queued.max.request.bytes) when its
//   size prefix is read, before its body is buffered, and released once it is answered; while the
//   pool is exhausted, connections without a reservation stop reading;
// - whole requests wait in a per-connection queue of at most queuedRequestsPerConnectionMax, and
//   in the broker-wide count of queued.max.requests; past either, reading stops;
// - response bytes the client has not read (socket.writableLength) above unsentResponseBytesMax
//   stop both reading and processing until the socket drains, so a client that never reads its
//   responses holds at most that much plus one response (small requests can ask for big ones).
// Stopping to read is socket.pause(): what was already read stays (at most one socket read,
// 64 KiB, beyond the reserved frame), the rest waits in the kernel and then in the client.

import type { Socket } from "node:net";
import type { Logger } from "../lib/logger.js";
import { errorMessage } from "../lib/errors.js";
import type { RequestAdmission } from "./request-admission.js";

export interface ConnectionLimits {
  /** socket.request.max.bytes: a frame claiming more closes the connection before any allocation. */
  readonly socketRequestMaxBytes: number;
  /** connections.max.idle.ms: close a connection with no traffic for this long; negative disables. */
  readonly connectionsMaxIdleMs: number;
  /** Whole requests one connection may have waiting to be processed before it stops reading. */
  readonly queuedRequestsPerConnectionMax: number;
  /** Stop reading while this many response bytes wait in the socket for the client to read. */
  readonly unsentResponseBytesMax: number;
}

/** What processing one request frame produced. */
export type FrameOutcome =
  | { readonly kind: "response"; readonly chunks: readonly Buffer[] }
  /** Nothing to send (a Produce with acks=0). */
  | { readonly kind: "none" }
  /** The frame was not a valid request: close this connection (Kafka's behaviour). */
  | { readonly kind: "close"; readonly reason: string };

export interface FrameProcessor {
  process(connection: Connection, frame: Buffer): Promise<FrameOutcome>;
}

const SIZE_PREFIX_BYTES = 4;
/** Size prefix not read yet. */
const NO_FRAME = -1;

export class Connection {
  private readonly receivedChunks: Buffer[] = [];
  private receivedBytes = 0;
  /** Body size of the frame being received, reserved from the pool; NO_FRAME before its prefix. */
  private frameBytes = NO_FRAME;
  /** Whole requests waiting to be processed; each holds frame.length bytes of the pool. */
  private readonly queue: Buffer[] = [];
  /** Pool bytes held by the request being processed. */
  private processingBytes = 0;
  private processing = false;
  private closed = false;
  private draining = false;
  private readPaused = false;
  private waitingForAdmission = false;
  private idleResolve: (() => void) | null = null;
  private readonly admissionWaiter = (): void => this.onAdmissionRoom();
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Requests answered on this connection; for logs and tests. */
  requestCount = 0;

  constructor(
    readonly id: string,
    readonly listenerName: string,
    private readonly socket: Socket,
    private readonly processor: FrameProcessor,
    private readonly limits: ConnectionLimits,
    private readonly admission: RequestAdmission,
    private readonly logger: Logger,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "unknown";
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    if (limits.connectionsMaxIdleMs > 0) {
      socket.setTimeout(limits.connectionsMaxIdleMs);
      socket.on("timeout", () => this.close(`idle for ${limits.connectionsMaxIdleMs} ms (connections.max.idle.ms)`));
    }
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.onDrain());
    socket.on("error", (error) => this.logger.debug({ connection: id, err: errorMessage(error) }, "socket error"));
    socket.on("close", () => this.finishClose());
    // A connection accepted while the shared limits are exhausted must not read either.
    this.updateReadPause();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes read from the socket and not yet handed to the processor (for tests and metrics). */
  get bufferedBytes(): number {
    return this.receivedBytes;
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    this.receivedChunks.push(chunk);
    this.receivedBytes += chunk.length;
    this.extractFrames();
    this.updateReadPause();
    void this.processQueue();
  }

  /** Moves whole frames from the received bytes to the queue, as far as the limits allow. */
  private extractFrames(): void {
    while (!this.closed && this.queue.length < this.limits.queuedRequestsPerConnectionMax) {
      if (this.frameBytes === NO_FRAME) {
        if (this.receivedBytes < SIZE_PREFIX_BYTES) return;
        const frameBytes = this.peekInt32();
        if (frameBytes < 0 || frameBytes > this.limits.socketRequestMaxBytes) {
          this.close(`request frame of ${frameBytes} bytes is outside [0, ${this.limits.socketRequestMaxBytes}] (socket.request.max.bytes)`);
          return;
        }
        if (!this.admission.pool.tryAllocate(frameBytes)) return; // updateReadPause waits for memory
        this.consume(SIZE_PREFIX_BYTES);
        this.frameBytes = frameBytes;
      }
      if (this.receivedBytes < this.frameBytes) return;
      if (this.admission.isQueueFull) return; // updateReadPause waits for room
      const frame = this.consume(this.frameBytes);
      this.frameBytes = NO_FRAME;
      this.queue.push(frame);
      this.admission.requestQueued();
    }
  }

  private peekInt32(): number {
    const first = this.receivedChunks[0];
    if (first.length >= SIZE_PREFIX_BYTES) return first.readInt32BE(0);
    const head = Buffer.concat(this.receivedChunks, Math.min(this.receivedBytes, 16));
    return head.readInt32BE(0);
  }

  /** Removes and returns the next byteCount received bytes (a view when they sit in one chunk). */
  private consume(byteCount: number): Buffer {
    this.receivedBytes -= byteCount;
    const first = this.receivedChunks[0];
    if (byteCount === 0) return Buffer.alloc(0);
    if (first.length >= byteCount) {
      const result = first.subarray(0, byteCount);
      if (first.length === byteCount) this.receivedChunks.shift();
      else this.receivedChunks[0] = first.subarray(byteCount);
      return result;
    }
    const result = Buffer.allocUnsafe(byteCount);
    let filled = 0;
    while (filled < byteCount) {
      const chunk = this.receivedChunks[0];
      const take = Math.min(chunk.length, byteCount - filled);
      chunk.copy(result, filled, 0, take);
      filled += take;
      if (take === chunk.length) this.receivedChunks.shift();
      else this.receivedChunks[0] = chunk.subarray(take);
    }
    return result;
  }

  private async processQueue(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        // Processing stops too, not only reading: small requests can ask for large responses.
        if (this.isWriteBlocked) break;
        const frame = this.queue.shift()!;
        this.admission.requestDequeued();
        this.processingBytes = frame.length;
        this.extractFrames();
        this.updateReadPause();
        let outcome: FrameOutcome;
        try {
          outcome = await this.processor.process(this, frame);
        } catch (error) {
          // The processor answers every request error itself; reaching here is a bug in it.
          this.logger.error({ connection: this.id, err: error }, "request processing failed");
          outcome = { kind: "close", reason: `internal error: ${errorMessage(error)}` };
        }
        if (this.closed) break;
        if (outcome.kind === "close") {
          this.close(outcome.reason);
          break;
        }
        this.requestCount++;
        if (outcome.kind === "response") this.write(outcome.chunks);
        this.releaseProcessing();
      }
    } finally {
      this.releaseProcessing();
      this.processing = false;
      this.extractFrames();
      this.updateReadPause();
      if (this.queue.length === 0 && this.idleResolve !== null) this.idleResolve();
    }
    // Frames extracted after the loop ended (room returned in the finally above) still need a turn.
    if (this.queue.length > 0 && !this.closed && !this.isWriteBlocked) void this.processQueue();
  }

  /** True while the client has not read enough of its responses to be given more. */
  private get isWriteBlocked(): boolean {
    return this.socket.writableLength >= this.limits.unsentResponseBytesMax;
  }

  private onDrain(): void {
    this.updateReadPause();
    if (this.queue.length > 0 && !this.closed) void this.processQueue();
  }

  private releaseProcessing(): void {
    if (this.processingBytes === 0) return;
    const bytes = this.processingBytes;
    this.processingBytes = 0;
    this.admission.pool.release(bytes);
  }

  private write(chunks: readonly Buffer[]): void {
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
  }

  /** Pauses reading while any limit is reached; waits on the shared limits to be woken. */
  private updateReadPause(): void {
    if (this.closed) return;
    const pool = this.admission.pool;
    // A connection holding a reservation for a frame it is still receiving keeps reading (its
    // memory is already accounted for), as Kafka keeps such channels unmuted.
    const blockedByPool = this.frameBytes === NO_FRAME && pool.isOutOfMemory;
    const blockedByQueue = this.admission.isQueueFull;
    const blockedLocally =
      this.draining ||
      this.queue.length >= this.limits.queuedRequestsPerConnectionMax ||
      this.isWriteBlocked;
    if ((blockedByPool || blockedByQueue) && !this.waitingForAdmission) {
      this.waitingForAdmission = true;
      this.admission.wait(this.admissionWaiter);
    }
    const paused = blockedByPool || blockedByQueue || blockedLocally;
    if (paused && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!paused && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private onAdmissionRoom(): void {
    this.waitingForAdmission = false;
    if (this.closed) return;
    this.extractFrames();
    this.updateReadPause();
    void this.processQueue();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.logger.info({ connection: this.id, remote: `${this.remoteAddress}:${this.remotePort}`, reason }, "closing connection");
    this.closed = true;
    this.releaseAll();
    this.socket.destroy();
    this.finishClose();
  }

  /** Gives back every reservation and queue slot except the request being processed (processQueue releases that). */
  private releaseAll(): void {
    if (this.waitingForAdmission) {
      this.waitingForAdmission = false;
      this.admission.cancel(this.admissionWaiter);
    }
    const pool = this.admission.pool;
    for (const frame of this.queue.splice(0)) {
      this.admission.requestDequeued();
      pool.release(frame.length);
    }
    if (this.frameBytes !== NO_FRAME) {
      pool.release(this.frameBytes);
      this.frameBytes = NO_FRAME;
    }
    this.receivedChunks.length = 0;
    this.receivedBytes = 0;
  }

  /**
   * Graceful shutdown: stop reading, finish the requests already received, flush their
   * responses, then close. Gives up after timeoutMs.
   */
  async drainAndClose(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.draining = true;
    this.updateReadPause();
    // These timers are deliberately not unref'd: a draining broker stays alive until its
    // clients are answered or the grace period ends.
    if (this.processing || this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleResolve = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.socket.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.closed = true;
    this.releaseAll();
    this.socket.destroy();
    this.finishClose();
  }

  private finished = false;

  private finishClose(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.closed) {
      // The peer went away (or the socket failed): nothing more will be read or answered.
      this.closed = true;
      this.releaseAll();
    }
    this.idleResolve?.();
    this.onClosed(this);
  }
}
