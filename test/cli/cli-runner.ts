// Runs the real `tributary` command (node bin/tributary.js) as a child process, as a user would,
// and gives its exit code and output as bytes (values round-trip byte for byte).

import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { KafkaClient, Producer, createTopics, parseBootstrapServers, type ProducerRecord } from "../../src/client/index.js";

const BIN = new URL("../../../bin/tributary.js", import.meta.url).pathname;
const TIMEOUT_MS = 60_000;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function runCli(args: readonly string[], input?: Buffer | string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString("utf8") });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}

export function describeResult(result: CliResult): string {
  const stdout = result.stdout.length > 2000 ? `${result.stdout.subarray(0, 2000).toString("utf8")}...` : result.stdout.toString("utf8");
  return `exit ${result.code}\nstdout:\n${stdout}\nstderr:\n${result.stderr}`;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("no port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure replays with the same data. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** count lines of 0..maxBytes random bytes each, none containing "\n" (or the excluded bytes). */
export function randomLines(count: number, maxBytes: number, seed: number, excluded: readonly number[] = []): Buffer[] {
  const next = randomSource(seed);
  const forbidden = new Set([0x0a, ...excluded]);
  const lines: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const line = Buffer.alloc(next() % (maxBytes + 1));
    for (let at = 0; at < line.length; at++) {
      let byte = next() & 0xff;
      while (forbidden.has(byte)) byte = next() & 0xff;
      line[at] = byte;
    }
    lines.push(line);
  }
  return lines;
}

/** Lines joined as a producer reads them: each followed by "\n". */
export function joinLines(lines: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const newline = Buffer.from("\n");
  for (const line of lines) parts.push(line, newline);
  return Buffer.concat(parts);
}

/**
 * Creates a topic and writes records to it with our client in-process: setup for tests of other
 * commands, without the cost of starting the CLI for it.
 */
export async function createTopicWith(bootstrap: string, topic: string, partitions: number, records: readonly ProducerRecord[] = []): Promise<void> {
  const client = await KafkaClient.connect({ bootstrapServers: parseBootstrapServers(bootstrap) });
  try {
    const [outcome] = await createTopics(client, [{ name: topic, numPartitions: partitions, replicationFactor: 1, configs: new Map() }]);
    if (outcome.error !== null) throw outcome.error;
    if (records.length === 0) return;
    const producer = new Producer(client, { lingerMs: 0 });
    for (const record of records) await producer.send(record);
    await producer.close();
  } finally {
    await client.close();
  }
}

/** Runs the given tasks, at most `concurrency` at a time, and returns their results in order. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}
