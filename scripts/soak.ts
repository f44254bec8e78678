// Soak: a steady mixed load against a real broker process for a long time (default 10 minutes),
// sampling the broker's RSS, V8 heap after a full GC (over IPC: test/fault/memory-probe.ts),
// external memory and open file descriptors (/proc) every few seconds, and printing a table and
// a verdict: flat memory and no file-descriptor leak, or what grew.
//
//   node dist/scripts/soak.js [--duration-sec 600] [--interval-sec 5] [--rate 5000] [--warmup-sec 180]
//
// Load: two producers (acks=all, batches of 100-byte records, paced to --rate records/s over six
// partitions), a kafkajs consumer group of two members committing offsets, a client opening and
// closing a connection every second (ApiVersions + Metadata), and retention small enough that
// segments roll and are deleted throughout (their file descriptors must be released): 4 MiB
// segments, retention.bytes 16 MiB, retention checked every 10 s, deleted files removed after 5 s.
// The verdict is judged after --warmup-sec, once each partition holds its steady number of
// segments and the caches have filled.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import kafkajs from "kafkajs";
import { BrokerChild } from "../test/fault/broker-child.js";
import { createTopics, produceValues } from "../test/fault/data-tools.js";
import { KafkaConnection } from "../src/client/connection.js";
import { ApiKey } from "../src/protocol/generated/index.js";
import type { MetadataResponse } from "../src/protocol/generated/metadata.js";

const { Kafka, logLevel } = kafkajs;
const TOPIC = "soak";
const PARTITIONS = 6;
const RECORD_BYTES = 100;
const TICK_MS = 20;
const MIB = 2 ** 20;

interface Sample {
  readonly elapsedSec: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly externalMiB: number;
  readonly fds: number;
  readonly produced: number;
  readonly consumed: number;
}

interface SoakOptions {
  durationSec: string;
  intervalSec: string;
  rate: string;
  warmupSec: string;
  keepData?: boolean;
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const [x, y] of points) {
    numerator += (x - meanX) * (y - meanY);
    denominator += (x - meanX) ** 2;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

async function main(): Promise<void> {
  const options = new Command()
    .name("soak")
    .option("--duration-sec <s>", "how long to run", "600")
    .option("--interval-sec <s>", "seconds between samples", "5")
    .option("--rate <n>", "records per second produced", "5000")
    .option("--warmup-sec <s>", "samples before this are shown but not judged", "180")
    .option("--keep-data", "keep the broker's data directory")
    .parse()
    .opts<SoakOptions>();
  const durationMs = Number(options.durationSec) * 1000;
  const intervalMs = Number(options.intervalSec) * 1000;
  const rate = Number(options.rate);
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-soak-"));
  const broker = new BrokerChild({ dataDir, probe: true, nodeFlags: ["--expose-gc"], config: { "log.retention.check.interval.ms": "10000" } });
  await broker.start();
  console.log(`soak: broker pid ${broker.pid} on ${broker.bootstrap}, ${options.durationSec} s at ${rate} records/s, data in ${dataDir}`);
  await createTopics(broker.port, [{ name: TOPIC, partitions: PARTITIONS, configs: { "segment.bytes": String(4 * MIB), "retention.bytes": String(16 * MIB), "file.delete.delay.ms": "5000" } }]);

  let stopping = false;
  let produced = 0;
  let consumed = 0;
  let churned = 0;
  const errors: string[] = [];
  const value = "v".repeat(RECORD_BYTES);

  const producer = async (id: number): Promise<void> => {
    const client = await KafkaConnection.connect("127.0.0.1", broker.port, { clientId: `soak-producer-${id}` });
    const perTick = Math.max(1, Math.round((rate / 2) * (TICK_MS / 1000)));
    const started = performance.now();
    let ticks = 0;
    try {
      while (!stopping) {
        const partition = (id + ticks) % PARTITIONS;
        await produceValues(client, TOPIC, partition, Array.from({ length: perTick }, () => value));
        produced += perTick;
        ticks++;
        const aheadMs = started + ticks * TICK_MS - performance.now();
        if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, aheadMs));
      }
    } finally {
      await client.close();
    }
  };

  const churn = async (): Promise<void> => {
    while (!stopping) {
      const client = await KafkaConnection.connect("127.0.0.1", broker.port, { clientId: "soak-churn" });
      await client.send<MetadataResponse>(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      await client.close();
      churned++;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  const kafka = new Kafka({ clientId: "soak", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 } });
  const consumers = [0, 1].map(() => kafka.consumer({ groupId: "soak-group", maxWaitTimeInMs: 200 }));
  for (const consumer of consumers) {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: false });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length;
      },
    });
  }

  const running = [producer(0), producer(1), churn()].map((task) => task.catch((error: unknown) => errors.push((error as Error).message)));
  const samples: Sample[] = [];
  const begin = performance.now();
  console.log("  time   RSS MiB  heap MiB  ext MiB   fds   produced   consumed");
  while (performance.now() - begin < durationMs && broker.unexpectedExit === null) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const status = broker.procStatus();
    const heap = await broker.heapUsage(true);
    const sample: Sample = {
      elapsedSec: Math.round((performance.now() - begin) / 1000),
      rssMiB: status.rssBytes / MIB,
      heapUsedMiB: heap.usage.heapUsed / MIB,
      externalMiB: heap.usage.external / MIB,
      fds: status.fdCount,
      produced,
      consumed,
    };
    samples.push(sample);
    console.log(
      `${String(sample.elapsedSec).padStart(5)}s ${sample.rssMiB.toFixed(1).padStart(9)} ${sample.heapUsedMiB.toFixed(1).padStart(9)} ${sample.externalMiB.toFixed(1).padStart(8)} ${String(sample.fds).padStart(5)} ${String(produced).padStart(10)} ${String(consumed).padStart(10)}`,
    );
  }
  stopping = true;
  await Promise.all(running);
  for (const consumer of consumers) await consumer.disconnect();
  const exit = broker.unexpectedExit;
  const code = await broker.stop();
  if (options.keepData !== true) rmSync(dataDir, { recursive: true, force: true });

  // Judge after the warm-up: segments reach their steady count, caches and pools fill.
  const warm = samples.filter((sample) => sample.elapsedSec >= Number(options.warmupSec));
  const judged = warm.length >= 2 ? warm : samples;
  const perMinute = (pick: (sample: Sample) => number): number => slope(judged.map((sample) => [sample.elapsedSec / 60, pick(sample)])) ;
  const range = (pick: (sample: Sample) => number): string => `${Math.min(...judged.map(pick)).toFixed(1)}..${Math.max(...judged.map(pick)).toFixed(1)}`;
  const first = judged[0];
  const last = judged[judged.length - 1];
  console.log(`\nsoak summary (${samples.length} samples, judged from ${first?.elapsedSec ?? 0}s to ${last?.elapsedSec ?? 0}s):`);
  console.log(`  records produced ${produced} (${(produced / (durationMs / 1000)).toFixed(0)}/s), consumed ${consumed}, connections churned ${churned}`);
  console.log(`  RSS MiB        ${range((sample) => sample.rssMiB)}, slope ${perMinute((sample) => sample.rssMiB).toFixed(2)} MiB/min`);
  console.log(`  heap MiB (GC)  ${range((sample) => sample.heapUsedMiB)}, slope ${perMinute((sample) => sample.heapUsedMiB).toFixed(2)} MiB/min`);
  console.log(`  external MiB   ${range((sample) => sample.externalMiB)}, slope ${perMinute((sample) => sample.externalMiB).toFixed(2)} MiB/min`);
  console.log(`  file descriptors ${range((sample) => sample.fds)}, first ${first?.fds}, last ${last?.fds}`);
  const problems: string[] = [];
  if (exit !== null) problems.push(exit);
  if (code !== 0) problems.push(`graceful stop exited with ${code}`);
  if (errors.length > 0) problems.push(`load errors: ${errors.join("; ")}`);
  if (perMinute((sample) => sample.heapUsedMiB) > 1) problems.push("heap after GC grows more than 1 MiB/min");
  // Segments roll together on every partition and deleted ones stay open for file.delete.delay.ms,
  // so the count steps up and down by about one per partition; a leak shows as a higher ceiling.
  const half = Math.floor(judged.length / 2);
  const earlierCeiling = Math.max(...judged.slice(0, Math.max(half, 1)).map((sample) => sample.fds));
  const laterCeiling = Math.max(...judged.slice(half).map((sample) => sample.fds));
  console.log(`  file descriptor ceiling: ${earlierCeiling} in the first half of the judged window, ${laterCeiling} in the second; slope ${perMinute((sample) => sample.fds).toFixed(2)}/min`);
  if (laterCeiling > earlierCeiling + PARTITIONS) problems.push(`file descriptors grew: ceiling ${earlierCeiling} then ${laterCeiling}`);
  console.log(problems.length === 0 ? "verdict: flat (heap after GC within 1 MiB/min, file descriptors at a steady ceiling)" : `verdict: FAIL: ${problems.join("; ")}`);
  // kafkajs may leave retry timers behind after its clients disconnect: end here.
  process.exit(problems.length === 0 ? 0 : 1);
}

await main();
