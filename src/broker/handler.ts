// The contract of a request handler: one file per API under handlers/, each declaring the
// versions it serves. ApiVersions is built from these declarations, so what the broker
// advertises can never drift from what it implements.

import type { MessageCodec } from "../protocol/codec.js";
import type { Logger } from "../lib/logger.js";
import type { BrokerContext } from "./broker-context.js";
import type { ReadBufferAllocator } from "../storage/index.js";

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** The listener the request arrived on: Metadata answers with endpoints of the same listener. */
  readonly listenerName: string;
  readonly clientAddress: string;
  readonly connectionId: string;
  readonly broker: BrokerContext;
  readonly logger: Logger;
  /**
   * Buffers for data the response refers to without copying (a fetch's reads): pooled, and taken
   * back once the response has been sent, so nothing else may keep a view of them. Absent where
   * the dispatcher does not offer it: allocate as usual.
   */
  readonly allocateResponseBuffer?: ReadBufferAllocator;
}

/** Returned by a handler that must not answer (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol("no response");
export type NoResponse = typeof NO_RESPONSE;

export interface ApiHandler<Request, Response> {
  readonly request: MessageCodec<Request>;
  readonly response: MessageCodec<Response>;
  /** Lowest and highest version this handler serves. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Lowest version advertised in ApiVersions when lower than minVersion. Kafka 4 advertises
   * Produce from v0 (librdkafka before 2.11 only compresses when Produce v0 is advertised) but
   * answers v0-v2 with UNSUPPORTED_VERSION; a handler doing that declares it here and handles
   * those versions itself.
   */
  readonly advertisedMinVersion?: number;
  handle(context: RequestContext, request: Request): Response | NoResponse | Promise<Response | NoResponse>;
  /**
   * The response for a request that failed as a whole (an unexpected exception): Kafka sets the
   * error on every topic/partition the request named. Without it, a top-level errorCode field is
   * set if the response has one; otherwise the connection is closed.
   */
  errorResponse?(request: Request, errorCode: number, errorMessage: string): Response;
}

export type AnyHandler = ApiHandler<unknown, unknown>;

export function defineHandler<Request, Response>(handler: ApiHandler<Request, Response>): AnyHandler {
  return handler as unknown as AnyHandler;
}

export function apiKeyOf(handler: AnyHandler): number {
  return handler.request.apiKey!;
}
