#!/usr/bin/env -S node --max-semi-space-size=4
// The `tributary` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the prepare script) or `npm run build`.
//
// --max-semi-space-size=4: V8's young generation at most 2 x 4 MiB instead of Node's 2 x 16 MiB.
// Under load the broker fills whatever young generation it has (all of it stays resident), and
// the 64 KiB buffers Node reads sockets into are freed only by the next scavenge, which comes
// sooner in a smaller one. Together that keeps the broker's resident memory 20-25 MB lower, at no
// throughput cost we could measure (BENCHMARKS.md). A start-up flag: it only applies when this
// file is run as a program (npx tributary, npm start), not to a broker embedded with startBroker.
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("tributary is not built yet: run `npm install` (or `npm run build`) in the package directory first.");
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv.slice(2));
