// Runs every compiled test file (dist/test/**/*.test.js) with node:test.
// Usage: node scripts/run-tests.mjs [substring ...]  — only files whose path contains a substring.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const testRoot = join(root, "dist", "test");

function collect(dir) {
  const files = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...collect(path));
    else if (entry.endsWith(".test.js")) files.push(path);
  }
  return files;
}

const filters = process.argv.slice(2);
const files = collect(testRoot).filter(
  (file) => filters.length === 0 || filters.some((filter) => relative(root, file).includes(filter)),
);
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
// Two cores: run two files at a time; each interop file starts its own broker on a random port.
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
