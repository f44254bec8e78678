// Keeps the local metadata store's snapshot in one file, replaced atomically on every commit.

import { isNotFound, writeFileAtomically, type FileSystem } from "../../storage/io/file-system.js";
import type { SnapshotPersistence } from "./local-metadata-store.js";

export const METADATA_SNAPSHOT_FILE = "tributary-metadata.json";

export function snapshotFile(fs: FileSystem, path: string): SnapshotPersistence {
  return {
    async load() {
      try {
        return (await fs.readFile(path)).toString("utf8");
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    save(snapshot) {
      return writeFileAtomically(fs, path, Buffer.from(snapshot, "utf8"));
    },
  };
}
