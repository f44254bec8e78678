// Append-only big-endian writer. Small fields go into a growing scratch buffer; large payloads
// (record batches) are attached by reference with attach(), so a fetch response is assembled
// from stored batches without copying them. finish() returns the chunks for one writev.

import { assert } from "../../lib/assert.js";
import { STRING_BYTES_MAX } from "./reader.js";

const TWO_POW_32 = 0x1_0000_0000;
const INITIAL_CAPACITY_BYTES = 256;
/** Payloads smaller than this are copied into the scratch buffer: a separate chunk costs more. */
const ATTACH_MIN_BYTES = 512;
/** Below this magnitude a zigzag varlong (2|v| or 2|v|-1) is exact in a number; above, bigint. */
const VARLONG_FAST_LIMIT = 2 ** 52;
/** The 22nd base64url character of 16 bytes carries 2 bits; only these four leave no stray bits. */
const UUID_LAST_CHARACTERS = "AQgw";

export class Writer {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private scratch: Buffer;
  private scratchStart = 0;
  private position = 0;

  constructor(initialCapacityBytes = INITIAL_CAPACITY_BYTES) {
    this.scratch = Buffer.allocUnsafe(initialCapacityBytes);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.chunkBytes + this.position - this.scratchStart;
  }

  private ensure(byteCount: number): void {
    if (this.position + byteCount <= this.scratch.length) return;
    const pending = this.position - this.scratchStart;
    const capacity = Math.max(this.scratch.length * 2, pending + byteCount, INITIAL_CAPACITY_BYTES);
    const next = Buffer.allocUnsafe(capacity);
    this.scratch.copy(next, 0, this.scratchStart, this.position);
    this.scratch = next;
    this.scratchStart = 0;
    this.position = pending;
  }

  int8(value: number): this {
    this.ensure(1);
    this.position = this.scratch.writeInt8(value, this.position);
    return this;
  }

  uint8(value: number): this {
    this.ensure(1);
    this.position = this.scratch.writeUInt8(value, this.position);
    return this;
  }

  bool(value: boolean): this {
    return this.uint8(value ? 1 : 0);
  }

  int16(value: number): this {
    this.ensure(2);
    this.position = this.scratch.writeInt16BE(value, this.position);
    return this;
  }

  uint16(value: number): this {
    this.ensure(2);
    this.position = this.scratch.writeUInt16BE(value, this.position);
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.position = this.scratch.writeInt32BE(value, this.position);
    return this;
  }

  uint32(value: number): this {
    this.ensure(4);
    this.position = this.scratch.writeUInt32BE(value, this.position);
    return this;
  }

  int64(value: number): this {
    assert(Number.isSafeInteger(value), `int64 value ${value} is not a safe integer`);
    this.ensure(8);
    const high = Math.floor(value / TWO_POW_32);
    const low = value - high * TWO_POW_32;
    this.scratch.writeInt32BE(high, this.position);
    this.scratch.writeUInt32BE(low, this.position + 4);
    this.position += 8;
    return this;
  }

  int64Big(value: bigint): this {
    this.ensure(8);
    this.position = this.scratch.writeBigInt64BE(value, this.position);
    return this;
  }

  float64(value: number): this {
    this.ensure(8);
    this.position = this.scratch.writeDoubleBE(value, this.position);
    return this;
  }

  uuid(value: string): this {
    this.ensure(16);
    // A non-canonical last character would decode to the same 16 bytes and not read back as
    // written, so only canonical uuids (as Reader.uuid returns them) are accepted.
    assert(value.length === 22 && UUID_LAST_CHARACTERS.includes(value[21]), `invalid uuid ${value}`);
    const written = this.scratch.write(value, this.position, 16, "base64url");
    assert(written === 16, `invalid uuid ${value}`);
    this.position += 16;
    return this;
  }

  unsignedVarint(value: number): this {
    assert(value >= 0 && value <= 0xffff_ffff && Number.isInteger(value), `bad unsigned varint ${value}`);
    this.ensure(5);
    let remaining = value;
    while (remaining >= 0x80) {
      this.scratch[this.position++] = (remaining & 0x7f) | 0x80;
      remaining = Math.floor(remaining / 128);
    }
    this.scratch[this.position++] = remaining;
    return this;
  }

  /** Zigzag signed varint (record format). */
  varint(value: number): this {
    assert(Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff, `bad varint ${value}`);
    return this.unsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** Zigzag signed varlong (record format): any safe integer, exactly. */
  varlong(value: number): this {
    assert(Number.isSafeInteger(value), `bad varlong ${value}`);
    this.ensure(10);
    if (value > -VARLONG_FAST_LIMIT && value < VARLONG_FAST_LIMIT) {
      let remaining = value >= 0 ? value * 2 : -value * 2 - 1;
      while (remaining >= 0x80) {
        this.scratch[this.position++] = (remaining % 128) | 0x80;
        remaining = Math.floor(remaining / 128);
      }
      this.scratch[this.position++] = remaining;
      return this;
    }
    const big = BigInt(value);
    let remaining = big >= 0n ? big << 1n : (-big << 1n) - 1n;
    while (remaining >= 0x80n) {
      this.scratch[this.position++] = Number(remaining & 0x7fn) | 0x80;
      remaining >>= 7n;
    }
    this.scratch[this.position++] = Number(remaining);
    return this;
  }

  /** Copies bytes into the output. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.scratch.set(bytes, this.position);
    this.position += bytes.length;
    return this;
  }

  /** Adds bytes by reference: large payloads are not copied. The caller must not modify them. */
  attach(bytes: Buffer): this {
    if (bytes.length < ATTACH_MIN_BYTES) return this.raw(bytes);
    this.sealScratch();
    this.chunks.push(bytes);
    this.chunkBytes += bytes.length;
    return this;
  }

  private sealScratch(): void {
    if (this.position > this.scratchStart) {
      const sealed = this.scratch.subarray(this.scratchStart, this.position);
      this.chunks.push(sealed);
      this.chunkBytes += sealed.length;
      this.scratchStart = this.position;
    }
  }

  private utf8(value: string, lengthPrefix: (byteCount: number) => void): this {
    const byteCount = Buffer.byteLength(value, "utf8");
    lengthPrefix(byteCount);
    this.ensure(byteCount);
    this.position += this.scratch.write(value, this.position, byteCount, "utf8");
    return this;
  }

  string(value: string): this {
    return this.utf8(value, (byteCount) => {
      assert(byteCount <= STRING_BYTES_MAX, `string longer than ${STRING_BYTES_MAX} bytes`);
      this.int16(byteCount);
    });
  }

  nullableString(value: string | null): this {
    if (value === null) return this.int16(-1);
    return this.string(value);
  }

  compactString(value: string): this {
    return this.utf8(value, (byteCount) => {
      assert(byteCount <= STRING_BYTES_MAX, `string longer than ${STRING_BYTES_MAX} bytes`);
      this.unsignedVarint(byteCount + 1);
    });
  }

  compactNullableString(value: string | null): this {
    if (value === null) return this.unsignedVarint(0);
    return this.compactString(value);
  }

  bytes(value: Uint8Array): this {
    this.int32(value.length);
    return this.payload(value);
  }

  nullableBytes(value: Uint8Array | null): this {
    if (value === null) return this.int32(-1);
    return this.bytes(value);
  }

  compactBytes(value: Uint8Array): this {
    this.unsignedVarint(value.length + 1);
    return this.payload(value);
  }

  compactNullableBytes(value: Uint8Array | null): this {
    if (value === null) return this.unsignedVarint(0);
    return this.compactBytes(value);
  }

  private payload(value: Uint8Array): this {
    if (Buffer.isBuffer(value)) return this.attach(value);
    return this.raw(value);
  }

  /** Records: a nullable bytes value whose content may be several stored batches. */
  records(value: Records | null, compact: boolean): this {
    if (value === null) return compact ? this.unsignedVarint(0) : this.int32(-1);
    if (Buffer.isBuffer(value)) return compact ? this.compactBytes(value) : this.bytes(value);
    let byteCount = 0;
    for (const part of value) byteCount += part.length;
    if (compact) this.unsignedVarint(byteCount + 1);
    else this.int32(byteCount);
    for (const part of value) this.attach(part);
    return this;
  }

  arrayLength(count: number | null): this {
    return this.int32(count === null ? -1 : count);
  }

  compactArrayLength(count: number | null): this {
    return this.unsignedVarint(count === null ? 0 : count + 1);
  }

  /** The written bytes as chunks, in order, ready for one writev. */
  finish(): Buffer[] {
    this.sealScratch();
    return this.chunks;
  }

  /** The written bytes as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.finish();
    if (chunks.length === 1) return chunks[0];
    return Buffer.concat(chunks, this.chunkBytes);
  }
}

/** A records value: one Buffer, or several stored batches sent back to back. */
export type Records = Buffer | readonly Buffer[];
