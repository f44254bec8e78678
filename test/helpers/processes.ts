// Runs the real clients the interop tests drive (kcat, kafka-python under Debian's python3) as
// child processes with a time limit, and returns their output.

import { spawn } from "node:child_process";

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
  readonly env?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${error.message} (is it installed? see .ci/run)`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") });
    });
    child.stdin.on("error", () => undefined);
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Debian's python3: its python3-kafka and python3-confluent-kafka packages import only there. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Runs a Python script given as text; argv[1..] are the extra arguments. */
export function runPython(script: string, args: readonly string[] = [], options: RunOptions = {}): Promise<ProcessResult> {
  return run(SYSTEM_PYTHON, ["-c", script, ...args], options);
}

export function runKcat(args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  return run("kcat", args, options);
}

export function describeFailure(result: ProcessResult): string {
  return `exit ${result.code ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}
