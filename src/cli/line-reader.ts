// Splits a byte stream into lines at "\n", as the console producers do, yielding the lines of
// each chunk together (one await per chunk, not per line). Lines are views of the input chunks,
// byte for byte: no decoding, no "\r" stripping, so any bytes but "\n" round-trip. A final line
// without "\n" counts; an empty input yields nothing. A line longer than maxLineBytes fails.

import type { Readable } from "node:stream";

export class LineTooLongError extends Error {
  override name = "LineTooLongError";
}

const NEWLINE = 0x0a;

export async function* readLines(input: Readable, maxLineBytes: number): AsyncGenerator<Buffer[], void, undefined> {
  let carry: Buffer | null = null;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    // A line spanning chunks is joined once it is complete or the next chunk arrives; it is
    // bounded by maxLineBytes, so the copying is too.
    const data: Buffer = carry === null ? bytes : Buffer.concat([carry, bytes]);
    const lines: Buffer[] = [];
    let start = 0;
    for (;;) {
      const newline = data.indexOf(NEWLINE, start);
      if (newline < 0) break;
      if (newline - start > maxLineBytes) throw new LineTooLongError(`a line is longer than ${maxLineBytes} bytes`);
      lines.push(data.subarray(start, newline));
      start = newline + 1;
    }
    carry = start < data.length ? data.subarray(start) : null;
    if (carry !== null && carry.length > maxLineBytes) throw new LineTooLongError(`a line is longer than ${maxLineBytes} bytes`);
    if (lines.length > 0) yield lines;
  }
  if (carry !== null) yield [carry];
}
