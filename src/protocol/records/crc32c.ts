// CRC-32C (Castagnoli), the checksum of record batch v2. Native (@node-rs/crc32, about 6 GB/s
// here); Node's zlib.crc32 is CRC-32 (IEEE), the wrong polynomial for Kafka.

import { crc32c as nativeCrc32c } from "@node-rs/crc32";

/** CRC-32C of bytes, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, initial = 0): number {
  return nativeCrc32c(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), initial) >>> 0;
}
