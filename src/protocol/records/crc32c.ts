// CRC-32C (Castagnoli), the checksum of record batch v2. Native (@node-rs/crc32, about 6 GB/s
// here); Node's zlib.crc32 is CRC-32 (IEEE), the wrong polynomial for Kafka.
//
// Loaded with require rather than import: the package is CommonJS, and importing it as ESM makes
// Node scan its loader for exports first, which took 22-24 ms against 6-8 ms (measured on the
// reference machine), a large share of the broker's startup budget.

import { createRequire } from "node:module";
import type * as Crc32Module from "@node-rs/crc32";

const { crc32c: nativeCrc32c } = createRequire(import.meta.url)("@node-rs/crc32") as typeof Crc32Module;

/** CRC-32C of bytes, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, initial = 0): number {
  return nativeCrc32c(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), initial) >>> 0;
}
