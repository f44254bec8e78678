// The errors our client raises, so tools can tell "the broker said no" (a Kafka error code, shown
// by its Kafka name) from "the broker does not speak what we need" and from network failures
// (ConnectError, ConnectionClosedError in connection.ts).

import { errorInfo, errorName } from "../protocol/error-codes.js";

/** A Kafka error code returned by the broker, with what it was about. */
export class KafkaProtocolError extends Error {
  override name = "KafkaProtocolError";
  /** Kafka's name for the code, e.g. UNKNOWN_TOPIC_OR_PARTITION. */
  readonly errorName: string;
  readonly retriable: boolean;

  constructor(
    readonly code: number,
    /** What the request was about, e.g. "topic orders partition 3". */
    readonly subject: string,
    /** The broker's own message, when it sent one. */
    readonly brokerMessage: string | null = null,
  ) {
    // errorInfo falls back to UNKNOWN_SERVER_ERROR for codes newer than our table; the name then
    // says which code it was, and such an error is not retried.
    const name = errorName(code);
    const info = errorInfo(code);
    const known = info.code === code;
    const description = known ? info.description : "";
    const detail = brokerMessage !== null && brokerMessage !== "" ? brokerMessage : description;
    super(`${subject}: ${name}${detail === "" ? "" : `: ${detail}`}`);
    this.errorName = name;
    this.retriable = known && info.retriable;
  }
}

/** The broker offers no version of an API in the range this client speaks. */
export class UnsupportedApiError extends Error {
  override name = "UnsupportedApiError";
}

/** Invalid use of the client (an unknown partition, a record too large): not worth retrying. */
export class ClientUsageError extends Error {
  override name = "ClientUsageError";
}

/** An operation kept failing with retriable errors until it ran out of attempts or time. */
export class RetriesExhaustedError extends Error {
  override name = "RetriesExhaustedError";
}
