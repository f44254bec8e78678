// fast-check arbitraries for any generated message at any version, built by walking the schema
// each codec carries (MessageSchema in src/protocol/codec.ts). Only the fields present in that
// version get random values; the others keep their schema default, which is what the decoder
// produces for them. Null appears only where nullableVersions covers the version.

import fc from "fast-check";
import { fieldDefault, inRange, type FieldSchema, type MessageCodec, type StructSchema } from "../../../src/protocol/codec.js";

/** Array lengths shrink with depth so a Fetch response (three levels of arrays) stays small. */
const ARRAY_LENGTH_MAX_BY_DEPTH = [4, 3, 2, 2];
const STRING_UNITS_MAX = 16;
const BYTES_SMALL_MAX = 24;
/** Larger than the Writer's attach threshold (512 bytes), so attached chunks are exercised too. */
const BYTES_LARGE_MIN = 600;
const BYTES_LARGE_MAX = 900;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function arrayLengthMax(depth: number): number {
  return ARRAY_LENGTH_MAX_BY_DEPTH[Math.min(depth, ARRAY_LENGTH_MAX_BY_DEPTH.length - 1)];
}

/**
 * Strings with multi-byte UTF-8 (every code point but lone surrogates, which UTF-8 cannot hold).
 * Built once per length: fast-check keeps internal tables for each "binary" string arbitrary it
 * builds, and one per field per version adds up to tens of megabytes.
 */
const stringArbitraries = new Map<number, fc.Arbitrary<string>>();

export function stringArbitrary(maxLength = STRING_UNITS_MAX): fc.Arbitrary<string> {
  let arbitrary = stringArbitraries.get(maxLength);
  if (arbitrary === undefined) {
    arbitrary = fc.oneof(
      fc.string({ unit: "grapheme", maxLength }),
      fc.string({ unit: "binary", maxLength }),
      fc.string({ unit: "grapheme-ascii", maxLength }),
    );
    stringArbitraries.set(maxLength, arbitrary);
  }
  return arbitrary;
}

const BYTES_ARBITRARY: fc.Arbitrary<Buffer> = fc
  .oneof(
    { weight: 8, arbitrary: fc.uint8Array({ maxLength: BYTES_SMALL_MAX }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: BYTES_LARGE_MIN, maxLength: BYTES_LARGE_MAX }) },
  )
  .map((bytes) => Buffer.from(bytes));

export function bytesArbitrary(): fc.Arbitrary<Buffer> {
  return BYTES_ARBITRARY;
}

export function uuidArbitrary(): fc.Arbitrary<string> {
  return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString("base64url"));
}

function int64Arbitrary(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.maxSafeInteger(),
    fc.integer({ min: -1, max: 1000 }),
    fc.constantFrom(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -(2 ** 32), 2 ** 32, 2 ** 31),
  );
}

function elementArbitrary(field: FieldSchema, version: number, depth: number): fc.Arbitrary<unknown> {
  switch (field.type) {
    case "bool":
      return fc.boolean();
    case "int8":
      return fc.integer({ min: -0x80, max: 0x7f });
    case "int16":
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case "uint16":
      return fc.integer({ min: 0, max: 0xffff });
    case "int32":
      return fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
    case "uint32":
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case "int64":
      return field.bigint ? fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) : int64Arbitrary();
    case "float64":
      return fc.double();
    case "string":
      return stringArbitrary();
    case "bytes":
    case "records":
      return bytesArbitrary();
    case "uuid":
      return uuidArbitrary();
    case "struct":
      if (field.struct === null) throw new Error(`${field.name}: struct field without a struct schema`);
      return structArbitrary(field.struct, version, depth + 1);
  }
}

function fieldArbitrary(field: FieldSchema, version: number, depth: number): fc.Arbitrary<unknown> {
  const value: fc.Arbitrary<unknown> = field.isArray
    ? fc.array(elementArbitrary(field, version, depth), { maxLength: arrayLengthMax(depth) })
    : elementArbitrary(field, version, depth);
  return inRange(field.nullableVersions, version) ? fc.option(value, { nil: null, freq: 4 }) : value;
}

export function structArbitrary(struct: StructSchema, version: number, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of struct.fields) {
    model[field.name] = inRange(field.versions, version)
      ? fieldArbitrary(field, version, depth)
      : fc.constant(null).map(() => fieldDefault(field));
  }
  return fc.record(model, { noNullPrototype: true });
}

/** Messages valid for `codec` at `version`. */
export function messageArbitrary(codec: MessageCodec<unknown>, version: number): fc.Arbitrary<unknown> {
  return structArbitrary(codec.schema, version);
}
