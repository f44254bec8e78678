// Storage engine benchmark (`node dist/scripts/bench-storage.js [--dir DIR] [--mib N] [--partitions N]`).
// Every figure is measured next to a reference taken in the same run on the same disk:
// - append throughput (1 KiB and 16 KiB batches, 64 appends in flight, and one at a time)
//   against raw sequential buffered writes of 1 MiB;
// - read throughput from the page cache through PartitionLog.read against raw 1 MiB reads;
// - recovery time of an unclean partition of --recovery-mib (default 1024) MiB;
// - start-up time of a LogManager holding --partitions (default 10,000) partitions, clean and unclean.
// Prints one table; numbers are medians of --repeat runs (default 3).

import { mkdtempSync, mkdirSync, openSync, closeSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { systemClock } from "../src/lib/clock.js";
import { crc32c } from "../src/protocol/records/crc32c.js";
import { NodeFileSystem } from "../src/storage/io/node-file-system.js";
import { DEFAULT_LOG_CONFIG } from "../src/storage/log-config.js";
import type { LogConfig } from "../src/storage/log-config.js";
import { LogManager } from "../src/storage/log-manager.js";
import { PartitionLog } from "../src/storage/partition-log.js";

interface Options {
  dir: string;
  mib: number;
  recoveryMib: number;
  partitions: number;
  repeat: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { dir: tmpdir(), mib: 256, recoveryMib: 1024, partitions: 10_000, repeat: 3 };
  for (let index = 0; index < argv.length; index += 2) {
    const value = argv[index + 1];
    switch (argv[index]) {
      case "--dir":
        options.dir = value;
        break;
      case "--mib":
        options.mib = Number(value);
        break;
      case "--recovery-mib":
        options.recoveryMib = Number(value);
        break;
      case "--partitions":
        options.partitions = Number(value);
        break;
      case "--repeat":
        options.repeat = Number(value);
        break;
      default:
        throw new Error(`unknown option ${argv[index]}`);
    }
  }
  return options;
}

const MIB = 1024 * 1024;
const NOW = Date.now();

function varintBytes(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let bytes = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 128);
    bytes += 1;
  }
  return bytes;
}

/** One uncompressed v2 batch of exactly `sizeBytes` bytes holding one record. */
function makeBatch(sizeBytes: number): Buffer {
  const recordBytes = sizeBytes - 61;
  // Record: varint length, then attributes, timestampDelta 0, offsetDelta 0, key -1 (4 bytes),
  // value length, value, header count 0.
  const bodyFor = (valueBytes: number): number => 4 + varintBytes(valueBytes) + valueBytes + 1;
  let valueBytes = recordBytes;
  while (valueBytes > 0 && varintBytes(bodyFor(valueBytes)) + bodyFor(valueBytes) > recordBytes) valueBytes -= 1;
  if (varintBytes(bodyFor(valueBytes)) + bodyFor(valueBytes) !== recordBytes) throw new Error(`no record layout fills ${sizeBytes} bytes`);
  const record = Buffer.alloc(recordBytes);
  let at = 0;
  const varint = (value: number): void => {
    let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
    while (zigzag >= 0x80) {
      record[at++] = (zigzag & 0x7f) | 0x80;
      zigzag = Math.floor(zigzag / 128);
    }
    record[at++] = zigzag;
  };
  varint(bodyFor(valueBytes));
  record[at++] = 0;
  varint(0);
  varint(0);
  varint(-1);
  varint(valueBytes);
  record.fill(0x5a, at, at + valueBytes);
  at += valueBytes;
  varint(0);
  const batch = Buffer.alloc(sizeBytes);
  batch.writeInt32BE(sizeBytes - 12, 8);
  batch.writeInt32BE(-1, 12);
  batch.writeInt8(2, 16);
  batch.writeBigInt64BE(BigInt(NOW), 27);
  batch.writeBigInt64BE(BigInt(NOW), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(1, 57);
  record.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function fresh(root: string, name: string): string {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

const benchConfig: LogConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 64 * MIB };

async function rawWrite(dir: string, totalBytes: number, mode: "sync" | "async"): Promise<number> {
  const chunk = Buffer.alloc(MIB, 0x5a);
  const path = join(dir, "raw.bin");
  const started = performance.now();
  if (mode === "sync") {
    const fd = openSync(path, "w");
    for (let written = 0; written < totalBytes; written += MIB) writeSync(fd, chunk, 0, MIB, written);
    closeSync(fd);
  } else {
    const handle = await open(path, "w");
    for (let written = 0; written < totalBytes; written += MIB) await handle.write(chunk, 0, MIB, written);
    await handle.close();
  }
  const seconds = (performance.now() - started) / 1000;
  rmSync(path, { force: true });
  return totalBytes / MIB / seconds;
}

async function appendRun(dir: string, totalBytes: number, batchBytes: number, inFlight: number): Promise<{ mibPerSecond: number; log: PartitionLog }> {
  const log = await PartitionLog.create({ fs: new NodeFileSystem(), clock: systemClock, logDir: dir, topic: "bench", partition: 0, topicId: "AAAAAAAAAAAAAAAAAAAAAQ", config: benchConfig });
  const template = makeBatch(batchBytes);
  const count = Math.floor(totalBytes / batchBytes);
  // A pool of buffers, reused only after their append resolved (appends modify them in place).
  const pool = Array.from({ length: inFlight }, () => Buffer.from(template));
  let next = 0;
  const started = performance.now();
  const worker = async (slot: number): Promise<void> => {
    while (next < count) {
      next += 1;
      await log.append(pool[slot], { leaderEpoch: 0, assignOffsets: true });
    }
  };
  await Promise.all(pool.map((_, slot) => worker(slot)));
  const seconds = (performance.now() - started) / 1000;
  return { mibPerSecond: (count * batchBytes) / MIB / seconds, log };
}

async function readRun(log: PartitionLog): Promise<number> {
  const started = performance.now();
  let offset = log.logStartOffset;
  let bytes = 0;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, { maxBytes: MIB, maxOffset: log.logEndOffset, minOneBatch: true });
    bytes += result.sizeBytes;
    offset = result.lastOffset + 1;
  }
  return bytes / MIB / ((performance.now() - started) / 1000);
}

function rawRead(path: string, totalBytes: number): number {
  const chunk = Buffer.allocUnsafe(MIB);
  const fd = openSync(path, "r");
  const started = performance.now();
  let bytes = 0;
  for (let position = 0; position < totalBytes; position += MIB) bytes += readSync(fd, chunk, 0, MIB, position);
  closeSync(fd);
  return bytes / MIB / ((performance.now() - started) / 1000);
}

async function rawReadAsync(path: string, totalBytes: number): Promise<number> {
  const chunk = Buffer.allocUnsafe(MIB);
  const handle = await open(path, "r");
  const started = performance.now();
  let bytes = 0;
  for (let position = 0; position < totalBytes; position += MIB) bytes += (await handle.read(chunk, 0, MIB, position)).bytesRead;
  await handle.close();
  return bytes / MIB / ((performance.now() - started) / 1000);
}

async function recoveryRun(dir: string, totalBytes: number, batchBytes: number): Promise<number> {
  const { log } = await appendRun(dir, totalBytes, batchBytes, 64);
  // Abandon the log without closing it: no clean-shutdown marker, recovery point 0.
  void log;
  const started = performance.now();
  const recovered = await PartitionLog.open({ fs: new NodeFileSystem(), clock: systemClock, logDir: dir, topic: "bench", partition: 0, config: benchConfig, hadCleanShutdown: false, recoveryPoint: 0 });
  const seconds = (performance.now() - started) / 1000;
  if (recovered.logEndOffset !== Math.floor(totalBytes / batchBytes)) throw new Error(`recovery found ${recovered.logEndOffset} batches`);
  await recovered.close();
  return seconds;
}

/** Writes a data dir of `count` partitions (one small segment each) directly, as a broker would have left it. */
function writePartitions(dir: string, count: number, clean: boolean): void {
  const batch = makeBatch(1024);
  const recovery: string[] = [];
  for (let partition = 0; partition < count; partition += 1) {
    const partitionDir = join(dir, `topic-${partition % 100}-${partition}`);
    mkdirSync(partitionDir);
    writeFileSync(join(partitionDir, "partition.metadata"), "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n");
    writeFileSync(join(partitionDir, "00000000000000000000.log"), batch);
    writeFileSync(join(partitionDir, "00000000000000000000.index"), Buffer.alloc(0));
    writeFileSync(join(partitionDir, "00000000000000000000.timeindex"), Buffer.alloc(0));
    writeFileSync(join(partitionDir, "leader-epoch-checkpoint"), "0\n0\n");
    recovery.push(`topic-${partition % 100} ${partition} 1`);
  }
  writeFileSync(join(dir, "recovery-point-offset-checkpoint"), `0\n${count}\n${recovery.join("\n")}\n`);
  if (clean) writeFileSync(join(dir, ".kafka_cleanshutdown"), '{"version":"0","broker_epoch":"-1"}');
}

async function startupRun(root: string, count: number, clean: boolean): Promise<number> {
  const dir = fresh(root, "startup");
  writePartitions(dir, count, clean);
  const started = performance.now();
  const manager = await LogManager.open({
    fs: new NodeFileSystem(),
    clock: systemClock,
    logDirs: [dir],
    defaultConfig: benchConfig,
    recoveryParallelism: 64,
    logger: (level, message, fields) => {
      if (level === "error") console.error(message, fields);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (manager.allLogs().length !== count) throw new Error(`loaded ${manager.allLogs().length} partitions`);
  await manager.close();
  return seconds;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = mkdtempSync(join(options.dir, "tributary-bench-"));
  const totalBytes = options.mib * MIB;
  const rows: [string, string, string][] = [];
  const repeat = async (run: () => Promise<number>): Promise<number> => {
    const values: number[] = [];
    for (let index = 0; index < options.repeat; index += 1) values.push(await run());
    return median(values);
  };
  try {
    // The disk and page cache of a shared VM drift from one run to the next: every append run is
    // paired with a raw write run just before it, and the ratio is taken per pair.
    const rawSync = await repeat(() => rawWrite(fresh(root, "raw"), totalBytes, "sync"));
    const rawAsync = await repeat(() => rawWrite(fresh(root, "raw"), totalBytes, "async"));
    rows.push(["raw sequential write, 1 MiB writeSync", `${rawSync.toFixed(0)} MiB/s`, "reference"]);
    rows.push(["raw sequential write, 1 MiB awaited async", `${rawAsync.toFixed(0)} MiB/s`, "reference"]);
    for (const batchBytes of [1024, 16 * 1024]) {
      for (const inFlight of [64, 1]) {
        const bytes = inFlight === 1 ? Math.min(totalBytes, 32 * MIB) : totalBytes;
        const throughputs: number[] = [];
        const ratios: number[] = [];
        for (let run = 0; run < options.repeat; run += 1) {
          const raw = Math.max(await rawWrite(fresh(root, "raw"), bytes, "sync"), await rawWrite(fresh(root, "raw"), bytes, "async"));
          const { mibPerSecond, log } = await appendRun(fresh(root, "append"), bytes, batchBytes, inFlight);
          await log.close();
          throughputs.push(mibPerSecond);
          ratios.push(mibPerSecond / raw);
        }
        rows.push([`append ${batchBytes / 1024} KiB batches, ${inFlight} in flight`, `${median(throughputs).toFixed(0)} MiB/s`, `${(100 * median(ratios)).toFixed(0)}% of raw write (paired runs)`]);
      }
    }
    const readDir = fresh(root, "read");
    const { log: readLog } = await appendRun(readDir, totalBytes, 16 * 1024, 64);
    const segment = join(readDir, "bench-0", "00000000000000000000.log");
    rawRead(segment, totalBytes);
    const rawReadSync = await repeat(async () => rawRead(segment, totalBytes));
    const rawReadAwaited = await repeat(() => rawReadAsync(segment, totalBytes));
    const logRead = await repeat(() => readRun(readLog));
    await readLog.close();
    rows.push(["raw read (page cache), 1 MiB readSync", `${rawReadSync.toFixed(0)} MiB/s`, "reference"]);
    rows.push(["raw read (page cache), 1 MiB awaited async", `${rawReadAwaited.toFixed(0)} MiB/s`, "reference"]);
    rows.push(["PartitionLog.read 1 MiB fetches, CRC checked", `${logRead.toFixed(0)} MiB/s`, `${((100 * logRead) / rawReadAwaited).toFixed(0)}% of raw async read`]);
    const recoverySeconds = await recoveryRun(fresh(root, "recovery"), options.recoveryMib * MIB, 16 * 1024);
    rows.push([`recovery of an unclean ${options.recoveryMib} MiB partition (16 KiB batches)`, `${recoverySeconds.toFixed(2)} s`, `${(options.recoveryMib / recoverySeconds).toFixed(0)} MiB/s`]);
    const cleanStart = await startupRun(root, options.partitions, true);
    const uncleanStart = await startupRun(root, options.partitions, false);
    rows.push([`start-up, ${options.partitions} partitions, clean shutdown`, `${cleanStart.toFixed(2)} s`, ""]);
    rows.push([`start-up, ${options.partitions} partitions, unclean (recovers each)`, `${uncleanStart.toFixed(2)} s`, ""]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map((row) => row[0].length));
  console.log(`storage benchmark: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, dir ${options.dir}, ${options.mib} MiB per run, median of ${options.repeat}`);
  console.log(`| ${"measurement".padEnd(width)} | result | comparison |`);
  console.log(`| ${"-".repeat(width)} | --- | --- |`);
  for (const [name, result, comparison] of rows) console.log(`| ${name.padEnd(width)} | ${result} | ${comparison} |`);
}

await main();
