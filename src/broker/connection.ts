// One client connection: 4-byte size framing, requests processed one at a time in arrival order
// (as Kafka does: a connection's requests never overtake each other, which keeps pipelined
// produce requests in order), responses written in the same order, and backpressure that stops
// reading from a client that sends faster than it is served or does not read its responses.

import type { Socket } from "node:net";
import type { Logger } from "../lib/logger.js";
import { errorMessage } from "../lib/errors.js";

export interface ConnectionLimits {
  /** socket.request.max.bytes: a frame claiming more closes the connection before any allocation. */
  readonly socketRequestMaxBytes: number;
  /** connections.max.idle.ms: close a connection with no traffic for this long. */
  readonly connectionsMaxIdleMs: number;
  /** Stop reading while this many received requests wait to be processed. */
  readonly queuedRequestsMax: number;
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

export class Connection {
  private readonly receivedChunks: Buffer[] = [];
  private receivedBytes = 0;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private processing = false;
  private closed = false;
  private draining = false;
  private readPaused = false;
  private idleResolve: (() => void) | null = null;
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
    private readonly logger: Logger,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    this.remoteAddress = socket.remoteAddress ?? "unknown";
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.setTimeout(limits.connectionsMaxIdleMs);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.updateReadPause());
    socket.on("timeout", () => this.close(`idle for ${limits.connectionsMaxIdleMs} ms (connections.max.idle.ms)`));
    socket.on("error", (error) => this.logger.debug({ connection: id, err: errorMessage(error) }, "socket error"));
    socket.on("close", () => this.finishClose());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    this.receivedChunks.push(chunk);
    this.receivedBytes += chunk.length;
    while (this.receivedBytes >= SIZE_PREFIX_BYTES) {
      const frameBytes = this.peekInt32();
      if (frameBytes < 0 || frameBytes > this.limits.socketRequestMaxBytes) {
        this.close(
          `request frame of ${frameBytes} bytes is outside [0, ${this.limits.socketRequestMaxBytes}] (socket.request.max.bytes)`,
        );
        return;
      }
      if (this.receivedBytes < SIZE_PREFIX_BYTES + frameBytes) break;
      this.consume(SIZE_PREFIX_BYTES);
      const frame = this.consume(frameBytes);
      this.queue.push(frame);
      this.queuedBytes += frame.length;
    }
    this.updateReadPause();
    void this.processQueue();
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
        const frame = this.queue.shift()!;
        this.queuedBytes -= frame.length;
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
      }
    } finally {
      this.processing = false;
      this.updateReadPause();
      if (this.queue.length === 0 && this.idleResolve !== null) this.idleResolve();
    }
  }

  private write(chunks: readonly Buffer[]): void {
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
  }

  /** Pauses reading while requests pile up or the client is not reading its responses. */
  private updateReadPause(): void {
    if (this.closed) return;
    const overloaded =
      this.queue.length >= this.limits.queuedRequestsMax ||
      this.socket.writableLength >= this.limits.unsentResponseBytesMax ||
      this.draining;
    if (overloaded && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!overloaded && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  close(reason: string): void {
    if (this.closed) return;
    this.logger.info({ connection: this.id, remote: `${this.remoteAddress}:${this.remotePort}`, reason }, "closing connection");
    this.closed = true;
    this.queue.length = 0;
    this.socket.destroy();
    this.finishClose();
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
    this.socket.destroy();
    this.finishClose();
  }

  private finished = false;

  private finishClose(): void {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    this.idleResolve?.();
    this.onClosed(this);
  }
}
