// A real broker process (`tributary start`) for fault, fuzz, chaos and soak runs, watched from the
// outside: its pid, whether it is still running (and how it ended), its log lines (kept, bounded),
// its RSS, peak RSS and open file descriptors from /proc, and, with probe: true, its V8 heap over
// an IPC channel (memory-probe.ts). It can be killed with SIGKILL and restarted on the same port
// and data directory.

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

const BIN = new URL("../../../bin/tributary.js", import.meta.url).pathname;
const PROBE = new URL("./memory-probe.js", import.meta.url).pathname;
/** Log lines kept per process (oldest dropped first). */
const LOG_LINES_MAX = 20_000;
const PROBE_TIMEOUT_MS = 10_000;

export interface BrokerChildOptions {
  readonly dataDir: string;
  /** Broker configs by Kafka name, as --override key=value. */
  readonly config?: Readonly<Record<string, string>>;
  /** Default "warn". */
  readonly logLevel?: string;
  /** Load memory-probe.ts and open an IPC channel (for heapUsage()). */
  readonly probe?: boolean;
  /** Extra node flags, e.g. --expose-gc or --max-old-space-size=256. */
  readonly nodeFlags?: readonly string[];
}

export interface ProcStatus {
  readonly rssBytes: number;
  /** Peak RSS since the process started (VmHWM). */
  readonly peakRssBytes: number;
  readonly fdCount: number;
  readonly threadCount: number;
}

export interface HeapUsage {
  readonly collected: boolean;
  readonly usage: NodeJS.MemoryUsage;
}

function statusValueKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match === null ? 0 : Number(match[1]);
}

export class BrokerChild {
  private child: ChildProcess | null = null;
  private readonly lines: string[] = [];
  private nextProbeId = 1;
  private readonly probeWaiters = new Map<number, (usage: HeapUsage) => void>();
  port = 0;
  pid = 0;
  starts = 0;
  /** How the last process ended, when it ended on its own (not by kill()/stop()). */
  unexpectedExit: string | null = null;

  constructor(private readonly options: BrokerChildOptions) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.child !== null;
  }

  /** Log lines of every start so far (JSON lines at the chosen level), oldest first. */
  logLines(): readonly string[] {
    return this.lines;
  }

  private remember(text: string): void {
    for (const line of text.split("\n")) {
      if (line === "") continue;
      this.lines.push(line);
      if (this.lines.length > LOG_LINES_MAX) this.lines.shift();
    }
  }

  /** Starts the broker and resolves when it listens; the first start picks a free port, restarts reuse it. */
  start(): Promise<void> {
    const overrides = { ...this.options.config, listeners: `PLAINTEXT://127.0.0.1:${this.port}`, "log.dirs": this.options.dataDir };
    const args = [
      ...(this.options.nodeFlags ?? []),
      ...(this.options.probe === true ? ["--import", PROBE] : []),
      BIN,
      "start",
      "--log-level",
      this.options.logLevel ?? "warn",
      ...Object.entries(overrides).flatMap(([key, value]) => ["--override", `${key}=${value}`]),
    ];
    this.unexpectedExit = null;
    return new Promise((resolve, reject) => {
      const stdio: ("ignore" | "pipe" | "ipc")[] = this.options.probe === true ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"];
      const child = spawn(process.execPath, args, { stdio });
      this.child = child;
      this.starts += 1;
      let partial = "";
      let listening = false;
      child.stdout!.on("data", (chunk: Buffer) => {
        const text = partial + chunk.toString("utf8");
        const cut = text.lastIndexOf("\n");
        partial = cut < 0 ? text : text.slice(cut + 1);
        if (cut >= 0) this.remember(text.slice(0, cut));
        if (!listening) {
          const match = /listening on 127\.0\.0\.1:(\d+)/.exec(text);
          if (match !== null) {
            listening = true;
            this.port = Number(match[1]);
            this.pid = child.pid ?? 0;
            resolve();
          }
        }
      });
      child.stderr!.on("data", (chunk: Buffer) => this.remember(chunk.toString("utf8")));
      child.on("message", (message: unknown) => {
        const reply = message as { type?: string; id?: number; collected?: boolean; usage?: NodeJS.MemoryUsage };
        if (reply.type !== "memory" || reply.id === undefined || reply.usage === undefined) return;
        this.probeWaiters.get(reply.id)?.({ collected: reply.collected === true, usage: reply.usage });
        this.probeWaiters.delete(reply.id);
      });
      child.once("exit", (code, signal) => {
        if (this.child === child) {
          this.child = null;
          this.unexpectedExit = `broker process ${child.pid} exited on its own (${code ?? signal})`;
        }
        if (!listening) reject(new Error(`broker exited (${code ?? signal}) before listening:\n${this.lines.slice(-40).join("\n")}`));
      });
    });
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
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
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once("exit", (code) => resolve(code));
      child.kill("SIGTERM");
    });
  }

  /** RSS, peak RSS and file descriptors of the running process, from /proc. */
  procStatus(): ProcStatus {
    if (this.child === null) throw new Error("the broker is not running");
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    return {
      rssBytes: statusValueKiB(status, "VmRSS") * 1024,
      peakRssBytes: statusValueKiB(status, "VmHWM") * 1024,
      fdCount: readdirSync(`/proc/${this.pid}/fd`).length,
      threadCount: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    };
  }

  /** The broker's process.memoryUsage() (after a GC when gc is asked and --expose-gc was given); needs probe: true. */
  heapUsage(gc = false): Promise<HeapUsage> {
    const child = this.child;
    if (child === null || this.options.probe !== true) return Promise.reject(new Error("no probe: start with probe: true"));
    const id = this.nextProbeId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.probeWaiters.delete(id);
        reject(new Error("the broker did not answer the memory probe"));
      }, PROBE_TIMEOUT_MS);
      this.probeWaiters.set(id, (usage) => {
        clearTimeout(timer);
        resolve(usage);
      });
      child.send({ type: "memory", id, gc });
    });
  }
}
