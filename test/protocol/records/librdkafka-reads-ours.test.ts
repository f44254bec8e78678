// A real client reads the batches we write, with every codec: librdkafka (through Debian's
// python3-confluent-kafka) consumes our batches from its own mock broker and decompresses them
// itself (see librdkafka-consume.py). This is what makes our choice of snappy framing, LZ4 frame
// flags and zstd frames safe for librdkafka-based consumers. Skipped when /usr/bin/python3 has no
// confluent_kafka.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CompressionType } from "../../../src/protocol/records/batch-header.js";
import { encodeRecordBatch } from "../../../src/protocol/records/record-batch.js";
import type { RecordInput } from "../../../src/protocol/records/record.js";

const PYTHON = "/usr/bin/python3";
// Compiled tests run from dist/test/...; the helper script stays in the source tree.
const CONSUME_SCRIPT = fileURLToPath(new URL("../../../../test/protocol/records/librdkafka-consume.py", import.meta.url));
const RUN_TIMEOUT_MS = 60_000;

interface ConsumedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: [string, string | null][];
}

function hasConfluentKafka(): boolean {
  const probe = spawnSync(PYTHON, ["-c", "import confluent_kafka"], { stdio: "ignore" });
  return probe.status === 0;
}

function recordsFor(codecIndex: number): RecordInput[] {
  return Array.from({ length: 30 }, (_, index) => ({
    timestamp: 1_700_000_000_000 + codecIndex * 1000 + index,
    key: index % 4 === 3 ? null : Buffer.from(`key-${codecIndex}-${index}`),
    // Large, repetitive values so every codec really compresses (several snappy blocks included).
    value: index % 9 === 8 ? null : Buffer.from(`value ${index} `.repeat(200 * (index + 1))),
    headers: index % 3 === 0 ? [{ key: "trace", value: Buffer.from(String(index)) }, { key: "empty", value: null }] : [],
  }));
}

describe("librdkafka reads our batches", { skip: hasConfluentKafka() ? false : "no confluent_kafka in /usr/bin/python3" }, () => {
  it("consumes every codec we write", () => {
    const codecs = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
    const inputs = codecs.map((_, codecIndex) => recordsFor(codecIndex));
    const batches = codecs.map((compression, codecIndex) => encodeRecordBatch({ records: inputs[codecIndex], compression }));
    const expected = inputs.flat();

    const run = spawnSync(PYTHON, [CONSUME_SCRIPT, String(expected.length)], {
      input: batches.map((batch) => batch.toString("hex")).join("\n"),
      encoding: "utf8",
      timeout: RUN_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(run.status, 0, `librdkafka-consume.py failed: ${run.stderr}`);
    const consumed = JSON.parse(run.stdout) as ConsumedRecord[];

    assert.equal(consumed.length, expected.length);
    consumed.forEach((record, index) => {
      const input = expected[index];
      assert.equal(record.offset, index);
      assert.equal(record.timestamp, input.timestamp);
      assert.equal(record.key, input.key === null ? null : input.key.toString("hex"));
      assert.equal(record.value, input.value === null ? null : input.value.toString("hex"));
      assert.deepEqual(
        record.headers,
        (input.headers ?? []).map((header) => [header.key, header.value === null ? null : header.value.toString("hex")]),
      );
    });
  });
});
