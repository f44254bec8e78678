// Choosing a partition for a record without one, like Kafka's default (built-in) partitioner:
// a keyed record goes to murmur2(key) mod the partition count, so equal keys share a partition
// across clients; unkeyed records stick to one partition until its batch is full, then move on
// to the next (round robin from a random start), which keeps batches large (KIP-480, KIP-794).

import { partitionForKey } from "./murmur2.js";

export class DefaultPartitioner {
  /** The partition unkeyed records of each topic currently go to. */
  private readonly sticky = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  partition(topic: string, key: Buffer | null | undefined, partitionCount: number): number {
    if (key !== null && key !== undefined) return partitionForKey(key, partitionCount);
    let partition = this.sticky.get(topic);
    if (partition === undefined || partition >= partitionCount) {
      partition = Math.floor(this.random() * partitionCount);
      this.sticky.set(topic, partition);
    }
    return partition;
  }

  /** A batch of this partition was completed: unkeyed records move to the next partition. */
  onBatchFull(topic: string, partition: number, partitionCount: number): void {
    if (this.sticky.get(topic) === partition) this.sticky.set(topic, (partition + 1) % partitionCount);
  }
}
