// Request and response headers: which header version goes with which API version, and the
// framing helpers the broker and our client share. Request header v1 (classic) or v2 (flexible),
// v0 only for ControlledShutdown v0; response header v0 or v1, except ApiVersions responses,
// which always use v0 so a client can read them before it knows what the broker speaks.

import { API_SUMMARIES, ApiKey } from "./generated/api-keys.js";
import { RequestHeaderCodec, type RequestHeader } from "./generated/request-header.js";
import { ResponseHeaderCodec, type ResponseHeader } from "./generated/response-header.js";
import { DecodeError } from "./primitives/decode-error.js";
import type { Reader } from "./primitives/reader.js";
import type { Writer } from "./primitives/writer.js";

export type { RequestHeader, ResponseHeader };

function isFlexible(apiKey: number, apiVersion: number, kind: "request" | "response"): boolean {
  const summary = API_SUMMARIES.get(apiKey);
  if (summary === undefined) return false;
  const flexibleMin = kind === "request" ? summary.requestFlexibleMinVersion : summary.responseFlexibleMinVersion;
  return flexibleMin !== null && apiVersion >= flexibleMin;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return isFlexible(apiKey, apiVersion, "request") ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion, "response") ? 1 : 0;
}

/**
 * Reads a request header. The api key and version come first in every header version, so they
 * are peeked to choose the header version. For an api key we do not know, header v1 is assumed
 * (its client id is classic in every version), which is enough to answer or close. A version
 * above the highest we know is read as flexible when the API's flexible range is open-ended
 * ("N+"), as Kafka does, so a newer client's ApiVersions request still parses.
 */
export function readRequestHeader(reader: Reader): RequestHeader {
  if (reader.remaining < 4) throw new DecodeError(`request header needs at least 4 bytes, got ${reader.remaining}`);
  const apiKey = reader.buffer.readInt16BE(reader.offset);
  const apiVersion = reader.buffer.readInt16BE(reader.offset + 2);
  return RequestHeaderCodec.decode(reader, requestHeaderVersion(apiKey, apiVersion));
}

export function writeRequestHeader(writer: Writer, header: RequestHeader): void {
  RequestHeaderCodec.encode(writer, requestHeaderVersion(header.requestApiKey, header.requestApiVersion), header);
}

export function writeResponseHeader(writer: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  ResponseHeaderCodec.encode(writer, responseHeaderVersion(apiKey, apiVersion), { correlationId });
}

export function readResponseHeader(reader: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  return ResponseHeaderCodec.decode(reader, responseHeaderVersion(apiKey, apiVersion));
}
