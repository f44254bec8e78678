#!/usr/bin/env -S node --max-semi-space-size=8
// The `tributary` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the prepare script) or `npm run build`.
//
// --max-semi-space-size=8: V8's young generation at most 2 x 8 MiB instead of Node's 2 x 16 MiB.
// Under load the broker fills it, and dead socket read buffers wait for the next scavenge; the
// smaller one keeps the broker's resident memory about 15 MB lower at no throughput cost we could
// measure (BENCHMARKS.md). A start-up flag: it only applies when this file is run as a program.
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("tributary is not built yet: run `npm install` (or `npm run build`) in the package directory first.");
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv.slice(2));
