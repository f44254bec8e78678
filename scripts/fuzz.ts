// Protocol fuzzing against a real broker process: `node dist/scripts/fuzz.js --cases N [--seed S]`.
// Starts `tributary start` on a fresh data directory (or fuzzes --bootstrap host:port instead),
// runs N cases (test/fuzz/), and checks the invariants: the broker never crashes, every case gets a
// response or a close, lying batches are refused and honest ones accepted, a well-behaved client
// is served throughout, and the broker's peak RSS stays under --max-rss-mib however much the
// frames claim. Prints the seed first: `--seed S --case I` replays one case. Exit code 1 on any
// failure.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { BrokerChild } from "../test/fault/broker-child.js";
import { formatReport, runFuzz, type FuzzTarget } from "../test/fuzz/fuzz-runner.js";
import { randomSeed } from "../test/fuzz/random.js";

interface FuzzCliOptions {
  cases: string;
  seed?: string;
  case?: string;
  concurrency: string;
  waitMs: string;
  bombs: boolean;
  bootstrap?: string;
  maxRssMib: string;
  keepData?: boolean;
  logLevel: string;
}

const program = new Command()
  .name("fuzz")
  .description("fuzz a Tributary broker with random and lying Kafka frames")
  .option("--cases <n>", "number of cases", "10000")
  .option("--seed <s>", "seed (default: random, printed)")
  .option("--case <index>", "run only this case (replay)")
  .option("--concurrency <n>", "cases in flight at once", "16")
  .option("--wait-ms <ms>", "how long a case may take before it counts as pending", "1000")
  .option("--no-bombs", "leave out the multi-megabyte decompression bombs")
  .option("--bootstrap <host:port>", "fuzz this running broker instead of starting one (no memory check)")
  .option("--max-rss-mib <n>", "fail if the broker's peak RSS passes this", "1024")
  .option("--keep-data", "keep the broker's data directory")
  .option("--log-level <level>", "the broker's log level; its last lines are printed after a failure", "warn");

async function main(): Promise<void> {
  program.parse();
  const options = program.opts<FuzzCliOptions>();
  const seed = options.seed === undefined ? randomSeed() : Number(options.seed);
  const replay = options.case === undefined ? null : Number(options.case);
  console.log(`fuzz seed ${seed}${replay === null ? "" : `, case ${replay}`}`);
  let broker: BrokerChild | null = null;
  let dataDir: string | null = null;
  let target: FuzzTarget;
  if (options.bootstrap !== undefined) {
    const [host, port] = options.bootstrap.split(":");
    target = { host, port: Number(port) };
  } else {
    dataDir = mkdtempSync(join(tmpdir(), "tributary-fuzz-"));
    broker = new BrokerChild({ dataDir, logLevel: options.logLevel, config: { "auto.create.topics.enable": "true" } });
    await broker.start();
    const running = broker;
    target = {
      host: "127.0.0.1",
      port: broker.port,
      deadReason: () => running.unexpectedExit,
      errorLogLines: () => running.logLines().filter((line) => line.includes('"level":50')),
    };
    console.log(`broker pid ${broker.pid} on ${broker.bootstrap}, data in ${dataDir}`);
  }
  let peakRssBytes = 0;
  const sampler = broker === null ? null : setInterval(() => {
    try {
      peakRssBytes = Math.max(peakRssBytes, broker!.procStatus().peakRssBytes);
    } catch {
      // not running: the report says so
    }
  }, 1000);
  const problems: string[] = [];
  try {
    const report = await runFuzz(target, {
      seed,
      cases: replay === null ? Number(options.cases) : 1,
      firstCase: replay ?? 0,
      concurrency: Number(options.concurrency),
      waitMs: Number(options.waitMs),
      bombs: options.bombs,
      progress: (line) => console.log(line),
    });
    console.log(formatReport(report));
    if (report.failures.length > 0) problems.push(`${report.failures.length} failing cases`);
    if (report.failures.length > 0 && broker !== null) {
      const lines = broker.logLines().slice(-10).map((line) => (line.length > 400 ? `${line.slice(0, 400)}...` : line));
      console.log(`last broker log lines:\n${lines.join("\n")}`);
    }
    if (broker !== null && broker.isRunning) {
      const status = broker.procStatus();
      peakRssBytes = Math.max(peakRssBytes, status.peakRssBytes);
      console.log(`broker: peak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB, RSS now ${(status.rssBytes / 2 ** 20).toFixed(0)} MiB, ${status.fdCount} file descriptors`);
      if (peakRssBytes > Number(options.maxRssMib) * 2 ** 20) {
        problems.push(`peak RSS above --max-rss-mib ${options.maxRssMib}`);
      }
    }
  } finally {
    if (sampler !== null) clearInterval(sampler);
    if (broker !== null) {
      const code = await broker.stop();
      if (code !== 0 && code !== null) {
        problems.push(`the broker exited with ${code} on SIGTERM`);
      }
    }
    if (dataDir !== null && options.keepData !== true) rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(problems.length > 0 ? `FAIL: ${problems.join("; ")}` : "OK");
  process.exitCode = problems.length > 0 ? 1 : 0;
}

await main();
