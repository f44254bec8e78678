// Property: for every generated codec (all APIs' requests and responses, both headers, the data
// schemas) and every version in its valid range, decode(encode(m)) deep-equals m for generated m,
// the bytes are exactly what the Writer counted, decoding consumes all of them, and encoding the
// decoded message gives the same bytes again (the encoding is canonical).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { structDefault, type MessageCodec } from "../../src/protocol/codec.js";
import { API_DEFINITIONS } from "../../src/protocol/generated/index.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { loadAllCodecs, versionsOf } from "./support/all-codecs.js";
import { messageArbitrary } from "./support/message-arbitrary.js";

/** Samples per codec version: about 700 versions in all, so the file stays within seconds. */
const RUNS_PER_VERSION = 30;
/** 88 APIs (request + response), 2 headers, 8 data schemas: one codec per schema file. */
const EXPECTED_CODEC_COUNT = 88 * 2 + 2 + 8;

const codecs = await loadAllCodecs();

function encode(codec: MessageCodec<unknown>, version: number, message: unknown): Buffer {
  const writer = new Writer();
  codec.encode(writer, version, message);
  const counted = writer.length;
  const chunks = writer.finish();
  assert.equal(
    chunks.reduce((sum, chunk) => sum + chunk.length, 0),
    counted,
    "chunks add up to the Writer's length",
  );
  const bytes = Buffer.concat(chunks);
  assert.equal(bytes.length, counted);
  return bytes;
}

test("every schema has a codec, and every API's codecs are registered", () => {
  assert.equal(codecs.length, EXPECTED_CODEC_COUNT);
  assert.equal(new Set(codecs.map((codec) => codec.name)).size, codecs.length, "codec names are unique");
  assert.equal(API_DEFINITIONS.size, 88);
  for (const definition of API_DEFINITIONS.values()) {
    assert.ok(codecs.includes(definition.request), `${definition.name} request codec is loaded`);
    assert.ok(codecs.includes(definition.response), `${definition.name} response codec is loaded`);
    assert.equal(definition.request.apiKey, definition.apiKey);
    assert.equal(definition.response.apiKey, definition.apiKey);
  }
});

for (const codec of codecs) {
  describe(codec.name, () => {
    test("create() equals the defaults the schema states", () => {
      assert.deepStrictEqual(codec.create(), structDefault(codec.schema));
    });

    for (const version of versionsOf(codec)) {
      test(`v${version}: decode(encode(m)) deep-equals m`, () => {
        fc.assert(
          fc.property(messageArbitrary(codec, version), (message) => {
            const bytes = encode(codec, version, message);
            const reader = new Reader(bytes);
            const decoded = codec.decode(reader, version);
            assert.equal(reader.remaining, 0, "decoding consumes every byte");
            assert.deepStrictEqual(decoded, message);
            assert.deepStrictEqual(encode(codec, version, decoded), bytes, "re-encoding is byte-identical");
          }),
          { numRuns: RUNS_PER_VERSION },
        );
      });
    }
  });
}
