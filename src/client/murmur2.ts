// MurmurHash2 (32-bit, Austin Appleby's algorithm) with the seed Kafka's default partitioner uses,
// so a keyed record lands in the same partition as with the Java client, kafka-python, kafkajs'
// default partitioner and librdkafka's "murmur2" partitioners.
//
// The algorithm: h = seed ^ length; each 4-byte little-endian block k is mixed
// (k *= m; k ^= k >>> r; k *= m) into h (h *= m; h ^= k); the 1-3 trailing bytes are xored in
// (the highest first) and h *= m; finally h ^= h >>> 13; h *= m; h ^= h >>> 15.
// All arithmetic is modulo 2^32: Math.imul multiplies, ">>> 0" / "| 0" keep 32 bits.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's Utils.murmur2: the hash as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blockEnd = length - (length & 3);
  let index = 0;
  for (; index < blockEnd; index += 4) {
    let k = data[index] | (data[index + 1] << 8) | (data[index + 2] << 16) | (data[index + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tailBytes = length & 3;
  if (tailBytes === 3) h ^= data[index + 2] << 16;
  if (tailBytes >= 2) h ^= data[index + 1] << 8;
  if (tailBytes >= 1) {
    h ^= data[index];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which differs for negatives). */
export function toPositive(value: number): number {
  return value & 0x7fff_ffff;
}

/** The partition Kafka's default partitioner picks for a keyed record. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}
