// `tributary produce`: one record per input line (stdin or --file), like kafka-console-producer.sh
// and `kcat -P`. With --key-separator each line is key<sep>value; with --parse-headers each line
// starts with headers (k:v,k2:v2) and --headers-delimiter; --header adds headers to every record.
// Records go through our Producer (batching, compression, acks, retries); the command ends when
// every record is acknowledged (or, with --acks 0, written), and fails with the Kafka error name
// otherwise.

import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { InvalidArgumentError, type Command } from "commander";
import { Producer, type Acks, type KafkaClient, type ProducerRecord } from "../client/index.js";
import { CompressionType, type RecordHeader } from "../protocol/records/index.js";
import { errorCode } from "../lib/errors.js";
import { CliError } from "./cli-error.js";
import {
  addBootstrapOption,
  collect,
  parseKeyValue,
  parseNonNegativeMs,
  parsePartition,
  parsePositiveBytes,
  unescapeSeparator,
  withClient,
  type ConnectionOptions,
} from "./client-options.js";
import { LineTooLongError, readLines } from "./line-reader.js";

interface ProduceOptions extends ConnectionOptions {
  topic: string;
  file?: string;
  keySeparator?: string;
  header: string[];
  parseHeaders?: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  acks: Acks;
  compression: CompressionType;
  partition?: number;
  lingerMs: number;
  batchSize: number;
  maxRequestSize: number;
}

const COMPRESSION_NAMES: ReadonlyMap<string, CompressionType> = new Map([
  ["none", CompressionType.None],
  ["gzip", CompressionType.Gzip],
  ["snappy", CompressionType.Snappy],
  ["lz4", CompressionType.Lz4],
  ["zstd", CompressionType.Zstd],
]);
/** How long to wait for a topic to appear in metadata (Kafka's max.block.ms is 60 s; a tool should answer sooner). */
const METADATA_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
/** Headers on one record, from --header and the line together. */
const HEADERS_PER_RECORD_MAX = 1_000;

export function parseAcks(value: string): Acks {
  if (value === "all" || value === "-1") return -1;
  if (value === "0") return 0;
  if (value === "1") return 1;
  throw new InvalidArgumentError("acks must be all, -1, 0 or 1.");
}

export function parseCompression(value: string): CompressionType {
  const type = COMPRESSION_NAMES.get(value.toLowerCase());
  if (type === undefined) throw new InvalidArgumentError(`compression must be one of ${[...COMPRESSION_NAMES.keys()].join(", ")}.`);
  return type;
}

function parseSeparator(value: string): string {
  const separator = unescapeSeparator(value);
  if (separator === "") throw new InvalidArgumentError("a separator cannot be empty.");
  return separator;
}

export function registerProduceCommand(program: Command): void {
  addBootstrapOption(program.command("produce").description("send lines from stdin (or a file) as records, one per line"))
    .requiredOption("--topic <name>", "the topic to write to")
    .option("--file <path>", "read lines from this file instead of stdin")
    .option("--key-separator <sep>", "split each line into key<sep>value at the first <sep> (\\t allowed)", parseSeparator)
    .option("--header <key=value>", "a header added to every record (repeatable)", collect, [])
    .option("--parse-headers", "each line starts with headers: k1:v1,k2:v2<headers-delimiter>")
    .option("--headers-delimiter <sep>", "between a line's headers and the rest", parseSeparator, "\t")
    .option("--headers-separator <sep>", "between headers", parseSeparator, ",")
    .option("--headers-key-separator <sep>", "between a header's key and value", parseSeparator, ":")
    .option("--acks <acks>", "all (-1), 1 or 0", parseAcks, -1 as Acks)
    .option("--compression <codec>", "none, gzip, snappy, lz4 or zstd", parseCompression, CompressionType.None)
    .option("--partition <n>", "write every record to this partition (default: by key hash, or sticky for unkeyed records)", parsePartition)
    .option("--linger-ms <ms>", "how long a batch waits for more records", parseNonNegativeMs, 5)
    .option("--batch-size <bytes>", "batch size in bytes per partition", parsePositiveBytes, 16_384)
    .option("--max-request-size <bytes>", "largest produce request (and record) in bytes", parsePositiveBytes, DEFAULT_MAX_REQUEST_BYTES)
    .action(async (options: ProduceOptions) => {
      // Usage is checked before connecting: a bad flag is exit 2 whether or not a broker answers.
      const parse = lineParser(options);
      const input = options.file === undefined ? process.stdin : await openInput(options.file);
      await withClient(options, (client) => produce(client, options, parse, input));
    });
}

async function openInput(path: string): Promise<Readable> {
  try {
    const handle = await open(path, "r");
    return handle.createReadStream();
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${errorCode(error) ?? String(error)}`, 2);
  }
}

interface LineParser {
  (line: Buffer, lineNumber: number): ProducerRecord;
}

function lineParser(options: ProduceOptions): LineParser {
  const fixedHeaders: RecordHeader[] = options.header.map((text) => {
    const [key, value] = parseKeyValue(text, "--header");
    return { key, value: Buffer.from(value, "utf8") };
  });
  if (fixedHeaders.length > HEADERS_PER_RECORD_MAX) throw new CliError(`more than ${HEADERS_PER_RECORD_MAX} --header options`, 2);
  const keySeparator = options.keySeparator === undefined ? null : Buffer.from(options.keySeparator, "utf8");
  const parseHeaders = options.parseHeaders === true;
  const headersDelimiter = Buffer.from(options.headersDelimiter, "utf8");
  const headersSeparator = Buffer.from(options.headersSeparator, "utf8");
  const headersKeySeparator = Buffer.from(options.headersKeySeparator, "utf8");
  const topic = options.topic;
  const partition = options.partition;

  return (line, lineNumber) => {
    let rest = line;
    let headers: RecordHeader[] | undefined = fixedHeaders.length > 0 ? fixedHeaders : undefined;
    if (parseHeaders) {
      const at = rest.indexOf(headersDelimiter);
      if (at < 0) throw new CliError(`line ${lineNumber} has no headers delimiter`);
      const parsed = parseLineHeaders(rest.subarray(0, at), headersSeparator, headersKeySeparator);
      if (parsed.length + fixedHeaders.length > HEADERS_PER_RECORD_MAX) throw new CliError(`line ${lineNumber} has more than ${HEADERS_PER_RECORD_MAX} headers`);
      headers = [...fixedHeaders, ...parsed];
      rest = rest.subarray(at + headersDelimiter.length);
    }
    let key: Buffer | null = null;
    if (keySeparator !== null) {
      const at = rest.indexOf(keySeparator);
      if (at < 0) throw new CliError(`line ${lineNumber} has no key separator`);
      key = rest.subarray(0, at);
      rest = rest.subarray(at + keySeparator.length);
    }
    return { topic, partition, key, value: rest, headers };
  };
}

/** "k1:v1,k2:v2" into headers; a header without the key separator has a null value. */
function parseLineHeaders(text: Buffer, separator: Buffer, keySeparator: Buffer): RecordHeader[] {
  if (text.length === 0) return [];
  const headers: RecordHeader[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf(separator, start);
    const part = text.subarray(start, end < 0 ? text.length : end);
    const at = part.indexOf(keySeparator);
    if (at < 0) headers.push({ key: part.toString("utf8"), value: null });
    else headers.push({ key: part.subarray(0, at).toString("utf8"), value: part.subarray(at + keySeparator.length) });
    if (end < 0) return headers;
    start = end + separator.length;
  }
}

async function produce(client: KafkaClient, options: ProduceOptions, parse: LineParser, input: Readable): Promise<void> {
  const producer = new Producer(client, {
    acks: options.acks,
    compression: options.compression,
    lingerMs: options.lingerMs,
    batchBytes: options.batchSize,
    maxRequestBytes: options.maxRequestSize,
    bufferBytes: Math.max(32 * 1_048_576, options.maxRequestSize),
    metadataTimeoutMs: METADATA_TIMEOUT_MS,
  });
  await producer.whenReady(options.topic);
  let lineNumber = 0;
  try {
    for await (const lines of readLines(input, options.maxRequestSize)) {
      for (const line of lines) {
        lineNumber++;
        const record = parse(line, lineNumber);
        if (!producer.isReady(options.topic)) await producer.whenReady(options.topic);
        producer.append(record);
      }
    }
  } catch (error) {
    // Records before the bad line were accepted: deliver them, then report the line.
    await producer.close().catch(() => undefined);
    if (error instanceof LineTooLongError) throw new CliError(`line ${lineNumber + 1}: ${error.message}`);
    throw error;
  } finally {
    if (input !== process.stdin) input.destroy();
  }
  await producer.close();
}
