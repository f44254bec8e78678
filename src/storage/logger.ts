// The one logging hook storage uses. The broker adapts its pino logger to this function; tests pass
// a collector. Storage logs recovery, truncation, corruption and directory failures: rare events
// an operator must see, never per-append chatter.

export type StorageLogLevel = "debug" | "info" | "warn" | "error";

export type StorageLogger = (level: StorageLogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

export const silentLogger: StorageLogger = () => {};
