// Bounds-checked big-endian reader over one Buffer. Every length and count read from the wire
// is checked against the bytes that remain before anything is allocated for it, so a frame
// that claims a huge array or string costs nothing but a DecodeError.

import { DecodeError } from "./decode-error.js";

const TWO_POW_32 = 0x1_0000_0000;
/**
 * Kafka refuses strings longer than this many UTF-8 bytes in every encoding, compact included
 * (its generated readers and writers check 0x7fff), so we do too.
 */
export const STRING_BYTES_MAX = 0x7fff;
/** A zigzag varlong of at most this many bits is exact in a number; longer ones go through bigint. */
const VARLONG_FAST_BITS = 49;
const VARLONG_BYTES_MAX = 10;

export class Reader {
  offset: number;
  readonly end: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
    end = buffer.length,
  ) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(byteCount: number): number {
    const start = this.offset;
    if (byteCount > this.end - start) {
      throw new DecodeError(`needed ${byteCount} bytes at offset ${start}, only ${this.end - start} remain`);
    }
    this.offset = start + byteCount;
    return start;
  }

  int8(): number {
    return this.buffer.readInt8(this.need(1));
  }

  uint8(): number {
    return this.buffer.readUInt8(this.need(1));
  }

  bool(): boolean {
    return this.buffer[this.need(1)] !== 0;
  }

  int16(): number {
    return this.buffer.readInt16BE(this.need(2));
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.need(2));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.need(4));
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.need(4));
  }

  /**
   * int64 as a number; throws DecodeError when the value is not a safe integer (DESIGN.md
   * "64-bit integers"), so nothing is ever rounded and every value read can be written back.
   */
  int64(): number {
    const at = this.need(8);
    const high = this.buffer.readInt32BE(at);
    const low = this.buffer.readUInt32BE(at + 4);
    const value = high * TWO_POW_32 + low;
    if (!Number.isSafeInteger(value)) {
      throw new DecodeError(`int64 at offset ${at} does not fit a safe integer`);
    }
    return value;
  }

  int64Big(): bigint {
    return this.buffer.readBigInt64BE(this.need(8));
  }

  float64(): number {
    return this.buffer.readDoubleBE(this.need(8));
  }

  /** A uuid as Kafka prints it: 22 characters of URL-safe base64 without padding. */
  uuid(): string {
    const at = this.need(16);
    return this.buffer.toString("base64url", at, at + 16);
  }

  /** Unsigned LEB128 varint of at most 5 bytes (an unsigned 32-bit value). */
  unsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer[this.need(1)];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffff_ffff) throw new DecodeError("unsigned varint exceeds 32 bits");
        return value;
      }
    }
    throw new DecodeError(`unsigned varint longer than 5 bytes at offset ${this.offset}`);
  }

  /** Zigzag-encoded signed varint (record format), at most 5 bytes. */
  varint(): number {
    const raw = this.unsignedVarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /**
   * Zigzag-encoded signed varlong (record format), at most 10 bytes. The value must be a safe
   * integer; anything else is a DecodeError rather than a rounded number.
   */
  varlong(): number {
    let raw = 0;
    for (let shift = 0; shift < VARLONG_FAST_BITS; shift += 7) {
      const byte = this.buffer[this.need(1)];
      raw += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    // Past 49 bits a number can no longer hold the zigzag value exactly: finish in bigint.
    let big = BigInt(raw);
    for (let shift = VARLONG_FAST_BITS; shift < VARLONG_BYTES_MAX * 7; shift += 7) {
      const byte = this.buffer[this.need(1)];
      big |= BigInt(byte & 0x7f) << BigInt(shift);
      if ((byte & 0x80) === 0) {
        if (big >= 1n << 64n) throw new DecodeError("varlong exceeds 64 bits");
        const value = (big & 1n) === 0n ? big >> 1n : -((big + 1n) >> 1n);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new DecodeError("varlong does not fit a safe integer");
        }
        return Number(value);
      }
    }
    throw new DecodeError(`varlong longer than ${VARLONG_BYTES_MAX} bytes at offset ${this.offset}`);
  }

  /** Returns a view of the next byteCount bytes (no copy). */
  slice(byteCount: number): Buffer {
    if (byteCount < 0) throw new DecodeError(`negative length ${byteCount}`);
    const at = this.need(byteCount);
    return this.buffer.subarray(at, at + byteCount);
  }

  skip(byteCount: number): void {
    if (byteCount < 0) throw new DecodeError(`negative length ${byteCount}`);
    this.need(byteCount);
  }

  private utf8(byteCount: number): string {
    if (byteCount < 0) throw new DecodeError(`negative string length ${byteCount}`);
    if (byteCount > STRING_BYTES_MAX) throw new DecodeError(`string of ${byteCount} bytes exceeds ${STRING_BYTES_MAX}`);
    const at = this.need(byteCount);
    return this.buffer.toString("utf8", at, at + byteCount);
  }

  string(): string {
    const length = this.int16();
    if (length === -1) throw new DecodeError("null string where a string is required");
    return this.utf8(length);
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    return this.utf8(length);
  }

  compactString(): string {
    const lengthPlusOne = this.unsignedVarint();
    if (lengthPlusOne === 0) throw new DecodeError("null string where a string is required");
    return this.utf8(lengthPlusOne - 1);
  }

  compactNullableString(): string | null {
    const lengthPlusOne = this.unsignedVarint();
    if (lengthPlusOne === 0) return null;
    return this.utf8(lengthPlusOne - 1);
  }

  bytes(): Buffer {
    const length = this.int32();
    if (length === -1) throw new DecodeError("null bytes where bytes are required");
    return this.slice(length);
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    return this.slice(length);
  }

  compactBytes(): Buffer {
    const lengthPlusOne = this.unsignedVarint();
    if (lengthPlusOne === 0) throw new DecodeError("null bytes where bytes are required");
    return this.slice(lengthPlusOne - 1);
  }

  compactNullableBytes(): Buffer | null {
    const lengthPlusOne = this.unsignedVarint();
    if (lengthPlusOne === 0) return null;
    return this.slice(lengthPlusOne - 1);
  }

  /**
   * Array count for a classic (int32-prefixed) array: -1 is null. A count larger than the bytes
   * left cannot be honest (every element takes at least one byte), so it is refused before any
   * allocation.
   */
  arrayLength(): number {
    const count = this.int32();
    if (count === -1) return -1;
    return this.checkCount(count);
  }

  /** Array count for a compact array: 0 is null, otherwise count + 1. */
  compactArrayLength(): number {
    const countPlusOne = this.unsignedVarint();
    if (countPlusOne === 0) return -1;
    return this.checkCount(countPlusOne - 1);
  }

  private checkCount(count: number): number {
    if (count < 0) throw new DecodeError(`negative array length ${count}`);
    if (count > this.end - this.offset) {
      throw new DecodeError(`array of ${count} elements cannot fit in ${this.end - this.offset} bytes`);
    }
    return count;
  }

  /** A reader over the next byteCount bytes, which this reader skips (tagged-field values). */
  sub(byteCount: number): Reader {
    if (byteCount < 0) throw new DecodeError(`negative length ${byteCount}`);
    const at = this.need(byteCount);
    return new Reader(this.buffer, at, at + byteCount);
  }
}
