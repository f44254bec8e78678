// Hands out producer ids (InitProducerId) that are never handed out twice, not even after a
// restart or by another broker: ids come from blocks of PRODUCER_ID_BLOCK_SIZE reserved in the
// metadata store before any id of the block is used, the way KRaft's controller allocates them
// (ProducerIdControlManager: one ProducerIdsRecord holding the next free id). A block is reserved
// with compare-and-set on the record's version, so two brokers reserving at once get different
// blocks (the loser re-reads and takes the next one). The ids left unused in a block when the
// broker stops are skipped, as in Kafka: ids are plentiful (2^53 here), reuse would be a bug.
//
// The next block is reserved in the background once PREFETCH_THRESHOLD of the current one is
// used, so InitProducerId almost never waits for the store.
//
// Stored value (JSON) under PRODUCER_ID_BLOCK_KEY:
//   { "version": 1, "brokerId": <broker that took the last block>, "nextProducerId": <first free id> }

import { assert } from "../../lib/assert.js";
import type { Logger } from "../../lib/logger.js";
import { MetadataConflictError, type MetadataStore } from "../../cluster/metadata/metadata-store.js";

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** The metadata key of the producer id allocation record. */
export const PRODUCER_ID_BLOCK_KEY = "producer-ids/next-block";
/** Kafka's RPCProducerIdManager prefetches the next block once 90% of the current one is used. */
const PREFETCH_THRESHOLD = 0.9;
/** Compare-and-set attempts before a reservation gives up (each conflict means another broker won a block). */
const RESERVE_ATTEMPTS_MAX = 10;
const RECORD_VERSION = 1;

export interface ProducerIdBlock {
  readonly firstProducerId: number;
  readonly size: number;
}

interface ProducerIdsRecord {
  readonly version: number;
  readonly brokerId: number;
  readonly nextProducerId: number;
}

/** The store holds an allocation record this code cannot trust: handing out ids from a guess could repeat them. */
export class ProducerIdAllocationError extends Error {
  override name = "ProducerIdAllocationError";
}

function parseRecord(value: string): ProducerIdsRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ProducerIdAllocationError(`the producer id record is not JSON: ${value}`, { cause: error });
  }
  const record = parsed as Partial<ProducerIdsRecord> | null;
  if (
    record === null ||
    typeof record !== "object" ||
    record.version !== RECORD_VERSION ||
    typeof record.nextProducerId !== "number" ||
    !Number.isSafeInteger(record.nextProducerId) ||
    record.nextProducerId < 0
  ) {
    throw new ProducerIdAllocationError(`the producer id record is malformed: ${value}`);
  }
  return { version: record.version, brokerId: typeof record.brokerId === "number" ? record.brokerId : -1, nextProducerId: record.nextProducerId };
}

export class ProducerIdManager {
  private current: ProducerIdBlock | null = null;
  private nextProducerId = 0;
  /** A block reserved ahead of need, taken once the current one is used up. */
  private prefetched: ProducerIdBlock | null = null;
  /** The one reservation in flight (it fills `prefetched`); everyone who needs a block waits for it. */
  private reserving: Promise<void> | null = null;

  constructor(
    private readonly store: MetadataStore,
    private readonly brokerId: number,
    private readonly logger?: Logger,
  ) {}

  /** A producer id no one has had before. Rejects when no block can be reserved (the store failed). */
  async generateProducerId(): Promise<number> {
    for (;;) {
      const producerId = this.takeProducerId();
      if (producerId !== null) return producerId;
      // Out of ids: wait for the reservation in flight, or start one; then look again (callers
      // woken together share the new block).
      await this.reserveNextBlock();
    }
  }

  private currentHasIds(): boolean {
    return this.current !== null && this.nextProducerId < this.current.firstProducerId + this.current.size;
  }

  /** The next id of the current (or else the prefetched) block; null when neither has one. */
  private takeProducerId(): number | null {
    if (!this.currentHasIds() && this.prefetched !== null) {
      this.current = this.prefetched;
      this.nextProducerId = this.prefetched.firstProducerId;
      this.prefetched = null;
    }
    const block = this.current;
    if (block === null || !this.currentHasIds()) return null;
    const producerId = this.nextProducerId;
    this.nextProducerId += 1;
    if (this.prefetched === null && this.reserving === null && this.nextProducerId - block.firstProducerId >= block.size * PREFETCH_THRESHOLD) {
      // Reserved in the background; a failure only shows when a caller actually runs out.
      this.reserveNextBlock().catch((error: unknown) => this.logger?.warn({ err: error }, "reserving the next producer id block failed"));
    }
    return producerId;
  }

  private reserveNextBlock(): Promise<void> {
    this.reserving ??= this.reserveBlock()
      .then((block) => {
        this.prefetched = block;
      })
      .finally(() => {
        this.reserving = null;
      });
    return this.reserving;
  }

  /** Reserves the next block in the store (compare-and-set); resolves once the reservation is durable. */
  private async reserveBlock(): Promise<ProducerIdBlock> {
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS_MAX; attempt += 1) {
      const entry = await this.store.get(PRODUCER_ID_BLOCK_KEY);
      const firstProducerId = entry === undefined ? 0 : parseRecord(entry.value).nextProducerId;
      const nextProducerId = firstProducerId + PRODUCER_ID_BLOCK_SIZE;
      if (!Number.isSafeInteger(nextProducerId)) throw new ProducerIdAllocationError("producer ids are exhausted");
      const record: ProducerIdsRecord = { version: RECORD_VERSION, brokerId: this.brokerId, nextProducerId };
      try {
        await this.store.commit([{ type: "put", key: PRODUCER_ID_BLOCK_KEY, value: JSON.stringify(record), expectedVersion: entry?.version ?? 0 }]);
      } catch (error) {
        if (error instanceof MetadataConflictError) continue;
        throw error;
      }
      assert(firstProducerId >= 0, "producer id blocks start at 0 or above");
      this.logger?.debug({ firstProducerId, size: PRODUCER_ID_BLOCK_SIZE }, "reserved a producer id block");
      return { firstProducerId, size: PRODUCER_ID_BLOCK_SIZE };
    }
    throw new ProducerIdAllocationError(`could not reserve a producer id block after ${RESERVE_ATTEMPTS_MAX} conflicting attempts`);
  }
}
