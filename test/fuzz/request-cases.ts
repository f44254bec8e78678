// Protocol-level fuzz cases for every API and version the broker serves: valid requests with
// random field values (from each generated codec's schema, as the codec property tests build
// them), and the same requests with structure-aware lies. The lies know where the length prefixes
// are (LengthProbeReader records every array count, string and bytes length and varint the decoder
// reads) and overwrite exactly those with huge, negative or overlong values; others truncate the
// frame, flip bytes, lie in the size prefix, or put an absurd client id in the header.
//
// Valid requests are sanitized where a *valid* request would do legitimate but expensive work
// (CreateTopics with 90,000 partitions, a Fetch that long-polls for a day): the fuzzer is after
// hostile bytes, not an admin's lawful wishes.

import fc from "fast-check";
import type { MessageCodec } from "../../src/protocol/codec.js";
import { API_DEFINITIONS, ApiKey, apiName } from "../../src/protocol/generated/index.js";
import { writeRequestHeader } from "../../src/protocol/headers.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { LengthProbeReader, type LengthSite } from "../protocol/support/length-probe.js";
import { messageArbitrary } from "../protocol/support/message-arbitrary.js";
import {
  ANSWER_ONLY,
  ANSWER_OR_CLOSE,
  ANSWER_OR_PENDING,
  ANY_OUTCOME,
  CLOSE_ONLY,
  CLOSE_OR_PENDING,
  type ExpectedResponse,
  type FuzzCase,
  type Outcome,
} from "./fuzz-case.js";
import type { Random } from "./random.js";

export interface ServedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** APIs whose valid requests may legitimately wait (long polls, rebalances, acks=0 has no answer). */
const MAY_WAIT_APIS: ReadonlySet<number> = new Set([ApiKey.Fetch, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Produce]);
const CLIENT_ID = "fuzz";
const STRING_BYTES_MAX = 0x7fff;
/** A varint of 11 bytes: longer than any varint or varlong may be. */
const OVERLONG_VARINT = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
/** 2^32 - 1 in 5 bytes: the largest unsigned varint, as a length or count. */
const HUGE_VARINT = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
/** 6 bytes: one more than an unsigned varint may take. */
const SIX_BYTE_VARINT = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
/** Fetch waits at most this long in a sanitized request. */
const FETCH_MAX_WAIT_MS = 50;
const PARTITIONS_PER_TOPIC_MAX = 4;

const arbitraries = new Map<string, fc.Arbitrary<unknown>>();

function sampleMessage(codec: MessageCodec<unknown>, version: number, random: Random): Record<string, unknown> {
  if (random.bool(0.1)) return codec.create() as Record<string, unknown>;
  const key = `${codec.name}@${version}`;
  let arbitrary = arbitraries.get(key);
  if (arbitrary === undefined) {
    arbitrary = messageArbitrary(codec, version);
    arbitraries.set(key, arbitrary);
  }
  return fc.sample(arbitrary, { seed: random.seed(), numRuns: 1 })[0] as Record<string, unknown>;
}

function clamp(value: unknown, min: number, max: number): number {
  return typeof value === "number" ? Math.min(Math.max(value, min), max) : min;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

/** Keeps valid requests from asking for lawful but expensive work; see the file comment. */
function sanitize(apiKey: number, message: Record<string, unknown>): void {
  switch (apiKey) {
    case ApiKey.Fetch:
      message.maxWaitMs = clamp(message.maxWaitMs, -1, FETCH_MAX_WAIT_MS);
      break;
    case ApiKey.CreateTopics:
      for (const topic of records(message.topics)) {
        topic.numPartitions = clamp(topic.numPartitions, -1, PARTITIONS_PER_TOPIC_MAX);
        topic.replicationFactor = clamp(topic.replicationFactor, -1, 1);
        if (Array.isArray(topic.assignments)) topic.assignments = topic.assignments.slice(0, PARTITIONS_PER_TOPIC_MAX);
      }
      break;
    case ApiKey.CreatePartitions:
      for (const topic of records(message.topics)) topic.count = clamp(topic.count, 0, PARTITIONS_PER_TOPIC_MAX);
      break;
    case ApiKey.JoinGroup:
      message.rebalanceTimeoutMs = clamp(message.rebalanceTimeoutMs, -1, 1000);
      break;
    default:
      break;
  }
}

function codecOf(apiKey: number): MessageCodec<unknown> {
  const definition = API_DEFINITIONS.get(apiKey);
  if (definition === undefined) throw new Error(`no codec for api key ${apiKey}`);
  return definition.request;
}

export interface EncodedRequest {
  readonly frame: Buffer;
  /** Where the body starts (after the size prefix and the request header). */
  readonly bodyStart: number;
}

export function encodeRequestFrame(apiKey: number, version: number, correlationId: number, clientId: string | null, message: unknown): EncodedRequest {
  const writer = new Writer();
  writer.int32(0);
  writeRequestHeader(writer, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId });
  const bodyStart = writer.length;
  codecOf(apiKey).encode(writer, version, message);
  const frame = writer.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return { frame, bodyStart };
}

function withSize(body: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(body.length + 4);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** frame with bytes [start, end) replaced, and its size prefix fixed. */
function splice(frame: Buffer, start: number, end: number, replacement: Buffer): Buffer {
  return withSize(Buffer.concat([frame.subarray(4, start), replacement, frame.subarray(end)]));
}

function lengthSites(apiKey: number, version: number, encoded: EncodedRequest): LengthSite[] {
  const reader = new LengthProbeReader(encoded.frame, encoded.bodyStart);
  codecOf(apiKey).decode(reader, version);
  return reader.sites;
}

function int32Bytes(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
}

function int16Bytes(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeInt16BE(value);
  return bytes;
}

/** A lie for one length prefix, by its kind. */
function lieFor(site: LengthSite, random: Random, remainingBytes: number): { bytes: Buffer; what: string } {
  switch (site.kind) {
    case "int32-length": {
      const value = random.pick([0x7fff_ffff, 0x7fff_fff0, -2, -0x8000_0000, remainingBytes + 1, 1 << 30]);
      return { bytes: int32Bytes(value), what: `int32 length/count ${value}` };
    }
    case "int16-length": {
      const value = random.pick([0x7fff, -2, -0x8000, remainingBytes + 1]);
      return { bytes: int16Bytes(value), what: `int16 length ${value}` };
    }
    case "varint-length":
    case "varint": {
      const choice = random.int(0, 2);
      if (choice === 0) return { bytes: HUGE_VARINT, what: `${site.kind} 2^32-1` };
      if (choice === 1) return { bytes: OVERLONG_VARINT, what: `${site.kind} of 11 bytes` };
      return { bytes: SIX_BYTE_VARINT, what: `${site.kind} of 6 bytes` };
    }
  }
}

interface Mutated {
  readonly bytes: Buffer;
  readonly what: string;
  /** False when the request header may have changed: the response is then not checked against the request. */
  readonly headerIntact: boolean;
  readonly allowed: ReadonlySet<Outcome>;
  readonly endAfterWrite?: boolean;
}

function mutate(apiKey: number, version: number, encoded: EncodedRequest, random: Random): Mutated {
  const { frame, bodyStart } = encoded;
  const choice = random.int(0, 9);
  switch (choice) {
    case 0:
    case 1:
    case 2: {
      const sites = lengthSites(apiKey, version, encoded);
      if (sites.length === 0) return truncate(frame, bodyStart, random);
      const site = random.pick(sites);
      const lie = lieFor(site, random, frame.length - site.end);
      return { bytes: splice(frame, site.start, site.end, lie.bytes), what: `${lie.what} at byte ${site.start}`, headerIntact: true, allowed: ANSWER_OR_CLOSE };
    }
    case 3:
      return truncate(frame, bodyStart, random);
    case 4: {
      const mutatedFrame = Buffer.from(frame);
      const flips = random.int(1, 8);
      for (let flip = 0; flip < flips; flip++) {
        const at = random.int(bodyStart, Math.max(bodyStart, frame.length - 1));
        if (at < frame.length) mutatedFrame[at] ^= 1 << random.int(0, 7);
      }
      return { bytes: mutatedFrame, what: `${flips} bit flips in the body`, headerIntact: true, allowed: ANSWER_OR_CLOSE };
    }
    case 5: {
      const mutatedFrame = Buffer.from(frame);
      const flips = random.int(1, 4);
      for (let flip = 0; flip < flips; flip++) mutatedFrame[random.int(4, frame.length - 1)] = random.uint32() & 0xff;
      // The header may be hit: api key, version, correlation id or the client id length.
      return { bytes: mutatedFrame, what: `${flips} random bytes anywhere`, headerIntact: false, allowed: ANY_OUTCOME };
    }
    case 6: {
      const extra = random.bytes(random.int(1, 64));
      return { bytes: withSize(Buffer.concat([frame.subarray(4), extra])), what: `${extra.length} trailing bytes`, headerIntact: true, allowed: ANSWER_OR_CLOSE };
    }
    case 7:
      return sizePrefixLie(frame, random);
    case 8:
      return clientIdLie(apiKey, encoded, random);
    default: {
      // A valid header in front of random bytes.
      const body = random.bytes(random.int(0, 512));
      return { bytes: withSize(Buffer.concat([frame.subarray(4, bodyStart), body])), what: `random body of ${body.length} bytes`, headerIntact: true, allowed: ANSWER_OR_CLOSE };
    }
  }
}

function truncate(frame: Buffer, bodyStart: number, random: Random): Mutated {
  const keep = random.int(Math.max(0, bodyStart - 4 - 2), Math.max(0, frame.length - 5));
  return { bytes: withSize(frame.subarray(4, 4 + keep)), what: `body cut to ${keep} bytes`, headerIntact: keep >= bodyStart - 4, allowed: ANSWER_OR_CLOSE };
}

function sizePrefixLie(frame: Buffer, random: Random): Mutated {
  const body = frame.subarray(4);
  const choice = random.int(0, 4);
  if (choice === 0) {
    // Claims more than is sent, then the stream ends: the broker waits for the rest, then sees the end.
    return { bytes: Buffer.concat([int32Bytes(body.length + random.int(1, 1 << 20)), body]), what: "size prefix claims more, then end of stream", headerIntact: false, allowed: CLOSE_OR_PENDING, endAfterWrite: true };
  }
  if (choice === 1) {
    const size = random.pick([0x7fff_ffff, 0x4000_0000, 100 * 1024 * 1024 + 1]);
    return { bytes: Buffer.concat([int32Bytes(size), body]), what: `size prefix ${size} above socket.request.max.bytes`, headerIntact: false, allowed: CLOSE_ONLY };
  }
  if (choice === 2) {
    const size = random.pick([-1, -2, -0x8000_0000]);
    return { bytes: Buffer.concat([int32Bytes(size), body]), what: `negative size prefix ${size}`, headerIntact: false, allowed: CLOSE_ONLY };
  }
  if (choice === 3) {
    // Claims less: the frame ends inside the request, and its tail is read as the next frame.
    const size = random.int(0, Math.max(0, body.length - 1));
    return { bytes: Buffer.concat([int32Bytes(size), body]), what: `size prefix ${size} below the ${body.length} bytes sent`, headerIntact: false, allowed: ANY_OUTCOME };
  }
  return { bytes: int32Bytes(0), what: "an empty frame", headerIntact: false, allowed: CLOSE_ONLY };
}

function clientIdLie(apiKey: number, encoded: EncodedRequest, random: Random): Mutated {
  const { frame } = encoded;
  // Header: size(4) apiKey(2) version(2) correlationId(4) clientId(int16 length + bytes) [tags].
  const clientIdAt = 12;
  const clientIdLength = frame.readInt16BE(clientIdAt);
  const clientIdEnd = clientIdAt + 2 + Math.max(0, clientIdLength);
  const choice = random.int(0, 3);
  if (choice === 0) {
    // The longest client id there is: a valid request, which must be answered.
    const id = Buffer.alloc(STRING_BYTES_MAX, "x");
    const bytes = splice(frame, clientIdAt, clientIdEnd, Buffer.concat([int16Bytes(STRING_BYTES_MAX), id]));
    return { bytes, what: `client id of ${STRING_BYTES_MAX} bytes`, headerIntact: true, allowed: MAY_WAIT_APIS.has(apiKey) ? ANSWER_OR_PENDING : ANSWER_ONLY };
  }
  if (choice === 1) {
    // Not UTF-8 at all: still a valid request (Kafka decodes with replacement characters).
    const id = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x00]);
    const bytes = splice(frame, clientIdAt, clientIdEnd, Buffer.concat([int16Bytes(id.length), id]));
    return { bytes, what: "client id of invalid UTF-8", headerIntact: true, allowed: MAY_WAIT_APIS.has(apiKey) ? ANSWER_OR_PENDING : ANSWER_ONLY };
  }
  if (choice === 2) {
    const bytes = splice(frame, clientIdAt, clientIdAt + 2, int16Bytes(STRING_BYTES_MAX));
    return { bytes, what: `client id length ${STRING_BYTES_MAX} with only ${frame.length - clientIdAt - 2} bytes left`, headerIntact: false, allowed: ANSWER_OR_CLOSE };
  }
  const length = random.pick([-2, -0x8000]);
  return { bytes: splice(frame, clientIdAt, clientIdAt + 2, int16Bytes(length)), what: `client id length ${length}`, headerIntact: false, allowed: CLOSE_ONLY };
}

function versionLabel(apiKey: number, version: number): string {
  return `${apiName(apiKey)} v${version}`;
}

/** Whether a valid request of this API may be pending at the end of the wait. */
function validAllowed(apiKey: number, message: Record<string, unknown>): ReadonlySet<Outcome> {
  if (apiKey === ApiKey.Produce && message.acks === 0) return ANSWER_OR_PENDING;
  return MAY_WAIT_APIS.has(apiKey) ? ANSWER_OR_PENDING : ANSWER_ONLY;
}

/** A valid request of a served API at a served version, possibly with a lie. */
export function requestCase(index: number, served: readonly ServedApi[], random: Random, mutateProbability = 0.8): FuzzCase {
  const api = random.pick(served);
  const version = random.int(api.minVersion, api.maxVersion);
  const message = sampleMessage(codecOf(api.apiKey), version, random);
  sanitize(api.apiKey, message);
  const correlationId = random.int(0, 0x7fff_ffff);
  const encoded = encodeRequestFrame(api.apiKey, version, correlationId, CLIENT_ID, message);
  const expected: ExpectedResponse = { apiKey: api.apiKey, apiVersion: version, correlationId };
  const noAnswer = api.apiKey === ApiKey.Produce && message.acks === 0;
  if (!random.bool(mutateProbability)) {
    return {
      index,
      kind: "valid",
      description: `valid ${versionLabel(api.apiKey, version)}`,
      bytes: encoded.frame,
      responses: noAnswer ? [] : [expected],
      allowed: validAllowed(api.apiKey, message),
    };
  }
  const mutated = mutate(api.apiKey, version, encoded, random);
  let allowed = mutated.allowed;
  // A mutated request that still decodes may be one that waits; and acks=0 is never answered.
  if (MAY_WAIT_APIS.has(api.apiKey) || !mutated.headerIntact) allowed = new Set([...allowed, "pending"]);
  return {
    index,
    kind: "mutated",
    description: `${versionLabel(api.apiKey, version)}: ${mutated.what}`,
    bytes: mutated.bytes,
    responses: mutated.headerIntact && !noAnswer ? [expected] : [],
    allowed,
    endAfterWrite: mutated.endAfterWrite,
  };
}

/** Frames that are not requests at all: random bytes, random headers, unknown APIs and versions. */
export function randomFrameCase(index: number, served: readonly ServedApi[], random: Random): FuzzCase {
  const choice = random.int(0, 4);
  if (choice === 0) {
    const bytes = random.bytes(random.int(1, 256));
    return { index, kind: "random-stream", description: `${bytes.length} random bytes, no framing`, bytes, responses: [], allowed: ANY_OUTCOME };
  }
  if (choice === 1) {
    const body = random.bytes(random.int(0, 256));
    return { index, kind: "random-frame", description: `a frame of ${body.length} random bytes`, bytes: withSize(body), responses: [], allowed: ANY_OUTCOME };
  }
  if (choice === 2) {
    const apiKey = random.pick([-1, 1000, 0x7fff, ...[...API_DEFINITIONS.keys()].filter((key) => !served.some((api) => api.apiKey === key))]);
    const header = Buffer.concat([int16Bytes(apiKey), int16Bytes(0), int32Bytes(random.int(0, 1000)), int16Bytes(-1)]);
    return { index, kind: "unknown-api", description: `api key ${apiKey} (not served)`, bytes: withSize(Buffer.concat([header, random.bytes(random.int(0, 64))])), responses: [], allowed: CLOSE_ONLY };
  }
  if (choice === 3) {
    const api = random.pick(served);
    const version = random.pick([api.maxVersion + 1, api.maxVersion + 50, -1, 0x7fff]);
    const header = Buffer.concat([int16Bytes(api.apiKey), int16Bytes(version), int32Bytes(5), int16Bytes(-1)]);
    const bytes = withSize(Buffer.concat([header, random.bytes(random.int(0, 64))]));
    // ApiVersions at an unknown version is answered (in v0); others close.
    const allowed = api.apiKey === ApiKey.ApiVersions ? ANSWER_OR_CLOSE : CLOSE_ONLY;
    return { index, kind: "unsupported-version", description: `${apiName(api.apiKey)} v${version} (not served)`, bytes, responses: [], allowed };
  }
  // Several valid requests pipelined on one connection: all answered, in order.
  const count = random.int(2, 6);
  const frames: Buffer[] = [];
  const responses: ExpectedResponse[] = [];
  for (let position = 0; position < count; position++) {
    const api = random.pick(served.filter((candidate) => !MAY_WAIT_APIS.has(candidate.apiKey)));
    const version = random.int(api.minVersion, api.maxVersion);
    const message = sampleMessage(codecOf(api.apiKey), version, random);
    sanitize(api.apiKey, message);
    const correlationId = 1000 + position;
    frames.push(encodeRequestFrame(api.apiKey, version, correlationId, CLIENT_ID, message).frame);
    responses.push({ apiKey: api.apiKey, apiVersion: version, correlationId });
  }
  return { index, kind: "pipelined", description: `${count} pipelined valid requests (${responses.map((response) => versionLabel(response.apiKey, response.apiVersion)).join(", ")})`, bytes: Buffer.concat(frames), responses, allowed: ANSWER_ONLY };
}
