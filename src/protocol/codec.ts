// The shape every generated codec has, and the schema description it carries.
// The schema is what the generator read, kept so tests and tools can walk any message
// (arbitrary values for property tests, field listings) without the JSON spec files.

import { assert } from "../lib/assert.js";
import type { Reader } from "./primitives/reader.js";
import type { Writer } from "./primitives/writer.js";

/** Inclusive version range; max is Infinity for "N+". An empty range has min > max. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export type PrimitiveType =
  | "bool"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "float64"
  | "string"
  | "bytes"
  | "records"
  | "uuid";

/**
 * A field's default, as the schema states it. Read it together with the field's type: a literal
 * (number, bigint for bigint fields, boolean, string, uuid string, or null), or for arrays,
 * bytes and structs a marker: "empty-array", "empty-bytes", or "struct" (a struct with every
 * field at its own default).
 */
export type FieldDefault = number | bigint | boolean | string | null | "empty-array" | "empty-bytes" | "struct";

export interface FieldSchema {
  /** camelCase property name. */
  readonly name: string;
  /** A primitive, or "struct" for a nested structure. */
  readonly type: PrimitiveType | "struct";
  readonly isArray: boolean;
  /** For int64 fields typed as bigint by an override. */
  readonly bigint: boolean;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange;
  readonly tag: number | null;
  /** Versions in which this field uses the flexible (compact) encoding, when it overrides the message's. */
  readonly flexibleVersions: VersionRange | null;
  readonly struct: StructSchema | null;
  readonly defaultValue: FieldDefault;
}

export interface StructSchema {
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface MessageSchema extends StructSchema {
  readonly apiKey: number | null;
  readonly kind: "request" | "response" | "header" | "data";
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
}

export interface MessageCodec<T> {
  readonly name: string;
  readonly apiKey: number | null;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Lowest flexible version, or null if no version is flexible. */
  readonly flexibleMinVersion: number | null;
  decode(reader: Reader, version: number): T;
  encode(writer: Writer, version: number, message: T): void;
  /** A message with every field at its default. */
  create(): T;
  readonly schema: MessageSchema;
}

export function inRange(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

/** A field's default value, built from the schema alone (a fresh object or array each call). */
export function fieldDefault(field: FieldSchema): unknown {
  const value = field.defaultValue;
  if (value === null) return null;
  if (field.isArray) return [];
  if (field.type === "struct") {
    assert(field.struct !== null, `struct field ${field.name} has no struct schema`);
    return structDefault(field.struct);
  }
  if (field.type === "bytes" || field.type === "records") return Buffer.alloc(0);
  return value;
}

/** A struct with every field at its default: equal to what the generated create() returns. */
export function structDefault(struct: StructSchema): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of struct.fields) value[field.name] = fieldDefault(field);
  return value;
}
