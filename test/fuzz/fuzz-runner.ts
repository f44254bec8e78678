// Runs fuzz cases against a broker and checks the invariants:
// - each case's bytes get an allowed outcome: well-formed responses (correlation ids in order,
//   bodies that decode as the API and version asked), or the connection closed, or (only where a
//   frame is incomplete or a request may legitimately wait) nothing yet;
// - lying record batches are refused and honest ones accepted, per partition;
// - a well-behaved client on its own connection keeps producing and reading back its records for
//   the whole run (the "good client");
// - the broker process stays up (the caller passes a liveness check).
// Cases are generated from (seed, index) alone, so any failure replays with `--seed S --case I`.
// Memory bounds are the caller's to measure (it owns the broker process).

import { connect } from "node:net";
import { KafkaConnection } from "../../src/client/connection.js";
import { API_DEFINITIONS, ApiKey, apiName } from "../../src/protocol/generated/index.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import { FetchRequestCodec, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import { readResponseHeader } from "../../src/protocol/headers.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { ErrorCode, errorName } from "../../src/protocol/error-codes.js";
import { decodeRecordBatch, encodeRecordBatch, recordBatches, RECORD_BATCH_OVERHEAD } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";
import { decompressionBombs, type Bomb } from "./bombs.js";
import type { ExpectedResponse, FuzzCase, Outcome } from "./fuzz-case.js";
import { FUZZ_BIG_MAX_MESSAGE_BYTES, FUZZ_RECORDS_PARTITIONS, FUZZ_TOPICS, recordCase } from "./record-lies.js";
import { randomFrameCase, requestCase, type ServedApi } from "./request-cases.js";
import { Random } from "./random.js";

export interface FuzzTarget {
  readonly host: string;
  readonly port: number;
  /** A reason when the broker is no longer running, else null. */
  readonly deadReason?: () => string | null;
  /**
   * The broker's error-level log lines so far. Hostile input must never make the broker log an
   * internal error (a handler that threw, a response that could not be encoded): each distinct
   * one is a finding, even when the broker survived it by closing the connection.
   */
  readonly errorLogLines?: () => readonly string[];
}

export interface FuzzOptions {
  readonly seed: number;
  readonly cases: number;
  /** First case index (with cases = 1: replay one case). Default 0. */
  readonly firstCase?: number;
  /** Cases in flight at once, each on its own connection. Default 16. */
  readonly concurrency?: number;
  /** How long a case that may stay unanswered waits before it counts as "pending". Default 1000 ms. */
  readonly waitMs?: number;
  /**
   * How long a case that must be answered (or closed) waits: generous, because the broker may be
   * busy with other lanes' bombs; such cases normally end in milliseconds. Default 15000 ms.
   */
  readonly answerWaitMs?: number;
  /** Include decompression bombs (multi-megabyte requests). Default true. */
  readonly bombs?: boolean;
  /** Progress lines (every few thousand cases). */
  readonly progress?: (line: string) => void;
}

export interface FuzzFailure {
  readonly seed: number;
  readonly caseIndex: number;
  readonly description: string;
  readonly problem: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly cases: number;
  /** Bytes written by fuzz cases. */
  readonly bytesSent: number;
  /** Frames (size-prefixed units) sent, counting each pipelined request. */
  readonly framesSent: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  /** Cases per kind ("valid", "mutated", "record-lie", "bomb:Gzip", ...). */
  readonly kinds: ReadonlyMap<string, number>;
  /** Cases per API (by the request the case started from). */
  readonly apis: ReadonlyMap<string, number>;
  readonly refusedLies: number;
  readonly acceptedHonest: number;
  readonly goodClientRoundTrips: number;
  readonly failures: readonly FuzzFailure[];
  readonly durationMs: number;
}

const GOOD_TOPIC = "fuzz-good";
const FAILURES_KEPT_MAX = 50;
const GOOD_CLIENT_TIMEOUT_MS = 15_000;
const RESPONSE_BYTES_MAX = 64 * 1024 * 1024;

/** Asks the broker what it serves (ApiVersions), so every served API and version is fuzzed. */
export async function servedApis(host: string, port: number): Promise<ServedApi[]> {
  const client = await KafkaConnection.connect(host, port, { clientId: "fuzz-setup" });
  try {
    const response = await client.send<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: "fuzz", clientSoftwareVersion: "1" });
    return response.apiKeys
      .filter((api) => API_DEFINITIONS.has(api.apiKey))
      .map((api) => ({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: Math.min(api.maxVersion, API_DEFINITIONS.get(api.apiKey)!.request.maxVersion) }));
  } finally {
    await client.close();
  }
}

/** The topics record lies are aimed at; an already existing topic is fine. */
export async function createFuzzTopics(host: string, port: number): Promise<void> {
  const client = await KafkaConnection.connect(host, port, { clientId: "fuzz-setup" });
  try {
    const topic = (name: string, numPartitions: number, configs: { name: string; value: string }[] = []) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs });
    const response = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [
        topic(FUZZ_TOPICS.records, FUZZ_RECORDS_PARTITIONS),
        topic(FUZZ_TOPICS.compact, 1, [{ name: "cleanup.policy", value: "compact" }]),
        topic(FUZZ_TOPICS.big, 1, [{ name: "max.message.bytes", value: String(FUZZ_BIG_MAX_MESSAGE_BYTES) }]),
        topic(GOOD_TOPIC, 1),
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    for (const created of response.topics) {
      if (created.errorCode !== ErrorCode.NONE && created.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
        throw new Error(`creating ${created.name} failed: ${errorName(created.errorCode)}`);
      }
    }
  } finally {
    await client.close();
  }
}

/** The case at `index` for this seed: the same bytes every time. */
export function fuzzCase(seed: number, index: number, served: readonly ServedApi[], bombs: readonly Bomb[]): FuzzCase {
  const random = Random.forCase(seed, index);
  const family = random.next();
  if (family < 0.3) {
    const recordLie = recordCase(index, served, random, bombs);
    if (recordLie !== null) return recordLie;
  }
  if (family < 0.45) return randomFrameCase(index, served, random);
  return requestCase(index, served, random);
}

interface Exchange {
  readonly outcome: Outcome;
  /** Response frames received (without their size prefix), in order. */
  readonly frames: Buffer[];
  readonly problem: string | null;
}

/** Sends a case on a fresh connection and watches what the broker does with it. */
function exchange(target: FuzzTarget, fuzz: FuzzCase, waitMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    const frames: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let settled = false;
    const expectedCount = fuzz.responses.length;
    const finish = (outcome: Outcome, problem: string | null = null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, frames, problem });
    };
    const timer = setTimeout(() => finish(frames.length > 0 && frames.length >= expectedCount ? "answered" : "pending"), waitMs);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > RESPONSE_BYTES_MAX) {
          finish("answered", `response frame size ${size} is out of bounds`);
          return;
        }
        if (pending.length < 4 + size) break;
        frames.push(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
      }
      // Unknown expectations (damaged header): one response is enough to judge.
      if ((expectedCount > 0 && frames.length >= expectedCount) || (expectedCount === 0 && frames.length > 0)) finish("answered");
    });
    const onGone = (): void => finish(frames.length > 0 && frames.length >= expectedCount ? "answered" : "closed");
    socket.on("end", onGone);
    socket.on("close", onGone);
    socket.on("error", onGone);
    socket.on("connect", () => {
      socket.write(fuzz.bytes);
      if (fuzz.endAfterWrite === true) socket.end();
    });
  });
}

/** Checks one response frame against what was asked; returns a problem or null. */
function checkResponse(frame: Buffer, expected: ExpectedResponse): { problem: string | null; lieRefused: number; honestAccepted: number } {
  const definition = API_DEFINITIONS.get(expected.apiKey)!;
  const reader = new Reader(frame);
  let body: unknown;
  try {
    const header = readResponseHeader(reader, expected.apiKey, expected.apiVersion);
    if (header.correlationId !== expected.correlationId) {
      return { problem: `response correlation id ${header.correlationId}, expected ${expected.correlationId}`, lieRefused: 0, honestAccepted: 0 };
    }
    body = definition.response.decode(reader, expected.apiVersion);
  } catch (error) {
    return { problem: `response does not decode as ${apiName(expected.apiKey)} v${expected.apiVersion}: ${(error as Error).message}`, lieRefused: 0, honestAccepted: 0 };
  }
  if (expected.produce === undefined) return { problem: null, lieRefused: 0, honestAccepted: 0 };
  const response = body as ProduceResponse;
  const topic = response.responses.find((candidate) => candidate.name === expected.produce!.topic);
  if (topic === undefined) return { problem: `produce response has no topic ${expected.produce.topic}`, lieRefused: 0, honestAccepted: 0 };
  let lieRefused = 0;
  let honestAccepted = 0;
  for (const [partition, verdict] of expected.produce.partitions) {
    const result = topic.partitionResponses.find((candidate) => candidate.index === partition);
    if (result === undefined) return { problem: `produce response has no partition ${partition}`, lieRefused, honestAccepted };
    const accepted = result.errorCode === ErrorCode.NONE;
    if (verdict === "refused" && accepted) return { problem: `partition ${partition}: a lying batch was accepted at offset ${result.baseOffset}`, lieRefused, honestAccepted };
    if (verdict === "accepted" && !accepted) {
      return { problem: `partition ${partition}: an honest batch was refused with ${errorName(result.errorCode)}: ${result.errorMessage ?? ""}`, lieRefused, honestAccepted };
    }
    if (verdict === "refused") lieRefused++;
    else honestAccepted++;
  }
  return { problem: null, lieRefused, honestAccepted };
}

/** A well-behaved client: produce one record, read it back, repeat; any failure is a finding. */
class GoodClient {
  roundTrips = 0;
  failure: string | null = null;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly target: FuzzTarget) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    let client: KafkaConnection | null = null;
    try {
      client = await KafkaConnection.connect(this.target.host, this.target.port, { clientId: "good-client", requestTimeoutMs: GOOD_CLIENT_TIMEOUT_MS });
      while (!this.stopped) {
        const value = `good-${this.roundTrips}`;
        const produced = await client.send<ProduceResponse>(ApiKey.Produce, 9, {
          ...ProduceRequestCodec.create(),
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: GOOD_TOPIC, partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from(value) }] }) }] }],
        });
        const partition = produced.responses[0].partitionResponses[0];
        if (partition.errorCode !== ErrorCode.NONE) throw new Error(`produce failed: ${errorName(partition.errorCode)}`);
        const fetched = await client.send<FetchResponse>(ApiKey.Fetch, 11, {
          ...FetchRequestCodec.create(),
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          topics: [{ topic: GOOD_TOPIC, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: partition.baseOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
        });
        const fetchedPartition = fetched.responses[0].partitions[0];
        if (fetchedPartition.errorCode !== ErrorCode.NONE) throw new Error(`fetch failed: ${errorName(fetchedPartition.errorCode)}`);
        const bytes = Buffer.isBuffer(fetchedPartition.records) ? fetchedPartition.records : Buffer.concat(fetchedPartition.records ?? []);
        const first = [...recordBatches(bytes)][0];
        if (first === undefined) throw new Error(`fetch at ${partition.baseOffset} returned no batch`);
        const record = decodeRecordBatch(first.batch, { maxDecompressedBytes: 1 << 20 }).records[0];
        if (record.value?.toString() !== value) throw new Error(`read back ${record.value?.toString()} instead of ${value}`);
        this.roundTrips++;
      }
    } catch (error) {
      if (!this.stopped) this.failure = `the well-behaved client failed after ${this.roundTrips} round trips: ${(error as Error).message}`;
    } finally {
      await client?.close().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

function countFrames(bytes: Buffer): number {
  let count = 0;
  let position = 0;
  while (position + 4 <= bytes.length) {
    const size = bytes.readInt32BE(position);
    if (size < 0) break;
    count++;
    position += 4 + size;
  }
  return Math.max(count, 1);
}

function apiOf(fuzz: FuzzCase): string {
  const first = fuzz.responses[0];
  if (first !== undefined) return apiName(first.apiKey);
  const match = /^(?:valid )?([A-Za-z]+) v\d+/.exec(fuzz.description);
  return match?.[1] ?? "(none)";
}

export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const served = await servedApis(target.host, target.port);
  await createFuzzTopics(target.host, target.port);
  const bombs = options.bombs === false ? [] : await decompressionBombs(FUZZ_BIG_MAX_MESSAGE_BYTES - RECORD_BATCH_OVERHEAD - 64);
  const waitMs = options.waitMs ?? 1000;
  const answerWaitMs = options.answerWaitMs ?? 15_000;
  const first = options.firstCase ?? 0;
  const end = first + options.cases;
  const outcomes: Record<Outcome, number> = { answered: 0, closed: 0, pending: 0 };
  const kinds = new Map<string, number>();
  const apis = new Map<string, number>();
  const failures: FuzzFailure[] = [];
  let failureCount = 0;
  let bytesSent = 0;
  let framesSent = 0;
  let refusedLies = 0;
  let acceptedHonest = 0;
  let next = first;
  let done = 0;
  const fail = (fuzz: { index: number; description: string }, problem: string): void => {
    failureCount++;
    if (failures.length < FAILURES_KEPT_MAX) failures.push({ seed: options.seed, caseIndex: fuzz.index, description: fuzz.description, problem });
  };
  const good = new GoodClient(target);
  const lane = async (): Promise<void> => {
    while (next < end) {
      const dead = target.deadReason?.() ?? null;
      if (dead !== null) {
        fail({ index: next, description: "(broker liveness)" }, dead);
        next = end;
        return;
      }
      const index = next++;
      const fuzz = fuzzCase(options.seed, index, served, bombs);
      kinds.set(fuzz.kind, (kinds.get(fuzz.kind) ?? 0) + 1);
      const api = apiOf(fuzz);
      apis.set(api, (apis.get(api) ?? 0) + 1);
      bytesSent += fuzz.bytes.length;
      framesSent += countFrames(fuzz.bytes);
      const result = await exchange(target, fuzz, fuzz.allowed.has("pending") ? waitMs : answerWaitMs);
      outcomes[result.outcome]++;
      done++;
      if (options.progress !== undefined && done % 2000 === 0) {
        options.progress(`${done}/${options.cases} cases, ${failureCount} failures, good client ${good.roundTrips} round trips`);
      }
      if (result.problem !== null) {
        fail(fuzz, result.problem);
        continue;
      }
      if (!fuzz.allowed.has(result.outcome)) {
        fail(fuzz, `outcome ${result.outcome} is not one of ${[...fuzz.allowed].join(", ")} (${result.frames.length} responses)`);
        continue;
      }
      // Responses we can judge: those to intact requests, as far as they came.
      for (let position = 0; position < Math.min(result.frames.length, fuzz.responses.length); position++) {
        const checked = checkResponse(result.frames[position], fuzz.responses[position]);
        if (checked.problem !== null) {
          fail(fuzz, checked.problem);
          break;
        }
        refusedLies += checked.lieRefused;
        acceptedHonest += checked.honestAccepted;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 16 }, lane));
  } finally {
    await good.stop();
  }
  if (good.failure !== null) fail({ index: -1, description: "(well-behaved client)" }, good.failure);
  for (const line of distinctErrors(target.errorLogLines?.() ?? [])) fail({ index: -1, description: "(broker error log)" }, line);
  const dead = target.deadReason?.() ?? null;
  if (dead !== null) fail({ index: -1, description: "(broker liveness)" }, dead);
  return {
    seed: options.seed,
    cases: done,
    bytesSent,
    framesSent,
    outcomes,
    kinds,
    apis,
    refusedLies,
    acceptedHonest,
    goodClientRoundTrips: good.roundTrips,
    failures,
    durationMs: performance.now() - started,
  };
}

/** One line per distinct error (message and error text), at most ten. */
function distinctErrors(lines: readonly string[]): string[] {
  const distinct = new Map<string, string>();
  for (const line of lines) {
    let key = line;
    try {
      const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string }; api?: string; version?: number };
      key = `${parsed.msg ?? ""}: ${parsed.err?.message ?? ""}`;
      if (!distinct.has(key)) distinct.set(key, `${parsed.api ?? ""}${parsed.version === undefined ? "" : ` v${parsed.version}`} ${key}`.trim());
    } catch {
      if (!distinct.has(key)) distinct.set(key, line.slice(0, 300));
    }
  }
  return [...distinct.values()].slice(0, 10);
}

/** A multi-line summary for logs and RELIABILITY.md. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `seed ${report.seed}: ${report.cases} cases, ${report.framesSent} frames, ${(report.bytesSent / 2 ** 20).toFixed(1)} MiB sent in ${(report.durationMs / 1000).toFixed(1)} s`,
    `outcomes: ${report.outcomes.answered} answered, ${report.outcomes.closed} closed, ${report.outcomes.pending} pending`,
    `record batches: ${report.refusedLies} lies refused, ${report.acceptedHonest} honest accepted; well-behaved client: ${report.goodClientRoundTrips} produce+fetch round trips`,
    `kinds: ${[...report.kinds].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${kind} ${count}`).join(", ")}`,
    `apis: ${[...report.apis].sort((a, b) => b[1] - a[1]).map(([api, count]) => `${api} ${count}`).join(", ")}`,
  ];
  if (report.failures.length > 0) {
    lines.push(`${report.failures.length} failures (replay one with --seed ${report.seed} --case <index>):`);
    for (const failure of report.failures) lines.push(`  case ${failure.caseIndex}: ${failure.description}\n    ${failure.problem}`);
  }
  return lines.join("\n");
}
