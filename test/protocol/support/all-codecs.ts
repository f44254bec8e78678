// Every generated codec, found by loading each module of src/protocol/generated/ and keeping its
// exported MessageCodec values: requests and responses of every API, both headers and the data
// schemas. Loading the directory (rather than listing imports) means a new schema file cannot be
// left out of the property tests.

import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MessageCodec } from "../../../src/protocol/codec.js";

/** Compiled tests live in dist/test/protocol/support; the compiled codecs in dist/src/protocol/generated. */
const GENERATED_MODULES_URL = new URL("../../../src/protocol/generated/", import.meta.url);

function isMessageCodec(value: unknown): value is MessageCodec<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<MessageCodec<unknown>>;
  return (
    typeof candidate.decode === "function" &&
    typeof candidate.encode === "function" &&
    typeof candidate.create === "function" &&
    typeof candidate.schema === "object"
  );
}

/** All codecs, sorted by name. */
export async function loadAllCodecs(): Promise<MessageCodec<unknown>[]> {
  const files = readdirSync(fileURLToPath(GENERATED_MODULES_URL))
    .filter((file) => file.endsWith(".js") && file !== "index.js")
    .sort();
  const codecs: MessageCodec<unknown>[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, GENERATED_MODULES_URL).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) if (isMessageCodec(value)) codecs.push(value);
  }
  return codecs.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every version in a codec's valid range, lowest first. */
export function versionsOf(codec: MessageCodec<unknown>): number[] {
  const versions: number[] = [];
  for (let version = codec.minVersion; version <= codec.maxVersion; version++) versions.push(version);
  return versions;
}
