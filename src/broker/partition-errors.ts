// Maps what went wrong with one partition to the Kafka error code reported for it. Storage errors
// carry their own code (kafkaErrorCode); anything else is a bug surfaced as UNKNOWN_SERVER_ERROR
// for that partition only, and logged by the caller.

import { ErrorCode } from "../protocol/error-codes.js";

export interface PartitionError {
  readonly errorCode: number;
  readonly message: string;
  /** False when the error is not one storage reports on purpose: the caller should log it. */
  readonly expected: boolean;
}

export function partitionError(error: unknown): PartitionError {
  if (typeof error === "object" && error !== null && "kafkaErrorCode" in error) {
    const code = (error as { kafkaErrorCode: unknown }).kafkaErrorCode;
    if (typeof code === "number") {
      return { errorCode: code, message: error instanceof Error ? error.message : String(error), expected: true };
    }
  }
  return {
    errorCode: ErrorCode.UNKNOWN_SERVER_ERROR,
    message: error instanceof Error ? error.message : String(error),
    expected: false,
  };
}
