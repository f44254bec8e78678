// Finds where the length prefixes are in an encoded message: a Reader that records the byte range
// of every array count, string length and bytes length the decoder reads, and of every other
// unsigned varint (tagged-field counts, tags and sizes). Fuzz tests overwrite exactly those bytes
// with huge, negative or overlong values.

import { Reader } from "../../../src/protocol/primitives/reader.js";

export type LengthKind =
  /** int32 count or length (classic arrays and bytes): -1 is null, other negatives are invalid. */
  | "int32-length"
  /** int16 length (classic strings). */
  | "int16-length"
  /** unsigned varint length + 1 (compact arrays, strings and bytes). */
  | "varint-length"
  /** any other unsigned varint: tagged-field count, tag or size. */
  | "varint";

export interface LengthSite {
  readonly kind: LengthKind;
  /** First byte of the prefix. */
  readonly start: number;
  /** One past its last byte. */
  readonly end: number;
}

export class LengthProbeReader extends Reader {
  constructor(
    buffer: Buffer,
    offset = 0,
    end = buffer.length,
    /** Every prefix read so far, in reading order (shared with the readers of tagged fields). */
    readonly sites: LengthSite[] = [],
  ) {
    super(buffer, offset, end);
  }

  /** Set while a length read is in progress, so its inner varint or int read is not recorded twice. */
  private insideLength = false;

  /** Records the prefix that starts at the current offset, then performs the read. */
  private record<T>(kind: LengthKind, read: () => T): T {
    if (this.insideLength) return read();
    const start = this.offset;
    this.sites.push({ kind, start, end: this.prefixEnd(kind, start) });
    this.insideLength = true;
    try {
      return read();
    } finally {
      this.insideLength = false;
    }
  }

  private prefixEnd(kind: LengthKind, start: number): number {
    if (kind === "int32-length") return Math.min(start + 4, this.end);
    if (kind === "int16-length") return Math.min(start + 2, this.end);
    const copy = new Reader(this.buffer, start, this.end);
    try {
      copy.unsignedVarint();
    } catch {
      return this.end;
    }
    return copy.offset;
  }

  override unsignedVarint(): number {
    return this.record("varint", () => super.unsignedVarint());
  }

  override arrayLength(): number {
    return this.record("int32-length", () => super.arrayLength());
  }

  override compactArrayLength(): number {
    return this.record("varint-length", () => super.compactArrayLength());
  }

  override string(): string {
    return this.record("int16-length", () => super.string());
  }

  override nullableString(): string | null {
    return this.record("int16-length", () => super.nullableString());
  }

  override compactString(): string {
    return this.record("varint-length", () => super.compactString());
  }

  override compactNullableString(): string | null {
    return this.record("varint-length", () => super.compactNullableString());
  }

  override bytes(): Buffer {
    return this.record("int32-length", () => super.bytes());
  }

  override nullableBytes(): Buffer | null {
    return this.record("int32-length", () => super.nullableBytes());
  }

  override compactBytes(): Buffer {
    return this.record("varint-length", () => super.compactBytes());
  }

  override compactNullableBytes(): Buffer | null {
    return this.record("varint-length", () => super.compactNullableBytes());
  }

  /** Tagged-field values are read through sub-readers; they are probed into the same list. */
  override sub(byteCount: number): Reader {
    const inner = super.sub(byteCount);
    return new LengthProbeReader(this.buffer, inner.offset, inner.end, this.sites);
  }
}
