// `npm run gen:protocol -- [--spec-dir DIR]`: regenerates src/protocol/generated/ from Kafka's
// JSON message schemas (default ../shared/kafka-protocol/messages next to the repository).

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generate } from "./generate.js";
import { DEFAULT_SPEC_DIR, GENERATED_DIR } from "./paths.js";

function main(argv: string[]): void {
  let specDir = DEFAULT_SPEC_DIR;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--spec-dir" && argv[i + 1] !== undefined) specDir = resolve(argv[++i]);
    else if (argv[i].startsWith("--spec-dir=")) specDir = resolve(argv[i].slice("--spec-dir=".length));
    else throw new Error(`unknown argument ${argv[i]}; usage: gen:protocol [--spec-dir DIR]`);
  }
  const files = generate(specDir);
  mkdirSync(GENERATED_DIR, { recursive: true });
  for (const existing of readdirSync(GENERATED_DIR)) {
    if (!files.has(existing)) rmSync(join(GENERATED_DIR, existing));
  }
  for (const [name, contents] of files) writeFileSync(join(GENERATED_DIR, name), contents);
  console.log(`wrote ${files.size} files to ${GENERATED_DIR} from ${specDir}`);
}

main(process.argv.slice(2));
