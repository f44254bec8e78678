// Which __consumer_offsets partition holds a group: Kafka's Utils.abs(groupId.hashCode()) %
// offsets.topic.num.partitions, with Java's String.hashCode over UTF-16 code units. Computing it
// the same way keeps a group on the partition Kafka tools expect when they read the topic.

import { assert } from "../../lib/assert.js";

const INT32_MIN = -0x8000_0000;

/** Java's String.hashCode: h = 31 * h + c over UTF-16 code units, in 32-bit two's complement. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let index = 0; index < value.length; index++) {
    hash = (Math.imul(hash, 31) + value.charCodeAt(index)) | 0;
  }
  return hash;
}

/** Kafka's Utils.abs: the absolute value, except that Integer.MIN_VALUE maps to 0. */
function kafkaAbs(value: number): number {
  return value === INT32_MIN ? 0 : Math.abs(value);
}

export function groupPartition(groupId: string, partitionCount: number): number {
  assert(Number.isInteger(partitionCount) && partitionCount > 0, `bad offsets.topic.num.partitions ${partitionCount}`);
  return kafkaAbs(javaStringHashCode(groupId)) % partitionCount;
}
