// The LZ4 block decoder (lz4-block-decoder.wat) and the one WebAssembly memory it decodes in.
// lz4-codec.ts walks the frame format and calls decodeBlock/copyBlock per block; the output is
// a view of this memory, good until the next load().
//
// Layout of the memory for one load(): the compressed input at 0, a gap, then the output region,
// then a gap. The decoder's short copies run up to 16 bytes past where they stop (see the .wat),
// so both gaps are 16 bytes and the output is 8-byte aligned.
//
// A WebAssembly memory only grows. Most batches need well under RETAINED_BYTES_MAX; one larger
// load grows the memory, and the next load that fits in RETAINED_BYTES_MAX starts over with a
// fresh small memory, leaving the large one to the GC.

import { LZ4_BLOCK_DECODER_WASM } from "./lz4-block-decoder-wasm.js";

// @types/node does not declare the WebAssembly global (TypeScript's DOM library does): the part
// used here, typed for the compiler.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const GAP_BYTES = 16;
const PAGE_BYTES = 64 * 1024;
/** Memory kept from one load to the next: a few ordinary batches' worth. */
export const RETAINED_BYTES_MAX = 8 * 1024 * 1024;

/** decodeBlock's and copyBlock's results below zero. */
export const BlockError = {
  /** The block is truncated or a length runs past its end. */
  Truncated: -1,
  /** The block decodes to more than the room given. */
  OutputFull: -2,
  /** A match offset is 0 or refers to before the window's start. */
  BadOffset: -3,
} as const;

type DecodeBlock = (ip: number, end: number, op: number, outEnd: number, windowStart: number) => number;

let compiled: object | undefined;

function compiledModule(): object {
  compiled ??= new wasm.Module(Buffer.from(LZ4_BLOCK_DECODER_WASM, "base64"));
  return compiled;
}

function align8(value: number): number {
  return (value + 7) & ~7;
}

/** One memory and its decoder instance. Synchronous use only: one load() at a time. */
export class Lz4BlockDecoder {
  private memory: WasmMemory | undefined;
  private decode: DecodeBlock | undefined;
  private bytes = new Uint8Array(0);
  private outputBase = 0;
  private outputCapacity = 0;

  /** Bytes the memory holds now (for tests and the memory bound). */
  get memoryBytes(): number {
    return this.memory?.buffer.byteLength ?? 0;
  }

  /**
   * Copies the compressed input into the memory and makes room for outputCapacity decoded
   * bytes. Views from output() of earlier loads are invalid from here on.
   */
  load(input: Uint8Array, outputCapacity: number): void {
    const outputBase = align8(input.length + GAP_BYTES);
    const needed = outputBase + align8(outputCapacity) + GAP_BYTES;
    if (this.memory === undefined || (needed <= RETAINED_BYTES_MAX && this.memoryBytes > RETAINED_BYTES_MAX)) {
      this.memory = new wasm.Memory({ initial: Math.ceil(needed / PAGE_BYTES) });
      const instance = new wasm.Instance(compiledModule(), { env: { memory: this.memory } });
      this.decode = instance.exports.decodeBlock as DecodeBlock;
    } else if (needed > this.memoryBytes) {
      this.memory.grow(Math.ceil((needed - this.memoryBytes) / PAGE_BYTES));
    }
    this.bytes = new Uint8Array(this.memory.buffer);
    this.bytes.set(input, 0);
    this.outputBase = outputBase;
    this.outputCapacity = outputCapacity;
  }

  /**
   * Decodes the compressed block input[start, end) to output position `at`, writing nothing at or
   * past outputEnd; matches may reach back to output position windowStart. Returns the output
   * position after the block, or a BlockError (negative).
   */
  decodeBlock(start: number, end: number, at: number, outputEnd: number, windowStart: number): number {
    const base = this.outputBase;
    const limit = Math.min(outputEnd, this.outputCapacity);
    const result = this.decode!(start, end, base + at, base + limit, base + windowStart);
    return result < 0 ? result : result - base;
  }

  /** Copies the stored (uncompressed) block input[start, end) to output position `at`. */
  copyBlock(start: number, end: number, at: number): number {
    const length = end - start;
    if (at + length > this.outputCapacity) return BlockError.OutputFull;
    this.bytes.copyWithin(this.outputBase + at, start, end);
    return at + length;
  }

  /** The first `length` decoded bytes: a view of the memory, valid until the next load(). */
  output(length: number): Buffer {
    return Buffer.from(this.bytes.buffer, this.outputBase, length);
  }
}
