// Reads the annotated hex fixtures in test/fixtures/records: whitespace and text after '#' are
// ignored, so each fixture can explain its bytes field by field.

import { readFileSync } from "node:fs";

// Compiled tests live in dist/test/protocol/records; the fixtures stay in the source tree.
const FIXTURE_DIRECTORY = new URL("../../../../test/fixtures/records/", import.meta.url);

export function readHexFixture(name: string): Buffer {
  const text = readFileSync(new URL(name, FIXTURE_DIRECTORY), "utf8");
  const hex = text
    .split("\n")
    .map((line) => line.replace(/#.*$/, ""))
    .join("")
    .replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`fixture ${name} is not whole hex bytes`);
  return Buffer.from(hex, "hex");
}
