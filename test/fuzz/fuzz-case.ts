// What one fuzz case is: the bytes to send on a fresh connection, the outcomes the broker may
// legitimately choose, and what a response must look like. The generators (request-cases.ts,
// record-lies.ts) build these; the runner (fuzz-runner.ts) sends them and judges the outcome.

/** What the broker did with a case's bytes. */
export type Outcome =
  /** Answered every request we expect an answer to, with well-formed responses. */
  | "answered"
  /** Closed the connection (a malformed frame; Kafka closes too). */
  | "closed"
  /** Neither, within the wait: a frame still incomplete, a long poll, acks=0, or a hang. */
  | "pending";

export type PartitionVerdict = "refused" | "accepted";

export interface ProduceExpectation {
  readonly topic: string;
  readonly partitions: ReadonlyMap<number, PartitionVerdict>;
}

export interface ExpectedResponse {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /**
   * For Produce requests carrying record batches we built, per partition of one topic: "refused"
   * when the partition must answer with an error (its batch lies), "accepted" when it must succeed.
   */
  readonly produce?: ProduceExpectation;
}

export interface FuzzCase {
  readonly index: number;
  /** Family of the case, for the report: "valid", "length-lie", "record-lie:count-high", ... */
  readonly kind: string;
  /** One line a human can read: API, version, what was done to it. */
  readonly description: string;
  /** Bytes written at once on a fresh connection. */
  readonly bytes: Buffer;
  /**
   * The responses the bytes must produce, in order, if the broker answers. Empty when the
   * request header itself was damaged (then any well-framed response is acceptable).
   */
  readonly responses: readonly ExpectedResponse[];
  readonly allowed: ReadonlySet<Outcome>;
  /** Half-close our side after writing (the broker sees end of stream). */
  readonly endAfterWrite?: boolean;
}

export const ANSWER_ONLY: ReadonlySet<Outcome> = new Set(["answered"]);
export const ANSWER_OR_CLOSE: ReadonlySet<Outcome> = new Set(["answered", "closed"]);
export const CLOSE_ONLY: ReadonlySet<Outcome> = new Set(["closed"]);
export const ANY_OUTCOME: ReadonlySet<Outcome> = new Set(["answered", "closed", "pending"]);
export const ANSWER_OR_PENDING: ReadonlySet<Outcome> = new Set(["answered", "pending"]);
export const CLOSE_OR_PENDING: ReadonlySet<Outcome> = new Set(["closed", "pending"]);
