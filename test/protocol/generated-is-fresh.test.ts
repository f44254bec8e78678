// The committed codecs in src/protocol/generated/ are exactly what the generator makes from Kafka's
// schemas: every file equal, none missing, none extra. The schemas live next to the repository
// (../shared/kafka-protocol/messages), which CI may not have; then the test is skipped, saying why.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { generate } from "../../src/protocol/codegen/generate.js";
import { DEFAULT_SPEC_DIR, GENERATED_DIR } from "../../src/protocol/codegen/paths.js";

const specDirMissing = existsSync(DEFAULT_SPEC_DIR)
  ? false
  : `Kafka's message schemas are not at ${DEFAULT_SPEC_DIR}; freshness of src/protocol/generated cannot be checked`;

test("src/protocol/generated matches a fresh generation", { skip: specDirMissing }, () => {
  const expected = generate(DEFAULT_SPEC_DIR);
  const committed = readdirSync(GENERATED_DIR).sort();
  const generated = [...expected.keys()].sort();
  const missing = generated.filter((file) => !committed.includes(file));
  const extra = committed.filter((file) => !expected.has(file));
  assert.deepEqual(missing, [], "files the generator makes but the repository lacks");
  assert.deepEqual(extra, [], "files in src/protocol/generated the generator does not make");
  const stale = generated.filter((file) => readFileSync(join(GENERATED_DIR, file), "utf8") !== expected.get(file));
  assert.deepEqual(stale, [], "stale generated files: run `npm run gen:protocol`");
});
