// Replays one __consumer_offsets partition from its log: every batch in offset order, each
// record decoded into a typed coordinator record and handed to `apply`. Transactional records
// (offsets committed inside a transaction) are held back per producer until the transaction's
// COMMIT marker and dropped on ABORT or if still open at the end, as Kafka does. Records of
// types this broker does not know, or that cannot be decoded, are skipped with a warning: one
// bad record must not keep a whole partition's groups offline.

import type { Logger } from "../../lib/logger.js";
import { errorMessage } from "../../lib/errors.js";
import { isControlBatch, isTransactional } from "../../protocol/records/batch-header.js";
import { ControlRecordType, decodeControlRecordKey } from "../../protocol/records/control-record.js";
import { decodeRecordBatch } from "../../protocol/records/record-batch.js";
import { recordBatches } from "../../protocol/records/record-batches.js";
import type { CoordinatorLog } from "./coordinator-log.js";
import { decodeCoordinatorRecord, type CoordinatorRecord } from "./records/coordinator-record.js";

/** Bound on one decompressed batch: Kafka writes these batches uncompressed and far smaller. */
const MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;
/** Warnings about skipped records are capped per load, so a damaged log cannot flood the log output. */
const MAX_SKIP_WARNINGS = 20;

export interface LoadSummary {
  readonly batches: number;
  readonly records: number;
  readonly skippedRecords: number;
}

export async function loadCoordinatorRecords(
  log: CoordinatorLog,
  partition: number,
  apply: (record: CoordinatorRecord) => void,
  logger: Logger,
): Promise<LoadSummary> {
  let batches = 0;
  let records = 0;
  let skippedRecords = 0;
  const pendingTransactions = new Map<number, CoordinatorRecord[]>();
  const skip = (reason: string): void => {
    skippedRecords++;
    if (skippedRecords <= MAX_SKIP_WARNINGS) logger.warn({ partition, reason }, "skipping __consumer_offsets record");
  };
  const applySafely = (record: CoordinatorRecord): void => {
    try {
      apply(record);
    } catch (error) {
      skip(`cannot apply ${record.type} record: ${errorMessage(error)}`);
    }
  };
  for await (const chunk of log.readAll(partition)) {
    for (const slice of recordBatches(chunk)) {
      batches++;
      let decoded;
      try {
        decoded = decodeRecordBatch(slice.batch, { maxDecompressedBytes: MAX_DECOMPRESSED_BATCH_BYTES });
      } catch (error) {
        skip(`undecodable batch at offset ${slice.header.baseOffset}: ${errorMessage(error)}`);
        continue;
      }
      const { header } = decoded;
      if (isControlBatch(header.attributes)) {
        for (const record of decoded.records) {
          let type: number;
          try {
            type = decodeControlRecordKey(record.key).type;
          } catch (error) {
            skip(`bad control record: ${errorMessage(error)}`);
            continue;
          }
          const pending = pendingTransactions.get(header.producerId) ?? [];
          pendingTransactions.delete(header.producerId);
          if (type === ControlRecordType.Commit) for (const committed of pending) applySafely(committed);
        }
        continue;
      }
      for (const record of decoded.records) {
        records++;
        if (record.key === null) {
          skip("record without a key");
          continue;
        }
        let typed: CoordinatorRecord | null;
        try {
          typed = decodeCoordinatorRecord(record.key, record.value);
        } catch (error) {
          skip(errorMessage(error));
          continue;
        }
        if (typed === null) {
          skip(`unknown record type ${record.key.readInt16BE(0)}`);
          continue;
        }
        if (isTransactional(header.attributes)) {
          const pending = pendingTransactions.get(header.producerId) ?? [];
          pending.push(typed);
          pendingTransactions.set(header.producerId, pending);
        } else {
          applySafely(typed);
        }
      }
    }
  }
  return { batches, records, skippedRecords };
}
