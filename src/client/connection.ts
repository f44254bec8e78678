// A minimal Kafka protocol connection for our own tools (CLI, perf tools, tests): frames requests
// with the generated codecs, matches responses by correlation id, allows pipelining.
// It talks to any Kafka-compatible broker; it knows nothing of Tributary's internals.
//
// Bounds: a response frame is at most RESPONSE_BYTES_MAX; at most maxInFlightRequests requests
// await a response (later sends wait their turn, in order, without being written); a request
// unanswered after its timeout fails the whole connection, because responses come back in
// request order and nothing behind a lost one can be trusted (Kafka's clients do the same).

import { connect, type Socket } from "node:net";
import { API_DEFINITIONS, apiName } from "../protocol/generated/index.js";
import { readResponseHeader, writeRequestHeader } from "../protocol/headers.js";
import { Reader } from "../protocol/primitives/reader.js";
import { Writer } from "../protocol/primitives/writer.js";
import type { MessageCodec } from "../protocol/codec.js";
import { errorCode as systemErrorCode, errorMessage } from "../lib/errors.js";

/** Responses larger than this are refused: a client must not be talked into unbounded memory. */
const RESPONSE_BYTES_MAX = 512 * 1024 * 1024;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Kafka's request.timeout.ms default. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Enough pipelining for a producer to keep a fast broker busy; far below any broker's queue limit. */
const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 64;
/** Sends waiting for an in-flight slot: callers bound themselves; this catches a runaway loop. */
const WAITING_SENDS_MAX = 100_000;
const FRAME_SIZE_BYTES = 4;
/** How long close() lets unsent bytes drain before it drops the socket. */
const CLOSE_GRACE_MS = 1_000;

interface Pending {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly decode: MessageCodec<unknown>["decode"];
  readonly timer: NodeJS.Timeout;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface WaitingSend {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly request: unknown;
  readonly timeoutMs: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class ConnectionClosedError extends Error {
  override name = "ConnectionClosedError";
}

/** The TCP connection could not be made; `code` is the system error (ECONNREFUSED, ETIMEDOUT, ...). */
export class ConnectError extends Error {
  override name = "ConnectError";
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(`cannot connect to ${formatAddress(host, port)}: ${code}`);
  }
}

/** A response that does not decode as the API and version asked for: the broker speaks it differently. */
export class ResponseDecodeError extends Error {
  override name = "ResponseDecodeError";
}

/** A request got no response in time; the connection is closed with it. */
export class RequestTimeoutError extends ConnectionClosedError {
  override name = "RequestTimeoutError";
}

export interface ConnectOptions {
  readonly clientId?: string;
  readonly connectTimeoutMs?: number;
  /** Default time a request may wait for its response (send() can override it). */
  readonly requestTimeoutMs?: number;
  readonly maxInFlightRequests?: number;
}

export interface SendOptions {
  /** Overrides the connection's request timeout (a long-polling Fetch needs its max wait on top). */
  readonly timeoutMs?: number;
}

/** host:port, with IPv6 literals in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export class KafkaConnection {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: WaitingSend[] = [];
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** Size of the frame being received (body only), or -1 until its size prefix is complete. */
  private frameBytes = -1;
  private closedError: Error | null = null;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlightRequests: number;

  private constructor(
    private readonly socket: Socket,
    readonly clientId: string,
    readonly host: string,
    readonly port: number,
    options: ConnectOptions,
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxInFlightRequests = options.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT_REQUESTS;
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(new ConnectionClosedError(`connection to ${this.address} failed: ${systemErrorCode(error) ?? error.message}`)));
    socket.on("close", () => this.fail(new ConnectionClosedError(`connection to ${this.address} closed by the broker`)));
  }

  static connect(host: string, port: number, options: ConnectOptions = {}): Promise<KafkaConnection> {
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectError(host, port, `ETIMEDOUT (no answer within ${connectTimeoutMs} ms)`));
      }, connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new KafkaConnection(socket, options.clientId ?? "tributary-cli", host, port, options));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new ConnectError(host, port, systemErrorCode(error) ?? errorMessage(error)));
      });
    });
  }

  get address(): string {
    return formatAddress(this.host, this.port);
  }

  /** Bytes written to the socket and not yet handed to the operating system. */
  get bufferedWriteBytes(): number {
    return this.socket.writableLength;
  }

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.pending.size;
  }

  /** Sends a request and resolves to the decoded response. */
  send<Response>(apiKey: number, apiVersion: number, request: unknown, options: SendOptions = {}): Promise<Response> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (!API_DEFINITIONS.has(apiKey)) return Promise.reject(new Error(`unknown api key ${apiKey}`));
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<Response>((resolve, reject) => {
      const send: WaitingSend = { apiKey, apiVersion, request, timeoutMs, resolve: resolve as (value: unknown) => void, reject };
      if (this.pending.size < this.maxInFlightRequests && this.waiting.length === 0) {
        this.start(send);
      } else if (this.waiting.length >= WAITING_SENDS_MAX) {
        reject(new Error(`more than ${WAITING_SENDS_MAX} requests are waiting to be sent to ${this.address}`));
      } else {
        this.waiting.push(send);
      }
    });
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendWithoutResponse(apiKey: number, apiVersion: number, request: unknown): void {
    if (this.closedError !== null) throw this.closedError;
    this.write(apiKey, apiVersion, request);
  }

  /** Resolves once everything written so far has been handed to the operating system. */
  whenWritten(): Promise<void> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.socket.off("close", onClose);
        resolve();
      };
      const onClose = (): void => {
        this.socket.off("drain", onDrain);
        reject(this.closedError ?? new ConnectionClosedError(`connection to ${this.address} closed`));
      };
      this.socket.once("drain", onDrain);
      this.socket.once("close", onClose);
    });
  }

  private start(send: WaitingSend): void {
    let correlationId: number;
    try {
      correlationId = this.write(send.apiKey, send.apiVersion, send.request);
    } catch (error) {
      send.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const timer = setTimeout(() => {
      this.fail(new RequestTimeoutError(`${apiName(send.apiKey)} request to ${this.address} got no response within ${send.timeoutMs} ms`));
      this.socket.destroy();
    }, send.timeoutMs);
    timer.unref();
    this.pending.set(correlationId, {
      apiKey: send.apiKey,
      apiVersion: send.apiVersion,
      decode: API_DEFINITIONS.get(send.apiKey)!.response.decode,
      timer,
      resolve: send.resolve,
      reject: send.reject,
    });
  }

  /** Frames and writes one request; returns its correlation id. */
  private write(apiKey: number, apiVersion: number, request: unknown): number {
    const definition = API_DEFINITIONS.get(apiKey);
    if (definition === undefined) throw new Error(`unknown api key ${apiKey}`);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId === 0x7fff_ffff ? 1 : correlationId + 1;
    const writer = new Writer(256);
    writer.int32(0);
    writeRequestHeader(writer, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: this.clientId });
    definition.request.encode(writer, apiVersion, request);
    const chunks = writer.finish();
    chunks[0].writeInt32BE(writer.length - FRAME_SIZE_BYTES, 0);
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
    return correlationId;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (this.frameBytes < 0) {
        if (this.bufferedBytes < FRAME_SIZE_BYTES) return;
        if (this.chunks[0].length < FRAME_SIZE_BYTES) this.chunks = [Buffer.concat(this.chunks, this.bufferedBytes)];
        const size = this.chunks[0].readInt32BE(0);
        if (size < 0 || size > RESPONSE_BYTES_MAX) {
          this.fail(new ConnectionClosedError(`response frame of ${size} bytes from ${this.address} is out of bounds`));
          this.socket.destroy();
          return;
        }
        this.frameBytes = size;
      }
      // Chunks are joined once per frame, when it is complete, never once per chunk.
      const frameEnd = FRAME_SIZE_BYTES + this.frameBytes;
      if (this.bufferedBytes < frameEnd) return;
      const buffer = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bufferedBytes);
      const frame = buffer.subarray(FRAME_SIZE_BYTES, frameEnd);
      const rest = buffer.subarray(frameEnd);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.bufferedBytes = rest.length;
      this.frameBytes = -1;
      this.onFrame(frame);
      if (this.closedError !== null) return;
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.pending.get(correlationId);
    if (pending === undefined) {
      this.fail(new ConnectionClosedError(`response with unknown correlation id ${correlationId} from ${this.address}`));
      this.socket.destroy();
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(pending.timer);
    try {
      const reader = new Reader(frame);
      readResponseHeader(reader, pending.apiKey, pending.apiVersion);
      pending.resolve(pending.decode(reader, pending.apiVersion));
    } catch (error) {
      pending.reject(new ResponseDecodeError(`bad ${apiName(pending.apiKey)} v${pending.apiVersion} response from ${this.address}: ${errorMessage(error)}`));
    }
    while (this.waiting.length > 0 && this.pending.size < this.maxInFlightRequests && this.closedError === null) {
      this.start(this.waiting.shift()!);
    }
  }

  private fail(error: Error): void {
    if (this.closedError !== null) return;
    this.closedError = error;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    for (const waiting of this.waiting) waiting.reject(error);
    this.waiting.length = 0;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Fails what is pending, lets written bytes reach the broker (acks=0), then closes. */
  close(): Promise<void> {
    this.fail(new ConnectionClosedError("connection closed by the client"));
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      timer.unref();
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end(() => this.socket.destroy());
    });
  }
}
