// The committed WebAssembly modules are exactly what `npm run gen:wasm` makes from their .wat
// sources, so the text stays the source of truth.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderWasmModule, rootPath, WASM_SOURCES } from "../../../scripts/gen-wasm.js";

for (const source of WASM_SOURCES) {
  test(`${source.output} matches a fresh compile of ${source.wat}`, async () => {
    assert.equal(readFileSync(rootPath(source.output), "utf8"), await renderWasmModule(source), "stale: run `npm run gen:wasm`");
  });
}
