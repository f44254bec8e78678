// Where the generator reads from and writes to, relative to the repository root.
// Compiled code lives in dist/src/protocol/codegen, four levels below the root.

import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

export const REPOSITORY_ROOT = resolve(fileURLToPath(new URL("../../../../", import.meta.url)));
export const DEFAULT_SPEC_DIR = resolve(REPOSITORY_ROOT, "..", "shared", "kafka-protocol", "messages");
export const GENERATED_DIR = resolve(REPOSITORY_ROOT, "src", "protocol", "generated");
