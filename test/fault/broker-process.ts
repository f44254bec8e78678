// A real broker process for fault tests: `tributary start` on a fixed port and data directory,
// which a test can SIGKILL and start again.

import { spawn, type ChildProcess } from "node:child_process";

const BIN = new URL("../../../bin/tributary.js", import.meta.url).pathname;

export class BrokerProcess {
  private child: ChildProcess | null = null;
  port = 0;

  constructor(
    private readonly dataDir: string,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the broker and resolves when it listens; the first start picks a free port, restarts reuse it. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const args = [
        BIN,
        "start",
        "--log-level",
        "warn",
        "--override",
        `listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        "--override",
        `log.dirs=${this.dataDir}`,
        ...this.extraArgs,
      ];
      const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
      this.child = child;
      let output = "";
      const onData = (chunk: Buffer): void => {
        output += chunk.toString("utf8");
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
        if (match !== null) {
          this.port = Number(match[1]);
          child.stdout.off("data", onData);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.once("exit", (code, signal) => {
        if (this.child === child) this.child = null;
        reject(new Error(`broker exited (${code ?? signal}) before listening:\n${output}`));
      });
    });
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    await new Promise<void>((resolve) => {
      child.removeAllListeners("exit");
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (child === null) return null;
    this.child = null;
    return new Promise((resolve) => {
      child.removeAllListeners("exit");
      child.once("exit", (code) => resolve(code));
      child.kill("SIGTERM");
    });
  }
}
