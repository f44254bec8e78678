// How `tributary consume` prints a record: a format compiled once into parts, rendered per record
// straight into Buffers (keys, values and header values are written as raw bytes, never decoded).
// Two ways to build one:
// - --format with kcat's placeholders: %t topic, %p partition, %o offset, %k key, %s value,
//   %K key length, %S value length (-1 for null), %T timestamp (ms), %h headers (k=v,k2=v2),
//   %% a percent sign; escapes \n \r \t \\ and \xHH (ASCII). Null keys and values print as nothing.
// - Kafka's console-consumer flags (--print-timestamp/-partition/-offset/-headers/-key), giving
//   "CreateTime:ts<TAB>Partition:p<TAB>Offset:o<TAB>k:v,k2:v2<TAB>key<TAB>value\n", with "null"
//   for null keys and values and NO_HEADERS for a record without headers, as Kafka prints them.

import type { FetchedRecord } from "../client/index.js";
import { TimestampType } from "../protocol/records/index.js";

type Field = "topic" | "partition" | "offset" | "key" | "value" | "keyLength" | "valueLength" | "timestamp" | "headers" | "kafkaTimestamp";

type Part = { readonly literal: Buffer } | { readonly field: Field };

export interface RecordFormat {
  readonly parts: readonly Part[];
  /** Printed for a null key or value. */
  readonly nullText: Buffer;
  /** Between headers, and between a header's key and value. */
  readonly headerSeparator: Buffer;
  readonly headerKeySeparator: Buffer;
  /** Printed by the headers field for a record without headers. */
  readonly noHeadersText: Buffer;
}

export class FormatError extends Error {
  override name = "FormatError";
}

const PLACEHOLDERS: ReadonlyMap<string, Field> = new Map([
  ["t", "topic"],
  ["p", "partition"],
  ["o", "offset"],
  ["k", "key"],
  ["s", "value"],
  ["K", "keyLength"],
  ["S", "valueLength"],
  ["T", "timestamp"],
  ["h", "headers"],
]);

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
  ["\\", "\\"],
]);

const EMPTY = Buffer.alloc(0);

/** Compiles a kcat-style format string. */
export function compileFormat(format: string): RecordFormat {
  const parts: Part[] = [];
  let literal = "";
  const flush = (): void => {
    if (literal !== "") parts.push({ literal: Buffer.from(literal, "utf8") });
    literal = "";
  };
  for (let index = 0; index < format.length; index++) {
    const character = format[index];
    if (character === "%") {
      const next = format[index + 1];
      if (next === undefined) throw new FormatError("--format ends with a lone %");
      index++;
      if (next === "%") {
        literal += "%";
        continue;
      }
      const field = PLACEHOLDERS.get(next);
      if (field === undefined) throw new FormatError(`unknown placeholder %${next} in --format`);
      flush();
      parts.push({ field });
    } else if (character === "\\") {
      const next = format[index + 1];
      if (next === undefined) throw new FormatError("--format ends with a lone \\");
      index++;
      if (next === "x") {
        const hex = format.slice(index + 1, index + 3);
        if (!/^[0-7][0-9a-fA-F]$/.test(hex)) throw new FormatError("\\x in --format needs two hex digits of an ASCII character (00-7f)");
        literal += String.fromCharCode(parseInt(hex, 16));
        index += 2;
        continue;
      }
      const escaped = ESCAPES.get(next);
      if (escaped === undefined) throw new FormatError(`unknown escape \\${next} in --format`);
      literal += escaped;
    } else {
      literal += character;
    }
  }
  flush();
  return { parts, nullText: EMPTY, headerSeparator: Buffer.from(","), headerKeySeparator: Buffer.from("="), noHeadersText: EMPTY };
}

export interface PrintFlags {
  readonly printTimestamp: boolean;
  readonly printPartition: boolean;
  readonly printOffset: boolean;
  readonly printHeaders: boolean;
  readonly printKey: boolean;
  /** Between the printed fields; Kafka's key.separator, a tab by default. */
  readonly separator: string;
}

/** The format Kafka's console consumer prints with its print.* properties. */
export function kafkaStyleFormat(flags: PrintFlags): RecordFormat {
  const separator = Buffer.from(flags.separator, "utf8");
  const parts: Part[] = [];
  const add = (prefix: string, field: Field): void => {
    if (prefix !== "") parts.push({ literal: Buffer.from(prefix) });
    parts.push({ field });
    parts.push({ literal: separator });
  };
  if (flags.printTimestamp) add("", "kafkaTimestamp");
  if (flags.printPartition) add("Partition:", "partition");
  if (flags.printOffset) add("Offset:", "offset");
  if (flags.printHeaders) add("", "headers");
  if (flags.printKey) add("", "key");
  parts.push({ field: "value" });
  parts.push({ literal: Buffer.from("\n") });
  return { parts, nullText: Buffer.from("null"), headerSeparator: Buffer.from(","), headerKeySeparator: Buffer.from(":"), noHeadersText: Buffer.from("NO_HEADERS") };
}

function text(value: string | number): Buffer {
  return Buffer.from(String(value), "utf8");
}

function pushHeaders(out: Buffer[], record: FetchedRecord, format: RecordFormat): void {
  if (record.headers.length === 0) {
    out.push(format.noHeadersText);
    return;
  }
  record.headers.forEach((header, index) => {
    if (index > 0) out.push(format.headerSeparator);
    out.push(text(header.key), format.headerKeySeparator, header.value ?? format.nullText);
  });
}

/** Appends the rendering of one record to out (as Buffers to concatenate or write in order). */
export function renderRecord(out: Buffer[], record: FetchedRecord, format: RecordFormat): void {
  for (const part of format.parts) {
    if ("literal" in part) {
      out.push(part.literal);
      continue;
    }
    switch (part.field) {
      case "topic":
        out.push(text(record.topic));
        break;
      case "partition":
        out.push(text(record.partition));
        break;
      case "offset":
        out.push(text(record.offset));
        break;
      case "key":
        out.push(record.key ?? format.nullText);
        break;
      case "value":
        out.push(record.value ?? format.nullText);
        break;
      case "keyLength":
        out.push(text(record.key === null ? -1 : record.key.length));
        break;
      case "valueLength":
        out.push(text(record.value === null ? -1 : record.value.length));
        break;
      case "timestamp":
        out.push(text(record.timestamp));
        break;
      case "kafkaTimestamp":
        out.push(text(`${record.timestampType === TimestampType.LogAppendTime ? "LogAppendTime" : "CreateTime"}:${record.timestamp}`));
        break;
      case "headers":
        pushHeaders(out, record, format);
        break;
    }
  }
}
