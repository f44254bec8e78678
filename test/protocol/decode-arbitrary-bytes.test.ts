// Decoding hostile bytes: for every generated codec and version, random bytes and mutated valid
// encodings (truncations, flipped bytes, huge, negative and overlong length prefixes) make the
// decoder throw nothing but DecodeError. Whatever it does accept can be encoded again and reads
// back the same. A claimed count is checked against the bytes that remain before anything is
// allocated for it (the error names the count), and heap use stays flat over the whole run.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { inRange, type MessageCodec, type StructSchema } from "../../src/protocol/codec.js";
import { DecodeError } from "../../src/protocol/primitives/decode-error.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { loadAllCodecs, versionsOf } from "./support/all-codecs.js";
import { LengthProbeReader, type LengthSite } from "./support/length-probe.js";
import { messageArbitrary, stringArbitrary } from "./support/message-arbitrary.js";

const RANDOM_RUNS_PER_VERSION = 25;
const MUTATION_RUNS_PER_VERSION = 25;
/** Valid messages per version whose every length prefix and many prefixes of bytes are attacked. */
const SAMPLES_PER_VERSION = 3;
const RANDOM_BYTES_MAX = 96;
/** Strict prefixes tried per sample: all of the first ones, then evenly spread cut points. */
const PREFIX_CUTS_DENSE = 48;
const PREFIX_CUTS_SPREAD = 32;
/**
 * Generous bounds for heap use. A decoder that allocated for a claimed count of 2^31 elements
 * would need gigabytes; the fuzz run itself needs a few megabytes at a time.
 */
const HEAP_PEAK_GROWTH_MAX_BYTES = 256 * 1024 * 1024;
const HEAP_RETAINED_GROWTH_MAX_BYTES = 64 * 1024 * 1024;

const INT32_HUGE = 0x7fff_ffff;
const INT16_HUGE = 0x7fff;
/** 0xffffffff as an unsigned varint: the largest count + 1 a compact prefix can claim. */
const VARINT_HUGE = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
/** Seven bytes with the continuation bit set on six: longer than any unsigned varint may be. */
const VARINT_TOO_LONG = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

const codecs = await loadAllCodecs();

function exposeGc(): (() => void) | null {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? () => (gc as () => void)() : null;
  } catch {
    return null;
  }
}

const collectGarbage = exposeGc();
let heapBaselineBytes = 0;
let heapPeakBytes = 0;

function sampleHeap(): void {
  heapPeakBytes = Math.max(heapPeakBytes, process.memoryUsage().heapUsed);
}

function encode(codec: MessageCodec<unknown>, version: number, message: unknown): Buffer {
  const writer = new Writer();
  codec.encode(writer, version, message);
  return writer.toBuffer();
}

type Outcome = { readonly ok: true; readonly message: unknown } | { readonly ok: false; readonly error: DecodeError };

/** Decodes; a DecodeError is an outcome, any other exception fails the test. */
function tryDecode(codec: MessageCodec<unknown>, version: number, bytes: Buffer): Outcome {
  try {
    return { ok: true, message: codec.decode(new Reader(bytes), version) };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error };
    throw new assert.AssertionError({
      message: `${codec.name} v${version} threw ${String(error)} instead of a DecodeError for ${bytes.toString("hex")}`,
    });
  }
}

/** Whatever the decoder accepted must be writable and read back as the same message. */
function assertRewritable(codec: MessageCodec<unknown>, version: number, outcome: Outcome): void {
  if (!outcome.ok) return;
  const bytes = encode(codec, version, outcome.message);
  const reader = new Reader(bytes);
  assert.deepStrictEqual(codec.decode(reader, version), outcome.message);
  assert.equal(reader.remaining, 0);
}

function assertDecodeError(codec: MessageCodec<unknown>, version: number, bytes: Buffer, what: string, pattern?: RegExp): void {
  const outcome = tryDecode(codec, version, bytes);
  assert.ok(!outcome.ok, `${codec.name} v${version}: ${what} was accepted`);
  if (pattern !== undefined) assert.match(outcome.error.message, pattern, `${codec.name} v${version}: ${what}`);
}

function int32Bytes(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value | 0);
  return bytes;
}

function int16Bytes(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeInt16BE((value << 16) >> 16);
  return bytes;
}

function splice(bytes: Buffer, start: number, end: number, replacement: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, start), replacement, bytes.subarray(end)]);
}

function lengthSites(codec: MessageCodec<unknown>, version: number, bytes: Buffer): LengthSite[] {
  const probe = new LengthProbeReader(bytes);
  codec.decode(probe, version);
  assert.equal(probe.remaining, 0);
  return probe.sites;
}

/** Attacks every length prefix of a valid encoding with huge, negative and overlong values. */
function attackLengthSites(codec: MessageCodec<unknown>, version: number, bytes: Buffer): void {
  for (const site of lengthSites(codec, version, bytes)) {
    const at = `${site.kind} at byte ${site.start}`;
    switch (site.kind) {
      case "int32-length":
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, int32Bytes(INT32_HUGE)), `count ${INT32_HUGE} ${at}`, /cannot fit|needed/);
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, int32Bytes(-2)), `count -2 ${at}`, /negative|null/);
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, int32Bytes(-0x8000_0000)), `count -2^31 ${at}`, /negative|null/);
        break;
      case "int16-length":
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, int16Bytes(INT16_HUGE)), `length ${INT16_HUGE} ${at}`, /needed/);
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, int16Bytes(-2)), `length -2 ${at}`, /negative|null/);
        break;
      case "varint-length":
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, VARINT_HUGE), `compact length 2^32-2 ${at}`, /cannot fit|needed|exceeds/);
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, VARINT_TOO_LONG), `overlong varint ${at}`, /longer than 5 bytes|needed/);
        break;
      case "varint": {
        // A tagged-field count, tag or size: a huge tag is legitimately skipped, so either outcome.
        assertRewritable(codec, version, tryDecode(codec, version, splice(bytes, site.start, site.end, VARINT_HUGE)));
        // Inside a tagged field's value the sized sub-reader may run out first.
        assertDecodeError(codec, version, splice(bytes, site.start, site.end, VARINT_TOO_LONG), `overlong varint ${at}`, /longer than 5 bytes|needed/);
        break;
      }
    }
    sampleHeap();
  }
}

/**
 * A strict prefix of a valid encoding can never decode: the decoder reads the same fields in the
 * same order until it runs out of bytes.
 */
function attackPrefixes(codec: MessageCodec<unknown>, version: number, bytes: Buffer): void {
  const cuts = new Set<number>();
  for (let cut = 0; cut < Math.min(bytes.length, PREFIX_CUTS_DENSE); cut++) cuts.add(cut);
  for (let i = 0; i < PREFIX_CUTS_SPREAD; i++) cuts.add(Math.floor((bytes.length * i) / PREFIX_CUTS_SPREAD));
  for (const cut of cuts) {
    if (cut < bytes.length) assertDecodeError(codec, version, bytes.subarray(0, cut), `a ${cut}-byte prefix of ${bytes.length}`);
  }
}

type Mutation =
  | { readonly kind: "flip"; readonly position: number; readonly mask: number }
  | { readonly kind: "truncate"; readonly position: number }
  | { readonly kind: "overwrite"; readonly position: number; readonly replacement: Buffer }
  | { readonly kind: "insert"; readonly position: number; readonly inserted: Buffer };

const mutationArbitrary: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), position: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant("truncate" as const), position: fc.nat() }),
    fc.record({
      kind: fc.constant("overwrite" as const),
      position: fc.nat(),
      replacement: fc.constantFrom(int32Bytes(INT32_HUGE), int32Bytes(-2), int32Bytes(-1), int16Bytes(INT16_HUGE), int16Bytes(-2), VARINT_HUGE),
    }),
    fc.record({
      kind: fc.constant("insert" as const),
      position: fc.nat(),
      inserted: fc.oneof(fc.constantFrom(VARINT_HUGE, VARINT_TOO_LONG), fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b))),
    }),
  ),
  { minLength: 1, maxLength: 3 },
);

function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  let result: Buffer = Buffer.from(bytes);
  for (const mutation of mutations) {
    const position = result.length === 0 ? 0 : mutation.position % (result.length + 1);
    switch (mutation.kind) {
      case "flip":
        if (position < result.length) result[position] ^= mutation.mask;
        break;
      case "truncate":
        result = result.subarray(0, position);
        break;
      case "overwrite":
        result = splice(result, position, Math.min(result.length, position + mutation.replacement.length), mutation.replacement);
        break;
      case "insert":
        result = splice(result, position, position, mutation.inserted);
        break;
    }
  }
  return result;
}

before(() => {
  // fast-check builds its Unicode tables (tens of megabytes, once) on first use: not ours to count.
  fc.sample(stringArbitrary(), 10);
  collectGarbage?.();
  heapBaselineBytes = process.memoryUsage().heapUsed;
  heapPeakBytes = heapBaselineBytes;
});

for (const codec of codecs) {
  describe(codec.name, () => {
    for (const version of versionsOf(codec)) {
      test(`v${version}: random bytes throw only DecodeError`, () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: RANDOM_BYTES_MAX }), (raw) => {
            assertRewritable(codec, version, tryDecode(codec, version, Buffer.from(raw)));
          }),
          { numRuns: RANDOM_RUNS_PER_VERSION },
        );
        sampleHeap();
      });

      test(`v${version}: mutated encodings throw only DecodeError`, () => {
        fc.assert(
          fc.property(messageArbitrary(codec, version), mutationArbitrary, (message, mutations) => {
            const bytes = mutate(encode(codec, version, message), mutations);
            assertRewritable(codec, version, tryDecode(codec, version, bytes));
          }),
          { numRuns: MUTATION_RUNS_PER_VERSION },
        );
        sampleHeap();
      });

      test(`v${version}: every length prefix and every truncation is refused`, () => {
        const samples = [codec.create(), ...fc.sample(messageArbitrary(codec, version), SAMPLES_PER_VERSION)];
        for (const message of samples) {
          const bytes = encode(codec, version, message);
          attackLengthSites(codec, version, bytes);
          attackPrefixes(codec, version, bytes);
        }
      });
    }
  });
}

/**
 * The count check (count <= bytes remaining) bounds the work and memory of an array only if every
 * element takes at least one byte. It does: each struct element has a positional field, or a
 * tagged-field count in flexible versions, in every version in which its array exists.
 */
test("every array element takes at least one byte in every version", () => {
  const visit = (struct: StructSchema, codec: MessageCodec<unknown>, version: number, path: string): void => {
    for (const field of struct.fields) {
      if (!inRange(field.versions, version) || field.struct === null) continue;
      const flexible = inRange(codec.schema.flexibleVersions, version);
      const positional = field.struct.fields.some(
        (inner) => inRange(inner.versions, version) && !inRange(inner.taggedVersions, version),
      );
      if (field.isArray) assert.ok(flexible || positional, `${path}.${field.name} v${version} can be zero bytes`);
      visit(field.struct, codec, version, `${path}.${field.name}`);
    }
  };
  for (const codec of codecs) for (const version of versionsOf(codec)) visit(codec.schema, codec, version, codec.name);
});

test("a 10-byte frame claiming 2^31-1 elements fails on the count, before reading any element", () => {
  const frame = Buffer.concat([int32Bytes(INT32_HUGE), Buffer.alloc(6)]);
  assert.throws(() => new Reader(frame).arrayLength(), (error: unknown) => error instanceof DecodeError && /cannot fit in 6 bytes/.test(error.message));
  const compact = Buffer.concat([VARINT_HUGE, Buffer.alloc(5)]);
  assert.throws(() => new Reader(compact).compactArrayLength(), (error: unknown) => error instanceof DecodeError && /cannot fit in 5 bytes/.test(error.message));
});

// Runs last: top-level tests run in order.
test("heap use stays flat over the whole run", () => {
  sampleHeap();
  const peakGrowth = heapPeakBytes - heapBaselineBytes;
  assert.ok(peakGrowth < HEAP_PEAK_GROWTH_MAX_BYTES, `heap grew by ${peakGrowth} bytes at its peak`);
  if (collectGarbage !== null) {
    collectGarbage();
    const retainedGrowth = process.memoryUsage().heapUsed - heapBaselineBytes;
    assert.ok(retainedGrowth < HEAP_RETAINED_GROWTH_MAX_BYTES, `heap retained ${retainedGrowth} bytes after the run`);
  }
});
