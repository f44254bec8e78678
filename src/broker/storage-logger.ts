// Adapts the broker's pino logger to the storage engine's logging hook.

import type { Logger } from "../lib/logger.js";
import type { StorageLogger } from "../storage/index.js";

export function storageLogger(logger: Logger): StorageLogger {
  const child = logger.child({ module: "storage" });
  return (level, message, fields) => child[level](fields ?? {}, message);
}
