// `tributary consume`: prints records of a topic (all partitions, or --partition) from a start
// position (--offset, --from-beginning, --timestamp) without a consumer group. By default it
// starts at the earliest offset and exits once it has reached the end of every partition, like
// `kcat -C -e`; with --follow it starts at the latest offset (unless told otherwise) and keeps
// waiting for new records, like kafka-console-consumer.sh, until interrupted. --max-messages and
// --timeout-ms (no record for that long) also end it. Output: --format (kcat placeholders) or
// Kafka's --print-* flags; see record-format.ts and docs/cli.md.

import { InvalidArgumentError, type Command } from "commander";
import { Fetcher, OffsetSpec, listOffsets, type FetchedRecord, type KafkaClient, type OffsetQuery } from "../client/index.js";
import { ErrorCode, errorName } from "../protocol/error-codes.js";
import { CliError } from "./cli-error.js";
import {
  addBootstrapOption,
  parseNonNegativeMs,
  parsePartition,
  parsePositiveCount,
  stdoutClosed,
  unescapeSeparator,
  withClient,
  writeOut,
  type ConnectionOptions,
} from "./client-options.js";
import { FormatError, compileFormat, kafkaStyleFormat, renderRecord, type RecordFormat } from "./record-format.js";

type StartOffset = { readonly kind: "earliest" } | { readonly kind: "latest" } | { readonly kind: "offset"; readonly offset: number };

interface ConsumeOptions extends ConnectionOptions {
  topic: string;
  partition?: number;
  offset?: StartOffset;
  fromBeginning?: boolean;
  timestamp?: number;
  maxMessages?: number;
  follow?: boolean;
  timeoutMs?: number;
  format?: string;
  printKey?: boolean;
  printOffset?: boolean;
  printPartition?: boolean;
  printTimestamp?: boolean;
  printHeaders?: boolean;
  keySeparator: string;
}

/** How long one fetch may wait at the broker; also how often --timeout-ms and signals are noticed. */
const FETCH_MAX_WAIT_MS = 500;

function parseStartOffset(value: string): StartOffset {
  if (value === "earliest" || value === "beginning") return { kind: "earliest" };
  if (value === "latest" || value === "end") return { kind: "latest" };
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return { kind: "offset", offset: Number(value) };
  throw new InvalidArgumentError("offset must be earliest, latest or a non-negative offset.");
}

/** Milliseconds since the epoch, or an ISO-8601 date ("2024-05-01T12:00:00Z"). */
export function parseTimestamp(value: string): number {
  if (/^\d+$/.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  } else if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed) && parsed >= 0) return parsed;
  }
  throw new InvalidArgumentError("timestamp must be milliseconds since the epoch or an ISO-8601 date such as 2024-05-01T12:00:00Z.");
}

export function registerConsumeCommand(program: Command): void {
  addBootstrapOption(program.command("consume").description("print records of a topic (exits at the end of the partitions unless --follow)"))
    .requiredOption("--topic <name>", "the topic to read")
    .option("--partition <n>", "read only this partition (default: all)", parsePartition)
    .option("--offset <offset>", "where to start: earliest, latest or an offset (default: earliest, or latest with --follow)", parseStartOffset)
    .option("--from-beginning", "start at the earliest offset (same as --offset earliest)")
    .option("--timestamp <ms|date>", "start at the first record at or after this time (ms since the epoch or ISO-8601)", parseTimestamp)
    .option("--max-messages <count>", "exit after printing this many records", parsePositiveCount)
    .option("--follow", "keep waiting for new records instead of exiting at the end")
    .option("--timeout-ms <ms>", "exit when no record arrives for this long", parseNonNegativeMs)
    .option("--format <format>", "output format with %t %p %o %k %s %K %S %T %h placeholders (see docs/cli.md)")
    .option("--print-key", "print the key before the value")
    .option("--print-offset", "print Offset:<offset> before the record")
    .option("--print-partition", "print Partition:<partition> before the record")
    .option("--print-timestamp", "print CreateTime:<ms> (or LogAppendTime:<ms>) before the record")
    .option("--print-headers", "print headers (k:v,k2:v2, or NO_HEADERS) before the key and value")
    .option("--key-separator <sep>", "between the printed fields of --print-*", "\t")
    .action((options: ConsumeOptions) => {
      // Usage is checked before connecting: a bad flag is exit 2 whether or not a broker answers.
      const format = formatOf(options);
      const start = startOf(options);
      return withClient(options, (client) => consume(client, options, format, start));
    });
}

function formatOf(options: ConsumeOptions): RecordFormat {
  const printFlags = options.printKey === true || options.printOffset === true || options.printPartition === true || options.printTimestamp === true || options.printHeaders === true;
  if (options.format !== undefined) {
    if (printFlags) throw new CliError("--format cannot be combined with --print-* options", 2);
    try {
      return compileFormat(options.format);
    } catch (error) {
      if (error instanceof FormatError) throw new CliError(error.message, 2);
      throw error;
    }
  }
  return kafkaStyleFormat({
    printTimestamp: options.printTimestamp === true,
    printPartition: options.printPartition === true,
    printOffset: options.printOffset === true,
    printHeaders: options.printHeaders === true,
    printKey: options.printKey === true,
    separator: unescapeSeparator(options.keySeparator),
  });
}

type StartPosition = { readonly offset: StartOffset } | { readonly timestamp: number };

function startOf(options: ConsumeOptions): StartPosition {
  const given = [options.offset !== undefined, options.fromBeginning === true, options.timestamp !== undefined].filter(Boolean).length;
  if (given > 1) throw new CliError("give at most one of --offset, --from-beginning and --timestamp", 2);
  if (options.timestamp !== undefined) return { timestamp: options.timestamp };
  if (options.fromBeginning === true) return { offset: { kind: "earliest" } };
  return { offset: options.offset ?? { kind: options.follow === true ? "latest" : "earliest" } };
}

/** Start and end offsets per partition, checked against the log's range. */
async function resolveOffsets(
  client: KafkaClient,
  topic: string,
  partitions: readonly number[],
  start: StartPosition,
): Promise<Map<number, { start: number; end: number }>> {
  const queries: OffsetQuery[] = [];
  for (const partition of partitions) {
    queries.push({ topic, partition, timestamp: OffsetSpec.EARLIEST }, { topic, partition, timestamp: OffsetSpec.LATEST });
    if ("timestamp" in start) queries.push({ topic, partition, timestamp: start.timestamp });
  }
  const answers = await listOffsets(client, queries);
  for (const answer of answers) if (answer.error !== null) throw new CliError(answer.error.message);
  const perPartition = "timestamp" in start ? 3 : 2;
  const result = new Map<number, { start: number; end: number }>();
  partitions.forEach((partition, index) => {
    const earliest = answers[index * perPartition].offset;
    const latest = answers[index * perPartition + 1].offset;
    let first: number;
    if ("timestamp" in start) {
      const found = answers[index * perPartition + 2].offset;
      first = found < 0 ? latest : found;
    } else if (start.offset.kind === "earliest") {
      first = earliest;
    } else if (start.offset.kind === "latest") {
      first = latest;
    } else {
      first = start.offset.offset;
      if (first < earliest || first > latest) {
        throw new CliError(`offset ${first} is out of range for ${topic}-${partition} (earliest ${earliest}, latest ${latest})`);
      }
    }
    result.set(partition, { start: first, end: latest });
  });
  return result;
}

async function consume(client: KafkaClient, options: ConsumeOptions, format: RecordFormat, start: StartPosition): Promise<void> {
  const follow = options.follow === true;
  const metadata = await client.metadata([options.topic]);
  const topic = metadata.topics.get(options.topic);
  if (topic === undefined || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new CliError(`topic ${options.topic} does not exist`);
  if (topic.errorCode !== ErrorCode.NONE) throw new CliError(`topic ${options.topic}: ${errorName(topic.errorCode)}`);
  const allPartitions = topic.partitions.map((partition) => partition.partition);
  if (options.partition !== undefined && !allPartitions.includes(options.partition)) {
    throw new CliError(`partition ${options.partition} does not exist: topic ${options.topic} has ${allPartitions.length} partition(s)`);
  }
  const partitions = options.partition === undefined ? allPartitions : [options.partition];
  const offsets = await resolveOffsets(client, options.topic, partitions, start);

  const fetcher = new Fetcher(client, { maxWaitMs: FETCH_MAX_WAIT_MS });
  for (const [partition, range] of offsets) {
    if (!follow && range.start >= range.end) continue;
    fetcher.assign(options.topic, partition, range.start);
    fetcher.setHighWatermark(options.topic, partition, range.end);
  }

  let stopSignal: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal = signal;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let printed = 0;
  const maxMessages = options.maxMessages ?? Infinity;
  let lastRecordMs = client.clock.monotonicMs();
  try {
    while (fetcher.assigned().length > 0 && printed < maxMessages && stopSignal === null && !stdoutClosed()) {
      let records: FetchedRecord[];
      try {
        records = await fetcher.fetch();
      } catch (error) {
        if (stopSignal !== null) break;
        throw error;
      }
      const nowMs = client.clock.monotonicMs();
      if (records.length > 0) lastRecordMs = nowMs;
      const chunks: Buffer[] = [];
      for (const record of records) {
        if (printed >= maxMessages) break;
        renderRecord(chunks, record, format);
        printed++;
      }
      if (chunks.length > 0) await writeOut(Buffer.concat(chunks));
      if (!follow) {
        for (const state of fetcher.assigned()) {
          if (state.highWatermark >= 0 && state.position >= state.highWatermark) fetcher.unassign(state.topic, state.partition);
        }
      }
      if (options.timeoutMs !== undefined && nowMs - lastRecordMs >= options.timeoutMs) break;
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
