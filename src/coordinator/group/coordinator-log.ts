// What the group coordinator needs from the log of one __consumer_offsets partition: append one
// record batch and read everything back at load. The broker implements it over its partition
// logs; tests use InMemoryCoordinatorLog.

export interface CoordinatorAppendResult {
  /** Offset of the last record of the appended batch. */
  readonly lastOffset: number;
}

export interface CoordinatorLog {
  /**
   * Appends one v2 record batch (uncompressed, not transactional; offsets assigned by the log).
   * Resolves once the batch is durable by the broker's standard (the coordinator answers the
   * client after that), rejects if it could not be appended.
   */
  append(partition: number, batch: Buffer): Promise<CoordinatorAppendResult>;
  /**
   * Every batch of the partition from its log start, in offset order. A chunk may hold several
   * back-to-back batches; a truncated trailing batch is ignored.
   */
  readAll(partition: number): AsyncIterable<Buffer>;
}
