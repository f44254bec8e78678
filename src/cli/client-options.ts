// What every command that talks to a broker shares: the --bootstrap-server option (Kafka's flag
// name and default), opening and always closing a client, turning client errors into one clear
// CliError line (exit 1 for failures, 2 for bad input), and option value parsers for commander.

import { InvalidArgumentError, type Command } from "commander";
import {
  ClientUsageError,
  ConnectError,
  ConnectionClosedError,
  KafkaClient,
  KafkaProtocolError,
  NoBrokerReachableError,
  ResponseDecodeError,
  RetriesExhaustedError,
  UnsupportedApiError,
  parseBootstrapServers,
  type ClientOptions,
} from "../client/index.js";
import { errorCode } from "../lib/errors.js";
import { DecodeError } from "../protocol/primitives/decode-error.js";
import { CliError } from "./cli-error.js";

export const DEFAULT_BOOTSTRAP_SERVER = "127.0.0.1:9092";

export interface ConnectionOptions {
  readonly bootstrapServer: string;
}

export function addBootstrapOption(command: Command): Command {
  return command.option("--bootstrap-server <host:port,...>", "the broker(s) to connect to", DEFAULT_BOOTSTRAP_SERVER);
}

/** Maps what the client throws to a CliError; anything unexpected is rethrown (a bug shows its stack). */
export function toCliError(error: unknown): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof ClientUsageError) return new CliError(error.message, 2);
  if (
    error instanceof ConnectError ||
    error instanceof NoBrokerReachableError ||
    error instanceof ConnectionClosedError ||
    error instanceof KafkaProtocolError ||
    error instanceof UnsupportedApiError ||
    error instanceof RetriesExhaustedError ||
    error instanceof ResponseDecodeError ||
    error instanceof DecodeError
  ) {
    return new CliError(error.message, 1);
  }
  return error;
}

/** Connects, runs the work, always closes; client errors become CliErrors. */
export async function withClient<T>(options: ConnectionOptions, work: (client: KafkaClient) => Promise<T>, clientOptions: Partial<ClientOptions> = {}): Promise<T> {
  let client: KafkaClient;
  try {
    const bootstrapServers = parseBootstrapServers(options.bootstrapServer);
    client = await KafkaClient.connect({ clientId: "tributary-cli", ...clientOptions, bootstrapServers });
  } catch (error) {
    throw toCliError(error);
  }
  try {
    return await work(client);
  } catch (error) {
    throw toCliError(error);
  } finally {
    await client.close();
  }
}

/** Repeatable options collect into an array. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function integerParser(name: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be an integer.`);
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}.`);
    return parsed;
  };
}

const INT32_MAX = 0x7fff_ffff;
export const parsePartition = integerParser("partition", 0, INT32_MAX);
export const parsePartitionCount = integerParser("partition count", 1, INT32_MAX);
export const parseReplicationFactor = integerParser("replication factor", 1, 0x7fff);
export const parseNonNegativeMs = integerParser("milliseconds", 0, INT32_MAX);
export const parsePositiveBytes = integerParser("bytes", 1, INT32_MAX);
export const parsePositiveCount = integerParser("count", 1, Number.MAX_SAFE_INTEGER);
export const parseBrokerId = integerParser("broker id", 0, INT32_MAX);

/** "key=value" (the value may contain '='); bad input is a usage error. */
export function parseKeyValue(text: string, what: string): [string, string] {
  const equals = text.indexOf("=");
  if (equals <= 0) throw new CliError(`invalid ${what} "${text}": expected key=value`, 2);
  return [text.slice(0, equals), text.slice(equals + 1)];
}

/** Separators may be given with backslash escapes (\t, \n, \\), as shells make tabs awkward to type. */
export function unescapeSeparator(value: string): string {
  return value.replace(/\\(t|n|r|\\)/g, (_match, code: string) => (code === "t" ? "\t" : code === "n" ? "\n" : code === "r" ? "\r" : "\\"));
}

let stdoutWatched = false;
let stdoutGone = false;

/**
 * True once the reader of stdout went away (EPIPE, as with `| head`): output is dropped from then
 * on, and commands that print until stopped end quietly. The listener stays for the rest of the
 * process, because an EPIPE can surface after the last write.
 */
export function stdoutClosed(): boolean {
  watchStdout();
  return stdoutGone;
}

function watchStdout(): void {
  if (stdoutWatched) return;
  stdoutWatched = true;
  process.stdout.on("error", (error: Error) => {
    if (errorCode(error) !== "EPIPE") throw error;
    stdoutGone = true;
  });
}

/** Writes to stdout, waiting while the pipe is full. */
export function writeOut(bytes: string | Buffer): Promise<void> {
  watchStdout();
  if (stdoutGone || process.stdout.write(bytes)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      process.stdout.off("drain", done);
      process.stdout.off("close", done);
      resolve();
    };
    process.stdout.once("drain", done);
    process.stdout.once("close", done);
  });
}
