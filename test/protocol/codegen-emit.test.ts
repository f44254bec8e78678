// The generator against wire rules that no schema at our Kafka commit exercises yet, using a small
// synthetic schema: a struct nullable in only some of its versions carries its presence marker only
// in those versions; a tagged nullable struct uses a varint marker (0 null, 1 present); a nullable
// array may be null exactly in its nullable versions. Expected bytes follow Kafka's rules as its
// own generator implements them. Also: defaults that cannot be held exactly are refused.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import type { MessageCodec } from "../../src/protocol/codec.js";
import { emitModule } from "../../src/protocol/codegen/emit.js";
import { parseMessage } from "../../src/protocol/codegen/spec.js";
import { AssertionError } from "../../src/lib/assert.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";

const SYNTHETIC_SCHEMA = `
// A test schema; "//" comments are stripped like in Kafka's files (but not in "http://x").
{
  "apiKey": 999, "type": "request", "name": "SyntheticRequest",
  "validVersions": "0-3", "flexibleVersions": "2+",
  "fields": [
    { "name": "Maybe", "type": "Inner", "versions": "0+", "nullableVersions": "1+",
      "about": "see http://example.com", "fields": [
      { "name": "Value", "type": "int32", "versions": "0+" }
    ]},
    { "name": "Names", "type": "[]string", "versions": "0+", "nullableVersions": "1+" },
    { "name": "Extra", "type": "Tagged", "versions": "2+", "nullableVersions": "2+",
      "taggedVersions": "2+", "tag": 0, "fields": [
      { "name": "Level", "type": "int8", "versions": "2+" }
    ]}
  ]
}`;

interface Synthetic {
  maybe: { value: number } | null;
  names: string[] | null;
  extra: { level: number } | null;
}

/** Compiled generated code imports ../codec.js and ../primitives/*.js from dist/src/protocol. */
const PROTOCOL_DIST_URL = new URL("../../src/protocol/", import.meta.url);
const workDir = mkdtempSync(join(tmpdir(), "tributary-codegen-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

async function loadSynthetic(): Promise<MessageCodec<Synthetic>> {
  const model = parseMessage(SYNTHETIC_SCHEMA);
  const source = emitModule([model], ["SyntheticRequest.json"]);
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  const rewritten = outputText.replaceAll('from "../', `from "${PROTOCOL_DIST_URL.href}`);
  const file = join(workDir, "synthetic.mjs");
  writeFileSync(file, rewritten);
  const module = (await import(pathToFileURL(file).href)) as { SyntheticRequestCodec: MessageCodec<Synthetic> };
  return module.SyntheticRequestCodec;
}

const codec = await loadSynthetic();

function encodeHex(version: number, message: Synthetic): string {
  const writer = new Writer();
  codec.encode(writer, version, message);
  const bytes = writer.toBuffer();
  const reader = new Reader(bytes);
  assert.deepStrictEqual(codec.decode(reader, version), message, `v${version} reads back`);
  assert.equal(reader.remaining, 0);
  return bytes.toString("hex");
}

const defaultExtra = { level: 0 };

test("a struct nullable only in later versions has no presence marker before them", () => {
  assert.equal(encodeHex(0, { maybe: { value: 7 }, names: ["a"], extra: defaultExtra }), "00000007" + "00000001" + "000161");
  assert.throws(() => encodeHex(0, { maybe: null, names: [], extra: defaultExtra }), AssertionError);
  assert.equal(encodeHex(1, { maybe: { value: 7 }, names: [], extra: defaultExtra }), "01" + "00000007" + "00000000");
  assert.equal(encodeHex(1, { maybe: null, names: [], extra: defaultExtra }), "ff" + "00000000");
});

test("a nullable array is null exactly in its nullable versions", () => {
  assert.equal(encodeHex(1, { maybe: { value: 1 }, names: null, extra: defaultExtra }), "01" + "00000001" + "ffffffff");
  assert.throws(() => encodeHex(0, { maybe: { value: 1 }, names: null, extra: defaultExtra }), AssertionError);
  assert.equal(encodeHex(2, { maybe: { value: 1 }, names: null, extra: defaultExtra }), "01" + "00000001" + "00" + "00" + "00");
});

test("a tagged nullable struct: omitted at its default, varint marker 0 for null, 1 before a value", () => {
  const maybe = { value: 1 };
  // Positional part in v2: marker 01, value, inner tagged-field count 00; names: compact empty 01.
  const positional = "01" + "00000001" + "00" + "01";
  assert.equal(encodeHex(2, { maybe, names: [], extra: defaultExtra }), positional + "00");
  assert.equal(encodeHex(2, { maybe, names: [], extra: null }), positional + "01" + "00" + "01" + "00");
  assert.equal(encodeHex(3, { maybe, names: [], extra: { level: 5 } }), positional + "01" + "00" + "03" + "01" + "05" + "00");
});

test("parseVersions, comments and defaults", () => {
  const model = parseMessage(SYNTHETIC_SCHEMA);
  assert.deepEqual(model.validVersions, { min: 0, max: 3 });
  assert.deepEqual(model.flexibleVersions, { min: 2, max: Infinity });
  assert.equal(model.fields[0].defaultValue, "struct");
  const withDefault = (type: string, value: string): string =>
    `{ "type": "data", "name": "D", "validVersions": "0", "flexibleVersions": "none",
       "fields": [ { "name": "F", "type": "${type}", "versions": "0+", "default": "${value}" } ] }`;
  assert.equal(parseMessage(withDefault("int32", "0x7fffffff")).fields[0].defaultValue, 0x7fff_ffff);
  assert.equal(parseMessage(withDefault("int32", "-2147483648")).fields[0].defaultValue, -0x8000_0000);
  assert.throws(() => parseMessage(withDefault("int8", "200")), /does not fit int8/);
  assert.throws(() => parseMessage(withDefault("int64", "0x7fffffffffffffff")), /not a safe integer/);
  assert.throws(() => parseMessage(withDefault("int32", "ten")), /bad integer default/);
});
