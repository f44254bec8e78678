// Field helpers shared by the __consumer_offsets record codecs. Each record type is a small
// versioned message in Kafka's own encoding: classic (int16-length strings, int32-count arrays)
// for old versions, flexible (compact strings and arrays, tagged fields) from the version the
// schema names. These helpers pick the encoding from one `flexible` flag so each codec reads
// like its schema.

import { DecodeError } from "../../../protocol/primitives/decode-error.js";
import type { Reader } from "../../../protocol/primitives/reader.js";
import type { Writer } from "../../../protocol/primitives/writer.js";

export function writeString(writer: Writer, value: string, flexible: boolean): void {
  if (flexible) writer.compactString(value);
  else writer.string(value);
}

export function readString(reader: Reader, flexible: boolean): string {
  return flexible ? reader.compactString() : reader.string();
}

export function writeNullableString(writer: Writer, value: string | null, flexible: boolean): void {
  if (flexible) writer.compactNullableString(value);
  else writer.nullableString(value);
}

export function readNullableString(reader: Reader, flexible: boolean): string | null {
  return flexible ? reader.compactNullableString() : reader.nullableString();
}

export function writeBytes(writer: Writer, value: Buffer, flexible: boolean): void {
  // Copied rather than attached: record values are small and the caller may reuse its buffer.
  if (flexible) writer.unsignedVarint(value.length + 1);
  else writer.int32(value.length);
  writer.raw(value);
}

export function readBytes(reader: Reader, flexible: boolean): Buffer {
  // A copy, so the decoded value does not pin the whole batch (or log chunk) it came from.
  return Buffer.from(flexible ? reader.compactBytes() : reader.bytes());
}

export function writeArray<T>(writer: Writer, items: readonly T[], flexible: boolean, writeItem: (item: T) => void): void {
  if (flexible) writer.compactArrayLength(items.length);
  else writer.arrayLength(items.length);
  for (const item of items) writeItem(item);
}

export function readArray<T>(reader: Reader, flexible: boolean, readItem: () => T): T[] {
  const count = flexible ? reader.compactArrayLength() : reader.arrayLength();
  if (count < 0) throw new DecodeError("null array where an array is required");
  const items: T[] = [];
  for (let index = 0; index < count; index++) items.push(readItem());
  return items;
}

/** No tagged fields: we never write the optional ones newer Kafka versions define. */
export function writeNoTaggedFields(writer: Writer): void {
  writer.unsignedVarint(0);
}

/** Skips tagged fields: the ones Kafka 4.x added to these records carry nothing we use. */
export function skipTaggedFields(reader: Reader): void {
  const count = reader.unsignedVarint();
  for (let index = 0; index < count; index++) {
    reader.unsignedVarint();
    reader.skip(reader.unsignedVarint());
  }
}

/** A record (key or value) must be consumed exactly; trailing bytes mean a format we misread. */
export function expectEnd(reader: Reader, what: string): void {
  if (reader.remaining !== 0) throw new DecodeError(`${reader.remaining} unexpected bytes after ${what}`);
}

export class UnknownRecordVersionError extends DecodeError {
  override name = "UnknownRecordVersionError";
}
