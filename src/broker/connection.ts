// One client connection: 4-byte size framing, requests processed in arrival order, responses
// written in the same order, and backpressure.
//
// Order: a request starts once the one before it was answered, as in Kafka, so a connection's
// requests never overtake each other. The exception is a run of requests the processor may
// pipeline (Produce): the next starts as soon as the one before it is dispatched (its appends
// queued in order), at most PIPELINED_REQUESTS_MAX at once, so a producer's requests are
// validated while the writes of the ones before them run; they are still answered in order.
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
//   responses holds at most that much plus the responses of the requests in processing (small
//   requests can ask for big ones; only Produce requests, with small responses, run several).
// Stopping to read is socket.pause(): what was already read stays (at most one socket read,
// 64 KiB, beyond the reserved frame), the rest waits in the kernel and then in the client.
//
// Receiving: a frame that lies whole in one socket read is handed on as a view of it; one that
// spans reads is copied, read by read, into a buffer taken when its size prefix arrives (large
// ones from the shared RequestBufferPool), so the socket's buffers die young. When the processor
// says a request left no reference to its frame (FrameOutcome.frameReleased), a pooled buffer
// goes back to the pool for the next frame.
//
// Closing: when the broker closes a connection (a bad frame, shutdown), queued requests are
// dropped. When the peer closes it, the requests it sent whole are still processed and only their
// answers dropped, as Kafka does: an acks=0 producer may close right after its last send.

import type { Socket } from "node:net";
import type { Logger } from "../lib/logger.js";
import { errorMessage } from "../lib/errors.js";
import type { RequestAdmission } from "./request-admission.js";
import type { RequestBufferPool } from "./request-buffers.js";

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
  | {
      readonly kind: "response";
      readonly chunks: readonly Buffer[];
      readonly frameReleased?: boolean;
      /** Called once the chunks were handed to the kernel, or will never be (connection closed): they may then be reused. */
      readonly onSent?: () => void;
    }
  /** Nothing to send (a Produce with acks=0). */
  | { readonly kind: "none"; readonly frameReleased?: boolean }
  /** The frame was not a valid request: close this connection (Kafka's behaviour). */
  | { readonly kind: "close"; readonly reason: string };
// frameReleased: nothing refers to the frame's bytes any more (not the response chunks either),
// so its buffer may be reused for another frame. Absent means it may still be referenced.

export interface FrameProcessor {
  /**
   * Processes one request frame. The processor may call `dispatched` (at most once, before the
   * promise settles) to say the request's order-sensitive work is done (a Produce: every append
   * queued, so its offsets come before those of any later request); a request canPipeline allows
   * may then start before this one is answered.
   */
  process(connection: Connection, frame: Buffer, dispatched: () => void): Promise<FrameOutcome>;
  /** Whether this frame may start while earlier, dispatched requests are still being processed. */
  canPipeline?(frame: Buffer): boolean;
}

/**
 * Requests one connection may have in processing at once when they may be pipelined (consecutive
 * Produce requests): as many as clients keep in flight by default (librdkafka and the Java
 * client: 5), so a producer's requests overlap the writes of the ones before them.
 */
export const PIPELINED_REQUESTS_MAX = 5;

/** A request handed to the processor and not yet answered. */
interface InFlightRequest {
  readonly frame: Buffer;
  /** Its order-sensitive work is done (or it finished): a pipelinable request may start behind it. */
  dispatched: boolean;
  /** What processing produced; null while it runs. */
  outcome: FrameOutcome | null;
}

const SIZE_PREFIX_BYTES = 4;
/** Size prefix not read yet. */
const NO_FRAME = -1;

export class Connection {
  /** Socket reads not yet taken into frames (the first may be partly taken: see receivedStart). */
  private readonly receivedChunks: Buffer[] = [];
  /** Bytes of receivedChunks[0] already taken. */
  private receivedStart = 0;
  /** Bytes in receivedChunks not yet taken. */
  private receivedBytes = 0;
  /** Body size of the frame being received, reserved from the pool; NO_FRAME before its prefix. */
  private frameBytes = NO_FRAME;
  /** The buffer the frame being received is copied into (null: not started, or taken as a view). */
  private frame: Buffer | null = null;
  /** Bytes of `frame` filled so far. */
  private frameFilled = 0;
  /** Whole requests waiting to be processed; each holds frame.length bytes of the pool. */
  private readonly queue: Buffer[] = [];
  /** Requests in processing or waiting for their turn to be answered, in arrival order; each holds its frame's pool bytes. */
  private readonly inFlight: InFlightRequest[] = [];
  private pumping = false;
  private pumpScheduled = false;
  private closed = false;
  /** Closed by the peer: requests it sent whole are still processed; nothing is answered. */
  private peerGone = false;
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

  /** The broker's pool of large request and response buffers. */
  get buffers(): RequestBufferPool {
    return this.admission.buffers;
  }

  /** Bytes read from the socket and not yet handed to the processor (for tests and metrics). */
  get bufferedBytes(): number {
    return this.receivedBytes + this.frameFilled;
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    this.receivedChunks.push(chunk);
    this.receivedBytes += chunk.length;
    this.pump();
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
        this.skipReceived(SIZE_PREFIX_BYTES);
        this.frameBytes = frameBytes;
        this.startFrame();
      }
      if (this.frame !== null) {
        this.fillFrame();
        if (this.frameFilled < this.frameBytes) return;
      }
      if (this.admission.isQueueFull) return; // updateReadPause waits for room
      const frame = this.frame ?? this.takeView();
      this.frame = null;
      this.frameFilled = 0;
      this.frameBytes = NO_FRAME;
      this.queue.push(frame);
      this.admission.requestQueued();
    }
  }

  /**
   * A frame whose bytes all sit in the first received chunk is taken as a view of it when complete
   * (no copy); otherwise its buffer is taken now and filled as reads arrive.
   */
  private startFrame(): void {
    const first = this.receivedChunks[0];
    if (this.frameBytes === 0 || (first !== undefined && first.length - this.receivedStart >= this.frameBytes)) return;
    this.frame = this.admission.buffers.acquire(this.frameBytes);
    this.frameFilled = 0;
  }

  /** The complete frame, when startFrame found it whole in the first chunk. */
  private takeView(): Buffer {
    if (this.frameBytes === 0) return Buffer.alloc(0);
    const first = this.receivedChunks[0];
    const view = first.subarray(this.receivedStart, this.receivedStart + this.frameBytes);
    this.skipReceived(this.frameBytes);
    return view;
  }

  /** Copies received bytes into the frame being assembled, up to its size. */
  private fillFrame(): void {
    const frame = this.frame!;
    while (this.frameFilled < frame.length && this.receivedBytes > 0) {
      const chunk = this.receivedChunks[0];
      const take = Math.min(chunk.length - this.receivedStart, frame.length - this.frameFilled);
      chunk.copy(frame, this.frameFilled, this.receivedStart, this.receivedStart + take);
      this.frameFilled += take;
      this.skipReceived(take);
    }
  }

  private peekInt32(): number {
    const first = this.receivedChunks[0];
    if (first.length - this.receivedStart >= SIZE_PREFIX_BYTES) return first.readInt32BE(this.receivedStart);
    const head = Buffer.alloc(SIZE_PREFIX_BYTES);
    let filled = 0;
    let start = this.receivedStart;
    for (const chunk of this.receivedChunks) {
      filled += chunk.copy(head, filled, start, Math.min(chunk.length, start + SIZE_PREFIX_BYTES - filled));
      start = 0;
      if (filled === SIZE_PREFIX_BYTES) break;
    }
    return head.readInt32BE(0);
  }

  /** Drops byteCount received bytes (already taken into a frame, or the size prefix). */
  private skipReceived(byteCount: number): void {
    this.receivedBytes -= byteCount;
    let left = byteCount;
    while (left > 0) {
      const available = this.receivedChunks[0].length - this.receivedStart;
      if (left < available) {
        this.receivedStart += left;
        return;
      }
      left -= available;
      this.receivedChunks.shift();
      this.receivedStart = 0;
    }
  }

  /**
   * Answers finished requests in order, takes in received frames and starts queued requests as
   * far as the limits allow. One request at a time, as Kafka does, except that consecutive
   * requests the processor may pipeline start once the one before them is dispatched.
   */
  private pump(pipelinedStartAllowed = false): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        this.answerFinished();
        this.extractFrames();
        if (!this.mayStartNext()) break;
        if (this.inFlight.length > 0) {
          // A pipelined start waits for a turn of the event loop, so the writes of the requests
          // already dispatched are issued (the append pipeline issues them from setImmediate) and
          // run while this one is processed.
          if (!pipelinedStartAllowed) {
            this.schedulePump();
            break;
          }
          pipelinedStartAllowed = false;
        }
        this.start(this.queue.shift()!);
      }
    } finally {
      this.pumping = false;
    }
    this.updateReadPause();
    if (this.queue.length === 0 && this.inFlight.length === 0 && this.idleResolve !== null) this.idleResolve();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump(true);
    });
  }

  private mayStartNext(): boolean {
    // Processing stops too, not only reading: small requests can ask for large responses.
    if (this.queue.length === 0) return false;
    if (this.closed ? !this.peerGone : this.isWriteBlocked) return false;
    const count = this.inFlight.length;
    if (count === 0) return true;
    if (count >= PIPELINED_REQUESTS_MAX || !this.inFlight[count - 1].dispatched) return false;
    return this.processor.canPipeline?.(this.queue[0]) === true;
  }

  private start(frame: Buffer): void {
    this.admission.requestDequeued();
    const request: InFlightRequest = { frame, dispatched: false, outcome: null };
    this.inFlight.push(request);
    const dispatched = (): void => {
      if (request.dispatched) return;
      request.dispatched = true;
      // Called during start() the pump loop sees it; called later, the pump must look again.
      if (!this.pumping) this.schedulePump();
    };
    let processing: Promise<FrameOutcome>;
    try {
      processing = this.processor.process(this, frame, dispatched);
    } catch (error) {
      processing = Promise.reject(error);
    }
    processing.then(
      (outcome) => this.finish(request, outcome),
      (error: unknown) => {
        // The processor answers every request error itself; reaching here is a bug in it.
        this.logger.error({ connection: this.id, err: error }, "request processing failed");
        this.finish(request, { kind: "close", reason: `internal error: ${errorMessage(error)}` });
      },
    );
  }

  private finish(request: InFlightRequest, outcome: FrameOutcome): void {
    request.outcome = outcome;
    request.dispatched = true;
    this.returnFrame(request.frame, outcome.kind !== "close" && outcome.frameReleased === true);
    this.pump();
  }

  /** Writes the responses of finished requests at the head, in order, and gives back their pool bytes. */
  private answerFinished(): void {
    while (this.inFlight.length > 0 && this.inFlight[0].outcome !== null) {
      const request = this.inFlight.shift()!;
      const outcome = request.outcome!;
      this.admission.pool.release(request.frame.length);
      if (this.closed) {
        if (outcome.kind === "response") outcome.onSent?.();
        continue;
      }
      if (outcome.kind === "close") {
        this.close(outcome.reason);
        continue;
      }
      this.requestCount++;
      if (outcome.kind === "response") this.write(outcome.chunks, outcome.onSent);
    }
  }

  /** True while the client has not read enough of its responses to be given more. */
  private get isWriteBlocked(): boolean {
    return this.socket.writableLength >= this.limits.unsentResponseBytesMax;
  }

  private onDrain(): void {
    if (!this.closed) this.pump();
  }

  /** A pooled frame buffer goes back for reuse when nothing refers to it any more; else the pool forgets it. */
  private returnFrame(frame: Buffer, released: boolean): void {
    const buffers = this.admission.buffers;
    if (!buffers.isPooled(frame)) return;
    if (released) buffers.release(frame);
    else buffers.abandon(frame);
  }

  /** Writes one response; onSent runs when its last chunk (so every chunk) left, or failed to. */
  private write(chunks: readonly Buffer[], onSent?: () => void): void {
    this.socket.cork();
    const last = chunks.length - 1;
    for (let index = 0; index < last; index++) this.socket.write(chunks[index]);
    // The callback also runs, with an error, when the socket is destroyed first.
    if (onSent === undefined) this.socket.write(chunks[last]);
    else this.socket.write(chunks[last], () => onSent());
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
    this.pump();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.logger.info({ connection: this.id, remote: `${this.remoteAddress}:${this.remotePort}`, reason }, "closing connection");
    this.closed = true;
    this.releaseAll();
    this.socket.destroy();
    this.finishClose();
  }

  /** Gives back every reservation and queue slot except those of requests in processing (answerFinished releases those). */
  private releaseAll(): void {
    for (const frame of this.queue.splice(0)) {
      this.admission.requestDequeued();
      this.admission.pool.release(frame.length);
      // Never handed to the processor: nothing else refers to it.
      this.returnFrame(frame, true);
    }
    this.releaseReceiving();
  }

  /** Gives back what the frame being received and the bytes not yet in frames hold, and stops waiting for room. */
  private releaseReceiving(): void {
    if (this.waitingForAdmission) {
      this.waitingForAdmission = false;
      this.admission.cancel(this.admissionWaiter);
    }
    const pool = this.admission.pool;
    if (this.frameBytes !== NO_FRAME) {
      pool.release(this.frameBytes);
      this.frameBytes = NO_FRAME;
    }
    if (this.frame !== null) {
      this.returnFrame(this.frame, true);
      this.frame = null;
      this.frameFilled = 0;
    }
    this.receivedChunks.length = 0;
    this.receivedStart = 0;
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
    if (this.inFlight.length > 0 || this.queue.length > 0) {
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
      // The peer went away (or the socket failed): nothing more will be read or answered, but
      // the requests it sent whole are still processed, as Kafka handles what it had received
      // before a disconnect: a producer with acks=0 closes right after its last send.
      this.extractFrames();
      this.closed = true;
      this.peerGone = true;
      this.releaseReceiving();
      this.pump();
    }
    this.idleResolve?.();
    this.onClosed(this);
  }
}
