// Writes docs/configuration.md from the config tables (`node dist/src/config/generate-docs.js`).
// With --check it writes nothing and exits 1 when the committed file is stale, for CI.

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderConfigurationDocs } from "./render-docs.js";

/** docs/configuration.md of the repository, found from this file's place in src/ or dist/src/. */
export function configurationDocsPath(): string {
  const here = fileURLToPath(import.meta.url);
  const repositoryRoot = here.includes("/dist/src/") ? here.slice(0, here.indexOf("/dist/src/")) : here.slice(0, here.indexOf("/src/"));
  return `${repositoryRoot}/docs/configuration.md`;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function main(argv: readonly string[]): number {
  const path = configurationDocsPath();
  const rendered = renderConfigurationDocs();
  if (argv.includes("--check")) {
    if (readOrEmpty(path) === rendered) return 0;
    process.stderr.write(`${path} is stale: run node dist/src/config/generate-docs.js\n`);
    return 1;
  }
  writeFileSync(path, rendered);
  process.stdout.write(`wrote ${path}\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
