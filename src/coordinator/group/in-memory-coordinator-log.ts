// A CoordinatorLog kept in memory: batches per partition with offsets assigned on append. Used by
// tests (and embedded brokers without storage); a "restart" is a new coordinator over the same
// InMemoryCoordinatorLog. Appends can be made to fail, to test the coordinator's recovery.

import { lastOffsetOf, readBatchHeader, setBaseOffset } from "../../protocol/records/batch-header.js";
import type { CoordinatorAppendResult, CoordinatorLog } from "./coordinator-log.js";

export class InMemoryCoordinatorLog implements CoordinatorLog {
  private readonly partitions = new Map<number, Buffer[]>();
  private readonly nextOffsets = new Map<number, number>();
  /** When set, the next appends reject with this error (until cleared). */
  failAppendsWith: Error | null = null;

  async append(partition: number, batch: Buffer): Promise<CoordinatorAppendResult> {
    if (this.failAppendsWith !== null) throw this.failAppendsWith;
    const copy = Buffer.from(batch);
    const baseOffset = this.nextOffsets.get(partition) ?? 0;
    setBaseOffset(copy, baseOffset);
    const lastOffset = lastOffsetOf(readBatchHeader(copy));
    this.nextOffsets.set(partition, lastOffset + 1);
    let batches = this.partitions.get(partition);
    if (batches === undefined) {
      batches = [];
      this.partitions.set(partition, batches);
    }
    batches.push(copy);
    return { lastOffset };
  }

  async *readAll(partition: number): AsyncIterable<Buffer> {
    for (const batch of [...(this.partitions.get(partition) ?? [])]) yield batch;
  }

  /** The stored batches of a partition (for tests that inspect the exact bytes). */
  batches(partition: number): readonly Buffer[] {
    return this.partitions.get(partition) ?? [];
  }

  /** Partitions that hold at least one batch. */
  partitionsWithData(): number[] {
    return [...this.partitions.keys()].sort((a, b) => a - b);
  }
}
