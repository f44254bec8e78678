// Lazy loading of the native codec modules (snappy, lz4-napi, zstd-napi). Loading all three
// takes 30-60 ms on the reference machine (measured with dynamic import: about 15-25 ms each),
// which would be most of startBroker's budget; a broker that never sees a compressed batch
// never pays it. They are CommonJS, so createRequire loads them synchronously on first use and
// compress/decompress stay synchronous.

import { createRequire } from "node:module";
import type * as SnappyModule from "snappy";
import type * as Lz4Module from "lz4-napi";
import type * as ZstdBindingModule from "zstd-napi/binding.js";

export type Snappy = typeof SnappyModule;
export type Lz4 = typeof Lz4Module;
export type ZstdBinding = typeof ZstdBindingModule;

const require = createRequire(import.meta.url);

let snappyModule: Snappy | undefined;
let lz4Module: Lz4 | undefined;
let zstdModule: ZstdBinding | undefined;

export function snappy(): Snappy {
  snappyModule ??= require("snappy") as Snappy;
  return snappyModule;
}

export function lz4(): Lz4 {
  lz4Module ??= require("lz4-napi") as Lz4;
  return lz4Module;
}

/** zstd-napi's thin binding: the high-level API trusts a frame's declared size, so we bound it ourselves. */
export function zstd(): ZstdBinding {
  zstdModule ??= require("zstd-napi/binding") as ZstdBinding;
  return zstdModule;
}
