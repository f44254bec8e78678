// A minimal Kafka protocol connection for our own tools (CLI, perf tools, tests): frames requests
// with the generated codecs, matches responses by correlation id, allows pipelining.
// It talks to any Kafka-compatible broker; it knows nothing of Tributary's internals.

import { connect, type Socket } from "node:net";
import { API_DEFINITIONS, apiName } from "../protocol/generated/index.js";
import { readResponseHeader, writeRequestHeader } from "../protocol/headers.js";
import { Reader } from "../protocol/primitives/reader.js";
import { Writer } from "../protocol/primitives/writer.js";
import type { MessageCodec } from "../protocol/codec.js";

/** Responses larger than this are refused: a client must not be talked into unbounded memory. */
const RESPONSE_BYTES_MAX = 512 * 1024 * 1024;

interface Pending {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly decode: MessageCodec<unknown>["decode"];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class ConnectionClosedError extends Error {
  override name = "ConnectionClosedError";
}

export interface ConnectOptions {
  readonly clientId?: string;
  readonly connectTimeoutMs?: number;
}

export class KafkaConnection {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly clientId: string,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new ConnectionClosedError("connection closed by the broker")));
  }

  static connect(host: string, port: number, options: ConnectOptions = {}): Promise<KafkaConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to ${host}:${port} within ${options.connectTimeoutMs ?? 10_000} ms`));
      }, options.connectTimeoutMs ?? 10_000);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new KafkaConnection(socket, options.clientId ?? "tributary-cli"));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`could not connect to ${host}:${port}: ${error.message}`));
      });
    });
  }

  /** Sends a request and resolves to the decoded response. */
  send<Response>(apiKey: number, apiVersion: number, request: unknown): Promise<Response> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const definition = API_DEFINITIONS.get(apiKey);
    if (definition === undefined) return Promise.reject(new Error(`unknown api key ${apiKey}`));
    return new Promise<Response>((resolve, reject) => {
      const correlationId = this.write(apiKey, apiVersion, request);
      this.pending.set(correlationId, {
        apiKey,
        apiVersion,
        decode: definition.response.decode,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendWithoutResponse(apiKey: number, apiVersion: number, request: unknown): void {
    if (this.closedError !== null) throw this.closedError;
    this.write(apiKey, apiVersion, request);
  }

  /** Frames and writes one request; returns its correlation id. */
  private write(apiKey: number, apiVersion: number, request: unknown): number {
    const definition = API_DEFINITIONS.get(apiKey);
    if (definition === undefined) throw new Error(`unknown api key ${apiKey}`);
    const correlationId = this.nextCorrelationId++;
    const writer = new Writer(256);
    writer.int32(0);
    writeRequestHeader(writer, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: this.clientId });
    definition.request.encode(writer, apiVersion, request);
    const chunks = writer.finish();
    chunks[0].writeInt32BE(writer.length - 4, 0);
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
    return correlationId;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (this.bufferedBytes < 4) return;
      if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.bufferedBytes)];
      const buffer = this.chunks[0];
      const size = buffer.readInt32BE(0);
      if (size < 0 || size > RESPONSE_BYTES_MAX) {
        this.fail(new Error(`response frame of ${size} bytes is out of bounds`));
        this.socket.destroy();
        return;
      }
      if (this.bufferedBytes < 4 + size) return;
      const frame = buffer.subarray(4, 4 + size);
      const rest = buffer.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.bufferedBytes = rest.length;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.pending.get(correlationId);
    if (pending === undefined) {
      this.fail(new Error(`response with unknown correlation id ${correlationId}`));
      this.socket.destroy();
      return;
    }
    this.pending.delete(correlationId);
    try {
      const reader = new Reader(frame);
      readResponseHeader(reader, pending.apiKey, pending.apiVersion);
      pending.resolve(pending.decode(reader, pending.apiVersion));
    } catch (error) {
      pending.reject(new Error(`bad ${apiName(pending.apiKey)} v${pending.apiVersion} response: ${(error as Error).message}`));
    }
  }

  private fail(error: Error): void {
    if (this.closedError !== null) return;
    this.closedError = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  close(): Promise<void> {
    this.fail(new ConnectionClosedError("connection closed by the client"));
    return new Promise((resolve) => {
      if (this.socket.destroyed) resolve();
      else this.socket.end(() => resolve());
      this.socket.destroy();
    });
  }
}
