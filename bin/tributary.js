#!/usr/bin/env node
// The `tributary` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the prepare script) or `npm run build`.
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("tributary is not built yet: run `npm install` (or `npm run build`) in the package directory first.");
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv.slice(2));
