// `tributary perf produce | consume | e2e`: throughput and latency tools in the spirit of Kafka's
// kafka-producer-perf-test.sh, kafka-consumer-perf-test.sh and EndToEndLatency, fast enough to
// measure the broker rather than themselves (records are encoded straight into reused batch
// buffers). They print a progress line while running and one summary line at the end.

import { InvalidArgumentError, type Command } from "commander";
import { createTopics, type KafkaClient } from "../client/index.js";
import { runPerfProduce } from "../client/perf/perf-producer.js";
import { PERF_CONSUME_DEFAULT_FETCH_MAX_BYTES, PERF_CONSUME_DEFAULT_PARTITION_MAX_BYTES, runPerfConsume } from "../client/perf/perf-consumer.js";
import { runPerfEndToEnd } from "../client/perf/perf-e2e.js";
import type { LatencyHistogram } from "../lib/latency-histogram.js";
import { CompressionType } from "../protocol/records/index.js";
import { CliError } from "./cli-error.js";
import { addBootstrapOption, parsePositiveBytes, parsePositiveCount, parseNonNegativeMs, withClient, type ConnectionOptions } from "./client-options.js";
import { parseAcks, parseCompression } from "./produce.js";

function parseRate(value: string): number {
  const rate = Number(value);
  if (!Number.isFinite(rate)) throw new InvalidArgumentError("throughput must be a number of records per second (-1: unlimited).");
  return rate;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("duration must be a positive number of seconds.");
  return seconds;
}

const ms = (micros: number): string => (micros / 1000).toFixed(2);

function latencySummary(latency: LatencyHistogram): string {
  return (
    `${ms(latency.meanMicros)} ms avg latency, ${ms(latency.maxMicros)} ms max latency, ` +
    `${ms(latency.percentileMicros(50))} ms 50th, ${ms(latency.percentileMicros(95))} ms 95th, ` +
    `${ms(latency.percentileMicros(99))} ms 99th, ${ms(latency.percentileMicros(99.9))} ms 99.9th.`
  );
}

/** Creates the topic with this many partitions unless it exists (an existing topic is used as it is). */
async function ensureTopic(client: KafkaClient, topic: string, partitions: number | undefined): Promise<void> {
  if (partitions === undefined) return;
  const [outcome] = await createTopics(client, [{ name: topic, numPartitions: partitions, replicationFactor: -1, configs: new Map() }]);
  if (outcome.error !== null && outcome.error.errorName !== "TOPIC_ALREADY_EXISTS") throw outcome.error;
}

interface ProducePerfOptions extends ConnectionOptions {
  topic: string;
  numRecords: number;
  durationSeconds?: number;
  recordSize: number;
  throughput: number;
  acks: -1 | 0 | 1;
  batchSize: number;
  lingerMs: number;
  compression: CompressionType;
  partitions?: number;
  maxInFlight: number;
  json?: boolean;
}

interface ConsumePerfOptions extends ConnectionOptions {
  topic: string;
  numRecords: number;
  timeoutMs: number;
  fetchMaxBytes: number;
  partitionMaxBytes: number;
  headersOnly?: boolean;
  json?: boolean;
}

interface EndToEndPerfOptions extends ConnectionOptions {
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  acks: -1 | 0 | 1;
  maxInFlight: number;
  json?: boolean;
}

export function registerPerfCommand(program: Command): void {
  const perf = program.command("perf").description("measure throughput and latency (like Kafka's perf-test tools)");

  addBootstrapOption(perf.command("produce").description("send records as fast as possible (or at --throughput) and report records/s, MB/s and latency"))
    .requiredOption("--topic <name>", "the topic to write to")
    .option("--num-records <n>", "records to send", parsePositiveCount, 1_000_000)
    .option("--duration-seconds <s>", "stop after this long even if records remain", parseSeconds)
    .option("--record-size <bytes>", "value size of each record", parsePositiveBytes, 100)
    .option("--throughput <records/s>", "target rate; -1 for as fast as possible", parseRate, -1)
    .option("--acks <acks>", "all (-1), 1 or 0", parseAcks, 1)
    .option("--batch-size <bytes>", "bytes per batch (one batch per partition per request)", parsePositiveBytes, 262_144)
    .option("--linger-ms <ms>", "how long a rate-limited batch waits for more records", parseNonNegativeMs, 5)
    .option("--compression <codec>", "none, gzip, snappy, lz4 or zstd", parseCompression, CompressionType.None)
    .option("--partitions <n>", "create the topic with this many partitions if it does not exist", parsePositiveCount)
    .option("--max-in-flight <n>", "produce requests awaiting a response per broker", parsePositiveCount, 5)
    .option("--json", "print the summary as one JSON object")
    .action(async (options: ProducePerfOptions) => {
      await withClient(options, async (client) => {
        await ensureTopic(client, options.topic, options.partitions);
        const result = await runPerfProduce(client, {
          topic: options.topic,
          recordCount: options.numRecords,
          durationMs: options.durationSeconds === undefined ? Number.POSITIVE_INFINITY : options.durationSeconds * 1000,
          recordSizeBytes: options.recordSize,
          targetRecordsPerSecond: options.throughput,
          acks: options.acks,
          batchSizeBytes: options.batchSize,
          lingerMs: options.lingerMs,
          compression: options.compression,
          maxInFlight: options.maxInFlight,
          onProgress: (progress) =>
            process.stderr.write(
              `${progress.records} records sent, ${progress.recordsPerSecond.toFixed(1)} records/sec (${progress.megabytesPerSecond.toFixed(2)} MB/sec), ` +
                `${progress.latencyAvgMs.toFixed(1)} ms avg latency, ${progress.latencyMaxMs.toFixed(1)} ms max latency.\n`,
            ),
        });
        if (options.json === true) {
          process.stdout.write(
            JSON.stringify({
              records: result.records,
              recordsPerSecond: result.recordsPerSecond,
              megabytesPerSecond: result.megabytesPerSecond,
              latencyMs: { avg: result.latency.meanMicros / 1000, p50: result.latency.percentileMicros(50) / 1000, p95: result.latency.percentileMicros(95) / 1000, p99: result.latency.percentileMicros(99) / 1000, p999: result.latency.percentileMicros(99.9) / 1000, max: result.latency.maxMicros / 1000 },
            }) + "\n",
          );
          return;
        }
        process.stdout.write(
          `${result.records} records sent, ${result.recordsPerSecond.toFixed(1)} records/sec (${result.megabytesPerSecond.toFixed(2)} MB/sec), ${latencySummary(result.latency)}\n`,
        );
      });
    });

  addBootstrapOption(perf.command("consume").description("read a topic from the beginning as fast as possible and report records/s and MB/s"))
    .requiredOption("--topic <name>", "the topic to read")
    .option("--num-records <n>", "stop after this many records", parsePositiveCount, Number.MAX_SAFE_INTEGER)
    .option("--timeout-ms <ms>", "stop when no record arrives for this long", parseNonNegativeMs, 2_000)
    .option("--fetch-max-bytes <bytes>", "bytes per fetch response", parsePositiveBytes, PERF_CONSUME_DEFAULT_FETCH_MAX_BYTES)
    .option("--partition-max-bytes <bytes>", "bytes per partition per fetch", parsePositiveBytes, PERF_CONSUME_DEFAULT_PARTITION_MAX_BYTES)
    .option("--headers-only", "count records from batch headers instead of decoding every record")
    .option("--json", "print the summary as one JSON object")
    .action(async (options: ConsumePerfOptions) => {
      await withClient(options, async (client) => {
        const result = await runPerfConsume(client, {
          topic: options.topic,
          recordCount: options.numRecords,
          idleTimeoutMs: options.timeoutMs,
          fetchMaxBytes: options.fetchMaxBytes,
          partitionMaxBytes: options.partitionMaxBytes,
          decode: options.headersOnly !== true,
        });
        if (result.records === 0) throw new CliError(`no record was read from ${options.topic}`);
        if (options.json === true) {
          process.stdout.write(JSON.stringify(result) + "\n");
          return;
        }
        process.stdout.write(
          `${result.records} records received, ${result.recordsPerSecond.toFixed(1)} records/sec (${result.megabytesPerSecond.toFixed(2)} MB/sec), ` +
            `${result.fetches} fetches in ${(result.elapsedMs / 1000).toFixed(2)} s.\n`,
        );
      });
    });

  addBootstrapOption(perf.command("e2e").description("end-to-end latency: produce at a steady rate, consume, time each record"))
    .requiredOption("--topic <name>", "the topic to use (partition 0)")
    .option("--num-records <n>", "records to send", parsePositiveCount, 10_000)
    .option("--record-size <bytes>", "value size of each record (at least 8)", parsePositiveBytes, 100)
    .option("--throughput <records/s>", "send rate", parseRate, 1_000)
    .option("--acks <acks>", "all (-1) or 1", parseAcks, 1)
    .option("--max-in-flight <n>", "produce requests awaiting a response", parsePositiveCount, 5)
    .option("--json", "print the summary as one JSON object")
    .action(async (options: EndToEndPerfOptions) => {
      if (options.acks === 0) throw new CliError("e2e needs acks 1 or all", 2);
      if (options.throughput <= 0) throw new CliError("e2e needs a positive --throughput", 2);
      await withClient(options, async (client) => {
        const result = await runPerfEndToEnd(client, {
          topic: options.topic,
          recordCount: options.numRecords,
          recordSizeBytes: options.recordSize,
          targetRecordsPerSecond: options.throughput,
          acks: options.acks === -1 ? -1 : 1,
          maxInFlight: options.maxInFlight,
        });
        if (options.json === true) {
          const latency = result.latency;
          process.stdout.write(
            JSON.stringify({ records: result.records, recordsPerSecond: result.recordsPerSecond, latencyMs: { avg: latency.meanMicros / 1000, p50: latency.percentileMicros(50) / 1000, p99: latency.percentileMicros(99) / 1000, p999: latency.percentileMicros(99.9) / 1000, max: latency.maxMicros / 1000 } }) + "\n",
          );
          return;
        }
        process.stdout.write(`${result.records} records at ${result.recordsPerSecond.toFixed(1)} records/sec, ${latencySummary(result.latency)}\n`);
      });
    });
}
