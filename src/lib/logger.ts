// Logging through pino: human-readable lines when writing to a terminal, JSON lines otherwise
// (for log collectors). Every module takes a Logger so tests can silence or capture it.

import { createRequire } from "node:module";
import { pino, type Logger as PinoLogger, type LevelWithSilent } from "pino";
import type PrettyModule from "pino-pretty";

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface LoggerOptions {
  level?: LogLevel;
  /** Force pretty (true) or JSON (false) output; by default pretty when stdout is a terminal. */
  pretty?: boolean;
  /** Destination stream (defaults to stdout). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const destination = options.destination ?? process.stdout;
  const usePretty = options.pretty ?? (destination === process.stdout && process.stdout.isTTY === true);
  if (usePretty) {
    // Loaded only for a terminal: it costs about 10 MB of memory that a broker logging JSON to a
    // file or collector never needs.
    const pretty = createRequire(import.meta.url)("pino-pretty") as typeof PrettyModule;
    return pino({ level }, pretty({ colorize: true, destination, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }));
  }
  return pino({ level, base: undefined }, destination);
}

/** A logger that drops everything: the default for embedded brokers in tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
