// The typed failures storage reports. Each maps to exactly one Kafka error code (kafkaErrorCode), so
// the broker turns a storage outcome into a per-partition error with one lookup and never guesses.

import { ErrorCode } from "../protocol/error-codes.js";

/** Why a produced batch was refused; each kind is one Kafka error code. */
export type LogValidationErrorKind =
  | "corrupt-message"
  | "message-too-large"
  | "record-list-too-large"
  | "invalid-timestamp"
  | "invalid-record"
  /** A replicated batch whose offsets do not continue the log (follower appends only). */
  | "unexpected-offset";

const VALIDATION_ERROR_CODES: Readonly<Record<LogValidationErrorKind, ErrorCode>> = {
  "corrupt-message": ErrorCode.CORRUPT_MESSAGE,
  "message-too-large": ErrorCode.MESSAGE_TOO_LARGE,
  "record-list-too-large": ErrorCode.RECORD_LIST_TOO_LARGE,
  "invalid-timestamp": ErrorCode.INVALID_TIMESTAMP,
  "invalid-record": ErrorCode.INVALID_RECORD,
  "unexpected-offset": ErrorCode.UNKNOWN_SERVER_ERROR,
};

/** A produce input the log refuses; nothing of the request was written. */
export class LogValidationError extends Error {
  override name = "LogValidationError";
  constructor(
    readonly kind: LogValidationErrorKind,
    message: string,
    /** Index of the offending batch inside the appended buffer. */
    readonly batchIndex = -1,
  ) {
    super(message);
  }

  get kafkaErrorCode(): ErrorCode {
    return VALIDATION_ERROR_CODES[this.kind];
  }
}

/**
 * An I/O failure. `offline` says the log directory was taken offline (Kafka's LogDirFailureChannel):
 * every partition in it answers KAFKA_STORAGE_ERROR until restart. Disk-full (ENOSPC/EDQUOT) fails
 * only the operation: nothing half-written remains and the log takes appends again once space returns.
 */
export class StorageError extends Error {
  override name = "StorageError";
  constructor(
    message: string,
    readonly logDir: string,
    /** errno-style code of the underlying failure (ENOSPC, EIO, ...), or "OFFLINE" for a directory already offline. */
    readonly code: string,
    readonly offline: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get kafkaErrorCode(): ErrorCode {
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
}

/** A fetch or ListOffsets offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends Error {
  override name = "OffsetOutOfRangeError";
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
    message = `offset ${offset} is out of range [${logStartOffset}, ${logEndOffset}]`,
  ) {
    super(message);
  }

  get kafkaErrorCode(): ErrorCode {
    return ErrorCode.OFFSET_OUT_OF_RANGE;
  }
}

/** Stored bytes failed their checksum or structure check on read: reported, never served as valid. */
export class CorruptRecordError extends Error {
  override name = "CorruptRecordError";
  constructor(
    message: string,
    readonly path: string,
    readonly position: number,
  ) {
    super(message);
  }

  get kafkaErrorCode(): ErrorCode {
    return ErrorCode.CORRUPT_MESSAGE;
  }
}

/** The log was closed or deleted while the caller still held it (e.g. a produce racing a topic deletion). */
export class LogClosedError extends Error {
  override name = "LogClosedError";

  get kafkaErrorCode(): ErrorCode {
    return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  }
}

/** createLog for an existing partition directory that carries a different topic id. */
export class InconsistentTopicIdError extends Error {
  override name = "InconsistentTopicIdError";

  get kafkaErrorCode(): ErrorCode {
    return ErrorCode.INCONSISTENT_TOPIC_ID;
  }
}

/**
 * An idempotent producer's batch does not continue its sequence: a gap, a sequence already past
 * the last five batches, or a new epoch not starting at 0 (Kafka's OutOfOrderSequenceException).
 * Nothing of the append was written.
 */
export class OutOfOrderSequenceError extends Error {
  override name = "OutOfOrderSequenceError";
  constructor(
    message: string,
    readonly producerId: number,
  ) {
    super(message);
  }

  get kafkaErrorCode(): ErrorCode {
    return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
  }
}

/** A batch written with an older epoch than the partition has seen for its producer id (a zombie). */
export class InvalidProducerEpochError extends Error {
  override name = "InvalidProducerEpochError";
  constructor(
    message: string,
    readonly producerId: number,
  ) {
    super(message);
  }

  get kafkaErrorCode(): ErrorCode {
    return ErrorCode.INVALID_PRODUCER_EPOCH;
  }
}
