// `npm run bench`: the performance record of Tributary, measured in one run next to this
// machine's own limits, and written to BENCHMARKS.md.
//
// A broker runs as a separate process (`tributary start` on a temporary data directory); the
// clients run here (our perf tools, which encode straight into reused batch buffers) or as kcat
// processes (librdkafka, for an independent figure). Measured, each as the median of --runs runs
// with the spread:
//   (a) produce throughput: 100 B and 1 KiB records, acks=1 and acks=all, uncompressed and lz4;
//       and kcat -P from a file (100 B, acks=1);
//   (b) consume throughput from the page cache;
//   (c) end-to-end latency at 10,000 records/s and at half the best produce rate;
//   (d) the machine's limits: loopback TCP throughput and round-trip latency between two
//       processes, sequential write and read;
//   (e) broker CPU seconds per GB produced, and its peak RSS in each phase.
// Usage: node dist/scripts/bench.js [--runs N] [--quick] [--no-write]

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { KafkaClient, parseBootstrapServers, createTopics, deleteTopics } from "../src/client/index.js";
import { runPerfProduce } from "../src/client/perf/perf-producer.js";
import { PERF_CONSUME_DEFAULT_FETCH_MAX_BYTES, PERF_CONSUME_DEFAULT_PARTITION_MAX_BYTES, runPerfConsume } from "../src/client/perf/perf-consumer.js";
import { runPerfEndToEnd } from "../src/client/perf/perf-e2e.js";
import { CompressionType } from "../src/protocol/records/index.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const BIN = join(ROOT, "bin", "tributary.js");

interface Options {
  runs: number;
  quick: boolean;
  write: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { runs: 3, quick: false, write: true };
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === "--runs") options.runs = Number(argv[++index]);
    else if (argv[index] === "--quick") options.quick = true;
    else if (argv[index] === "--no-write") options.write = false;
    else throw new Error(`unknown argument ${argv[index]}`);
  }
  return options;
}

// ----- statistics -----

interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function figure(values: readonly number[]): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

async function repeat(runs: number, measure: () => Promise<number>): Promise<Figure> {
  const values: number[] = [];
  for (let run = 0; run < runs; run++) values.push(await measure());
  return figure(values);
}

// ----- the broker process -----

class Broker {
  private child: ChildProcess | null = null;
  readonly dataDir = mkdtempSync(join(tmpdir(), "tributary-bench-"));
  port = 0;

  async start(): Promise<void> {
    // Topics of finished produce runs are deleted; their files go at once (Kafka waits a minute),
    // so removing gigabytes does not land in the middle of a later measurement.
    // Run as a program, as `npx tributary start` runs it, so the node flags of its #! line apply.
    const args = ["start", "--log-level", "warn", "-o", "listeners=PLAINTEXT://127.0.0.1:0", "-o", `log.dirs=${this.dataDir}`, "-o", "log.segment.delete.delay.ms=0"];
    const child = spawn(BIN, args, {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
        if (match !== null) {
          this.port = Number(match[1]);
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`broker exited with ${code}: ${output}`)));
    });
  }

  get pid(): number {
    return this.child!.pid!;
  }

  /** CPU seconds (user + system) the broker has used so far. */
  cpuSeconds(): number {
    const fields = readFileSync(`/proc/${this.pid}/stat`, "utf8").split(") ")[1].split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  }

  /** Peak resident memory (VmHWM) in MB. */
  peakRssMb(): number {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
    return match === null ? Number.NaN : Number(match[1]) / 1024;
  }

  /** Starts a new peak: VmHWM falls back to the current RSS (Linux clear_refs 5). */
  resetPeakRss(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, "5");
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
    this.child = null;
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// ----- machine limits -----

/** Loopback TCP throughput between two processes, in MB/s: a child writes 1 MiB chunks, we read. */
async function loopbackMegabytesPerSecond(totalMegabytes: number): Promise<number> {
  const script = `
    const net = require("node:net");
    const total = ${totalMegabytes} * 1024 * 1024, chunk = Buffer.alloc(1024 * 1024, 7);
    const server = net.createServer((socket) => {
      let sent = 0;
      const pump = () => { while (sent < total) { sent += chunk.length; if (!socket.write(chunk)) return socket.once("drain", pump); } socket.end(); };
      pump();
    });
    server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => child.stdout.once("data", (data: Buffer) => resolve(Number(data.toString().trim()))));
  const { connect } = await import("node:net");
  const started = performance.now();
  let received = 0;
  await new Promise<void>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("data", (data: Buffer) => (received += data.length));
    socket.on("end", () => resolve());
  });
  const seconds = (performance.now() - started) / 1000;
  child.kill();
  return received / seconds / 1e6;
}

/**
 * Round trips between two processes over loopback TCP at about the pace of the end-to-end run at
 * 10,000 records/s (a 100-byte message echoed, the next sent a timer tick after the answer): the
 * machine's own latency floor. An end-to-end record takes two such hops (producer to broker,
 * broker to consumer), that is one round trip, plus the broker's work. Returns p50/p99/p99.9 ms.
 */
async function loopbackRoundTripMs(roundTrips: number): Promise<{ p50: number; p99: number; p999: number }> {
  const script = `
    const net = require("node:net");
    const server = net.createServer({ noDelay: true }, (socket) => socket.on("data", (data) => socket.write(data)));
    server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => child.stdout.once("data", (data: Buffer) => resolve(Number(data.toString().trim()))));
  const { connect } = await import("node:net");
  const socket = connect({ host: "127.0.0.1", port, noDelay: true });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const message = Buffer.alloc(100, 1);
  const times: number[] = [];
  await new Promise<void>((resolve) => {
    let sentAt = 0;
    let received = 0;
    const send = (): void => {
      sentAt = performance.now();
      socket.write(message);
    };
    socket.on("data", (data: Buffer) => {
      received += data.length;
      if (received < message.length) return;
      received = 0;
      times.push(performance.now() - sentAt);
      if (times.length >= roundTrips) resolve();
      else setTimeout(send, 1);
    });
    send();
  });
  socket.destroy();
  child.kill();
  times.sort((a, b) => a - b);
  const at = (percentile: number): number => times[Math.min(times.length - 1, Math.floor((times.length * percentile) / 100))];
  return { p50: at(50), p99: at(99), p999: at(99.9) };
}

/** Sequential buffered write (1 MiB writes, one fdatasync at the end) and page-cache read, MB/s. */
function diskMegabytesPerSecond(dir: string, totalMegabytes: number): { write: number; read: number } {
  const path = join(dir, "sequential.bin");
  const chunk = Buffer.alloc(1024 * 1024, 3);
  let fd = openSync(path, "w");
  let started = performance.now();
  for (let written = 0; written < totalMegabytes; written++) writeSync(fd, chunk);
  closeSync(fd);
  const writeSeconds = (performance.now() - started) / 1000;
  fd = openSync(path, "r");
  started = performance.now();
  while (readSync(fd, chunk, 0, chunk.length, null) > 0);
  closeSync(fd);
  const readSeconds = (performance.now() - started) / 1000;
  rmSync(path);
  const bytes = totalMegabytes * 1024 * 1024;
  return { write: bytes / writeSeconds / 1e6, read: bytes / readSeconds / 1e6 };
}

/**
 * In-process start-up, as a test suite sees it: a fresh Node process imports the package, then
 * starts and closes an in-memory broker on port 0 fifty times. Returns the import time and the
 * start times (ms).
 */
function inProcessStartMs(): { importMs: number; startsMs: number[] } {
  const entry = join(ROOT, "dist", "src", "index.js");
  const script = `
    const t0 = performance.now();
    const { startBroker } = await import(${JSON.stringify(entry)});
    const importMs = performance.now() - t0;
    const startsMs = [];
    for (let i = 0; i < 50; i++) {
      const begin = performance.now();
      const broker = await startBroker({ port: 0, storage: "memory" });
      startsMs.push(performance.now() - begin);
      await broker.close();
    }
    process.stdout.write(JSON.stringify({ importMs, startsMs }));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`start-up measurement failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { importMs: number; startsMs: number[] };
}

// ----- the measurements -----

interface ProduceCase {
  readonly label: string;
  readonly recordSizeBytes: number;
  readonly acks: -1 | 1;
  readonly compression: CompressionType;
  readonly recordCount: number;
}

async function withClient<T>(broker: Broker, work: (client: KafkaClient) => Promise<T>): Promise<T> {
  const client = await KafkaClient.connect({ bootstrapServers: parseBootstrapServers(`127.0.0.1:${broker.port}`), clientId: "bench" });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

let topicSequence = 0;

async function freshTopic(client: KafkaClient, partitions: number): Promise<string> {
  const name = `bench-${topicSequence++}`;
  const [outcome] = await createTopics(client, [{ name, numPartitions: partitions, replicationFactor: -1, configs: new Map() }]);
  if (outcome.error !== null) throw outcome.error;
  return name;
}

function kcatProduce(broker: Broker, lines: string, topic: string): number {
  const started = performance.now();
  const result = spawnSync("kcat", ["-b", `127.0.0.1:${broker.port}`, "-P", "-t", topic, "-l", lines, "-X", "linger.ms=5", "-X", "acks=1"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error(`kcat failed with ${result.status ?? result.signal}`);
  return (performance.now() - started) / 1000;
}

interface Row {
  readonly what: string;
  readonly value: Figure;
  readonly unit: string;
  /** The limit this figure is compared with, in the same unit, and its name. */
  readonly limit?: { readonly value: number; readonly name: string };
  readonly target?: string;
}

function formatFigure(value: Figure, digits: number): string {
  return `${value.median.toFixed(digits)} [${value.min.toFixed(digits)}–${value.max.toFixed(digits)}]`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const scale = options.quick ? 0.2 : 1;
  const rows: Row[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-bench-disk-"));

  console.error("measuring the machine's limits ...");
  const loopback = await repeat(options.runs, () => loopbackMegabytesPerSecond(Math.round(2048 * scale)));
  const disk = { write: [] as number[], read: [] as number[] };
  for (let run = 0; run < options.runs; run++) {
    const measured = diskMegabytesPerSecond(dataDir, Math.round(1024 * scale));
    disk.write.push(measured.write);
    disk.read.push(measured.read);
  }
  const diskWrite = figure(disk.write);
  const diskRead = figure(disk.read);
  rmSync(dataDir, { recursive: true, force: true });
  const roundTrips = { p50: [] as number[], p99: [] as number[], p999: [] as number[] };
  for (let run = 0; run < options.runs; run++) {
    const measured = await loopbackRoundTripMs(Math.round(10_000 * scale));
    roundTrips.p50.push(measured.p50);
    roundTrips.p99.push(measured.p99);
    roundTrips.p999.push(measured.p999);
  }
  const roundTrip = { p50: figure(roundTrips.p50), p99: figure(roundTrips.p99), p999: figure(roundTrips.p999) };
  rows.push({ what: "loopback TCP, 1 MiB writes, two processes", value: loopback, unit: "MB/s" });
  rows.push({ what: "loopback TCP round trip p50, two processes, 1000/s", value: roundTrip.p50, unit: "ms" });
  rows.push({ what: "loopback TCP round trip p99", value: roundTrip.p99, unit: "ms" });
  rows.push({ what: "loopback TCP round trip p99.9", value: roundTrip.p999, unit: "ms" });
  rows.push({ what: "sequential write, 1 MiB, buffered", value: diskWrite, unit: "MB/s" });
  rows.push({ what: "sequential read, page cache", value: diskRead, unit: "MB/s" });

  console.error("in-process start-up ...");
  const imports: number[] = [];
  const startMedians: number[] = [];
  const startMaxima: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const measured = inProcessStartMs();
    imports.push(measured.importMs);
    startMedians.push(figure(measured.startsMs).median);
    startMaxima.push(figure(measured.startsMs).max);
  }
  rows.push({ what: "in-process start (startBroker, memory, port 0), median of 50", value: figure(startMedians), unit: "ms", target: "< 100" });
  rows.push({ what: "in-process start, slowest of 50", value: figure(startMaxima), unit: "ms" });
  rows.push({ what: "import of the package (once per process)", value: figure(imports), unit: "ms" });

  const broker = new Broker();
  await broker.start();
  let produceCpuSeconds = 0;
  let producedBytes = 0;
  let best100Rate = 0;
  // The broker's peak RSS per phase (VmHWM reset before each), so the phase that binds shows.
  const peaks: { phase: string; megabytes: number }[] = [];
  const phasePeak = (phase: string): void => {
    peaks.push({ phase, megabytes: broker.peakRssMb() });
    broker.resetPeakRss();
  };
  try {
    phasePeak("start-up");
    const cases: ProduceCase[] = [
      { label: "100 B, acks=1", recordSizeBytes: 100, acks: 1, compression: CompressionType.None, recordCount: 5_000_000 },
      { label: "100 B, acks=all", recordSizeBytes: 100, acks: -1, compression: CompressionType.None, recordCount: 5_000_000 },
      { label: "100 B, acks=1, lz4", recordSizeBytes: 100, acks: 1, compression: CompressionType.Lz4, recordCount: 5_000_000 },
      { label: "1 KiB, acks=1", recordSizeBytes: 1024, acks: 1, compression: CompressionType.None, recordCount: 2_000_000 },
      { label: "1 KiB, acks=all", recordSizeBytes: 1024, acks: -1, compression: CompressionType.None, recordCount: 2_000_000 },
      { label: "1 KiB, acks=1, lz4", recordSizeBytes: 1024, acks: 1, compression: CompressionType.Lz4, recordCount: 2_000_000 },
    ];
    let consumeTopic = "";
    let consumeRecords = 0;
    for (const produceCase of cases) {
      console.error(`produce ${produceCase.label} ...`);
      const rates: number[] = [];
      const throughputs: number[] = [];
      for (let run = 0; run < options.runs; run++) {
        const result = await withClient(broker, async (client) => {
          const topic = await freshTopic(client, 4);
          const cpuBefore = broker.cpuSeconds();
          const outcome = await runPerfProduce(client, {
            topic,
            recordCount: Math.round(produceCase.recordCount * scale),
            durationMs: Number.POSITIVE_INFINITY,
            recordSizeBytes: produceCase.recordSizeBytes,
            targetRecordsPerSecond: -1,
            acks: produceCase.acks,
            batchSizeBytes: 262_144,
            lingerMs: 5,
            compression: produceCase.compression,
            maxInFlight: 5,
          });
          produceCpuSeconds += broker.cpuSeconds() - cpuBefore;
          if (produceCase.recordSizeBytes === 100 && produceCase.compression === CompressionType.None && produceCase.acks === 1) {
            consumeTopic = topic;
            consumeRecords = outcome.records;
          } else {
            // Runs last seconds each (shorter ones measure warm-up); their data is not needed again.
            const [deleted] = await deleteTopics(client, [topic]);
            if (deleted.error !== null) throw deleted.error;
          }
          return outcome;
        });
        producedBytes += result.bytes;
        rates.push(result.recordsPerSecond);
        throughputs.push(result.megabytesPerSecond);
      }
      const rate = figure(rates);
      if (produceCase.recordSizeBytes === 100) best100Rate = Math.max(best100Rate, rate.median);
      rows.push({ what: `produce ${produceCase.label} (records/s)`, value: rate, unit: "rec/s", target: produceCase.recordSizeBytes === 100 && produceCase.acks === 1 && produceCase.compression === CompressionType.None ? ">= 1,000,000" : undefined });
      rows.push({
        what: `produce ${produceCase.label} (MB/s)`,
        value: figure(throughputs),
        unit: "MB/s",
        limit: { value: Math.min(loopback.median, diskWrite.median), name: "min(loopback, disk write)" },
        target: produceCase.recordSizeBytes === 1024 && produceCase.acks === 1 && produceCase.compression === CompressionType.None ? ">= 500" : undefined,
      });
    }

    phasePeak("produce, our perf tool");
    console.error("produce with kcat (librdkafka) ...");
    const linesPath = join(broker.dataDir, "..", `bench-lines-${process.pid}.txt`);
    const kcatRecords = Math.round(1_000_000 * scale);
    writeFileSync(linesPath, `${"k".repeat(100)}\n`.repeat(kcatRecords));
    const kcatRates: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const topic = await withClient(broker, (client) => freshTopic(client, 4));
      kcatRates.push(kcatRecords / kcatProduce(broker, linesPath, topic));
    }
    rmSync(linesPath, { force: true });
    rows.push({ what: "produce 100 B, acks=1, kcat -P (records/s)", value: figure(kcatRates), unit: "rec/s" });

    phasePeak("produce, kcat");
    console.error("consume from the page cache ...");
    const consumeRates: number[] = [];
    const consumeMegabytes: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const result = await withClient(broker, (client) =>
        runPerfConsume(client, { topic: consumeTopic, recordCount: consumeRecords, idleTimeoutMs: 2000, fetchMaxBytes: PERF_CONSUME_DEFAULT_FETCH_MAX_BYTES, partitionMaxBytes: PERF_CONSUME_DEFAULT_PARTITION_MAX_BYTES, decode: true }),
      );
      consumeRates.push(result.recordsPerSecond);
      consumeMegabytes.push(result.megabytesPerSecond);
    }
    rows.push({ what: "consume 100 B, decoded (records/s)", value: figure(consumeRates), unit: "rec/s", target: ">= 1,500,000" });
    rows.push({ what: "consume 100 B, decoded (MB/s of values)", value: figure(consumeMegabytes), unit: "MB/s", limit: { value: diskRead.median, name: "page-cache read" } });

    phasePeak("consume");
    for (const rate of [10_000, Math.max(10_000, Math.round(best100Rate / 2))]) {
      console.error(`end-to-end latency at ${rate} records/s ...`);
      const p50: number[] = [];
      const p99: number[] = [];
      const p999: number[] = [];
      for (let run = 0; run < options.runs; run++) {
        const result = await withClient(broker, async (client) => {
          const topic = await freshTopic(client, 1);
          return runPerfEndToEnd(client, {
            topic,
            recordCount: Math.max(2_000, Math.round(rate * 3 * scale)),
            recordSizeBytes: 100,
            targetRecordsPerSecond: rate,
            acks: 1,
            maxInFlight: 5,
          });
        });
        p50.push(result.latency.percentileMicros(50) / 1000);
        p99.push(result.latency.percentileMicros(99) / 1000);
        p999.push(result.latency.percentileMicros(99.9) / 1000);
      }
      const floor = (name: string, value: Figure) => (rate === 10_000 ? { value: value.median, name: `loopback round trip ${name}` } : undefined);
      rows.push({ what: `end-to-end p50 at ${rate} rec/s`, value: figure(p50), unit: "ms", limit: floor("p50", roundTrip.p50) });
      rows.push({ what: `end-to-end p99 at ${rate} rec/s`, value: figure(p99), unit: "ms", target: rate === 10_000 ? "< 5" : undefined, limit: floor("p99", roundTrip.p99) });
      rows.push({ what: `end-to-end p99.9 at ${rate} rec/s`, value: figure(p999), unit: "ms", limit: floor("p99.9", roundTrip.p999) });
      phasePeak(`end-to-end at ${rate} rec/s`);
    }
    rows.push({ what: "broker CPU seconds per GB produced (our perf producer runs)", value: figure([produceCpuSeconds / (producedBytes / 1e9)]), unit: "s/GB" });
    for (const { phase, megabytes } of peaks) rows.push({ what: `broker peak RSS: ${phase}`, value: figure([megabytes]), unit: "MB", target: "< 150" });
  } finally {
    await broker.stop();
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
  const lines = [
    "| measurement | median [min–max] | unit | ratio to limit | target |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((row) => {
      const digits = row.unit === "rec/s" ? 0 : row.unit === "ms" ? 2 : 1;
      // Throughputs are a share of their limit; latencies a multiple of their floor.
      const ratio =
        row.limit === undefined
          ? ""
          : row.unit === "ms"
            ? `${(row.value.median / row.limit.value).toFixed(1)}× ${row.limit.name}`
            : `${((100 * row.value.median) / row.limit.value).toFixed(0)}% of ${row.limit.name}`;
      return `| ${row.what} | ${formatFigure(row.value, digits)} | ${row.unit} | ${ratio} | ${row.target ?? ""} |`;
    }),
  ];
  console.log(`\n${machine}\n\n${lines.join("\n")}`);
  if (options.write) {
    const document = renderBenchmarks(machine, lines, options);
    writeFileSync(join(ROOT, "BENCHMARKS.md"), document);
    console.error("wrote BENCHMARKS.md");
  }
}

function renderBenchmarks(machine: string, table: readonly string[], options: Options): string {
  const previous = (() => {
    try {
      return readFileSync(join(ROOT, "BENCHMARKS.md"), "utf8");
    } catch {
      return "";
    }
  })();
  // Everything after the generated section is kept: notes and profiles written by hand.
  const marker = "<!-- end of generated section -->";
  const kept = previous.includes(marker) ? previous.slice(previous.indexOf(marker) + marker.length) : "\n";
  return [
    "# Benchmarks",
    "",
    `Generated by \`npm run bench\` (\`node dist/scripts/bench.js --runs ${options.runs}${options.quick ? " --quick" : ""}\`) on ${new Date().toISOString().slice(0, 10)}.`,
    "",
    `Machine: ${machine}. Broker and clients share the machine: the broker is one process (\`tributary start\`, run as a program so the node flags of its \`#!\` line apply),`,
    "the clients another (our perf tools: `tributary perf produce|consume|e2e`) or kcat. Each figure is the",
    `median of ${options.runs} runs with the range in brackets; the limits in the first rows are measured in the same run.`,
    "",
    ...table,
    "",
    marker,
  ].join("\n") + kept;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
