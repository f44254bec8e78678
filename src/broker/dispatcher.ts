// Turns one request frame into one response frame: header, handler lookup by api key and
// version, body decode, handler call, response encode. Malformed frames, unknown api keys and
// unsupported versions close the connection, as Kafka does; the one exception is ApiVersions,
// whose unsupported versions are answered in v0 so the client can retry with a version we speak.
// An unexpected error in a handler, or a response its codec cannot encode (a handler bug), is
// logged with the request's context and answered with UNKNOWN_SERVER_ERROR where the response has
// room for an error code; otherwise that one connection is closed. Nothing reaches the process.

import { DecodeError } from "../protocol/primitives/decode-error.js";
import { Reader } from "../protocol/primitives/reader.js";
import { Writer } from "../protocol/primitives/writer.js";
import { readRequestHeader, writeResponseHeader, type RequestHeader } from "../protocol/headers.js";
import { ApiKey, apiName } from "../protocol/generated/api-keys.js";
import { ApiVersionsResponseCodec } from "../protocol/generated/api-versions.js";
import { ErrorCode, errorName } from "../protocol/error-codes.js";
import { errorMessage } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { Connection, FrameOutcome, FrameProcessor } from "./connection.js";
import { NO_RESPONSE, type AnyHandler, type RequestContext } from "./handler.js";
import type { BrokerContext } from "./broker-context.js";
import { apiVersionsKey } from "./handlers/api-versions.js";
import { ResponseBufferLease } from "./request-buffers.js";

const RESPONSE_INITIAL_BYTES = 512;

/**
 * APIs whose handlers keep no reference to the request's bytes once they return, so the
 * connection may reuse the frame's buffer. Produce: its records are views of the frame, appended
 * and written before the handler returns (every partition settles first, see produce.ts), and the
 * log keeps no reference to what it wrote. Others are left out on purpose: JoinGroup and
 * SyncGroup keep their metadata and assignments, and most handlers have not been audited.
 */
const FRAME_RELEASING_APIS: ReadonlySet<number> = new Set([ApiKey.Produce]);

/**
 * APIs whose requests are dispatched as soon as the handler has been called, and which may start
 * while earlier dispatched requests of their connection are still being processed. Produce: the
 * handler queues every partition's append before handle() returns (produce.ts), each append is
 * ordered in its partition log at that moment, and no other Produce state depends on an earlier
 * request having finished. A pipelined Produce waits for nothing else: any other request still
 * starts only once everything before it was answered.
 */
const PIPELINED_APIS: ReadonlySet<number> = new Set([ApiKey.Produce]);
/**
 * APIs whose responses refer to the buffers their reads were made into (a fetch's batches are
 * sent as views of what was read, never copied): those buffers come from the connection's pool
 * and go back once the response has been sent, so large fetches do not leave a trail of
 * megabyte-sized garbage for the collector (which shows as GC pauses and resident memory).
 */
const RESPONSE_BUFFER_APIS: ReadonlySet<number> = new Set([ApiKey.Fetch]);
/** Bytes of the request header's api key, the first field of every frame. */
const API_KEY_BYTES = 2;

export class RequestDispatcher implements FrameProcessor {
  constructor(
    private readonly broker: BrokerContext,
    private readonly logger: Logger,
  ) {}

  canPipeline(frame: Buffer): boolean {
    return frame.length >= API_KEY_BYTES && PIPELINED_APIS.has(frame.readInt16BE(0));
  }

  async process(connection: Connection, frame: Buffer, dispatched?: () => void): Promise<FrameOutcome> {
    const reader = new Reader(frame);
    let header: RequestHeader;
    try {
      header = readRequestHeader(reader);
    } catch (error) {
      if (error instanceof DecodeError) return { kind: "close", reason: `malformed request header: ${error.message}` };
      throw error;
    }
    if (!RESPONSE_BUFFER_APIS.has(header.requestApiKey)) return this.processRequest(connection, reader, header, dispatched, null);
    const lease = new ResponseBufferLease(connection.buffers);
    let outcome: FrameOutcome;
    try {
      outcome = await this.processRequest(connection, reader, header, dispatched, lease);
    } catch (error) {
      lease.release();
      throw error;
    }
    if (outcome.kind === "response") return { ...outcome, onSent: () => lease.release() };
    lease.release();
    return outcome;
  }

  /** A request whose header was read (reader stands after it); lease: where response buffers come from, if anywhere. */
  private async processRequest(
    connection: Connection,
    reader: Reader,
    header: RequestHeader,
    dispatched: (() => void) | undefined,
    lease: ResponseBufferLease | null,
  ): Promise<FrameOutcome> {
    const { requestApiKey: apiKey, requestApiVersion: version } = header;
    const handler = this.broker.handlers.get(apiKey);
    if (handler === undefined) {
      return { kind: "close", reason: `unsupported api key ${apiKey} (${apiName(apiKey)}) version ${version}` };
    }
    const lowest = handler.advertisedMinVersion ?? handler.minVersion;
    if (version < lowest || version > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(header, handler);
      return {
        kind: "close",
        reason: `unsupported version ${version} of ${apiName(apiKey)} (supported ${lowest}-${handler.maxVersion})`,
      };
    }
    let request: unknown;
    try {
      request = handler.request.decode(reader, version);
    } catch (error) {
      if (error instanceof DecodeError) {
        return { kind: "close", reason: `malformed ${apiName(apiKey)} v${version} request: ${error.message}` };
      }
      throw error;
    }
    const context: RequestContext = {
      apiKey,
      apiVersion: version,
      correlationId: header.correlationId,
      clientId: header.clientId,
      listenerName: connection.listenerName,
      clientAddress: connection.remoteAddress,
      connectionId: connection.id,
      broker: this.broker,
      logger: this.logger,
      allocateResponseBuffer: lease?.allocate,
    };
    let response: unknown;
    let frameReleased = false;
    try {
      const pending = handler.handle(context, request);
      if (dispatched !== undefined && PIPELINED_APIS.has(apiKey)) dispatched();
      response = await pending;
      frameReleased = FRAME_RELEASING_APIS.has(apiKey);
    } catch (error) {
      this.logger.error(
        { api: apiName(apiKey), version, clientId: header.clientId, correlationId: header.correlationId, err: error },
        "request failed with an unexpected error",
      );
      const fallback = this.errorResponse(handler, request, ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage(error));
      if (fallback === null) return { kind: "close", reason: `unexpected error in ${apiName(apiKey)}: ${errorMessage(error)}` };
      response = fallback;
    }
    if (response === NO_RESPONSE) return { kind: "none", frameReleased };
    try {
      return { kind: "response", chunks: encodeResponse(handler, apiKey, version, header.correlationId, response), frameReleased };
    } catch (error) {
      // A response the codec refuses (a field this version cannot carry) is a handler bug: the
      // client still gets UNKNOWN_SERVER_ERROR where the response has room for it.
      this.logger.error(
        { api: apiName(apiKey), version, clientId: header.clientId, correlationId: header.correlationId, err: error },
        "encoding the response failed",
      );
      return this.fallbackOutcome(handler, request, apiKey, version, header.correlationId, errorMessage(error));
    }
  }

  private fallbackOutcome(handler: AnyHandler, request: unknown, apiKey: number, version: number, correlationId: number, message: string): FrameOutcome {
    const reason = `cannot encode a ${apiName(apiKey)} v${version} response: ${message}`;
    let fallback: unknown;
    try {
      fallback = this.errorResponse(handler, request, ErrorCode.UNKNOWN_SERVER_ERROR, message);
      if (fallback === null) return { kind: "close", reason };
      return { kind: "response", chunks: encodeResponse(handler, apiKey, version, correlationId, fallback) };
    } catch {
      return { kind: "close", reason };
    }
  }

  private errorResponse(handler: AnyHandler, request: unknown, errorCode: number, message: string): unknown {
    if (handler.errorResponse !== undefined) return handler.errorResponse(request, errorCode, message);
    const response = handler.response.create() as Record<string, unknown>;
    if (!("errorCode" in response)) return null;
    response.errorCode = errorCode;
    if ("errorMessage" in response) response.errorMessage = `${errorName(errorCode)}: ${message}`;
    return response;
  }

  /** ApiVersions at a version we do not know: a v0 answer naming the ApiVersions versions we speak. */
  private unsupportedApiVersions(header: RequestHeader, handler: AnyHandler): FrameOutcome {
    const response = ApiVersionsResponseCodec.create();
    response.errorCode = ErrorCode.UNSUPPORTED_VERSION;
    response.apiKeys = [apiVersionsKey(handler)];
    return { kind: "response", chunks: encodeResponse(handler, ApiKey.ApiVersions, 0, header.correlationId, response) };
  }
}

/** Size prefix + response header + body, as chunks for one writev. */
function encodeResponse(handler: AnyHandler, apiKey: number, version: number, correlationId: number, response: unknown): Buffer[] {
  const writer = new Writer(RESPONSE_INITIAL_BYTES);
  writer.int32(0);
  writeResponseHeader(writer, apiKey, version, correlationId);
  handler.response.encode(writer, version, response);
  const chunks = writer.finish();
  chunks[0].writeInt32BE(writer.length - 4, 0);
  return chunks;
}
