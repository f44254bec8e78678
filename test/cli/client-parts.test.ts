// The pure pieces behind the CLI and its client, checked without a broker: murmur2 against
// Kafka's own test vectors and kafkajs' Java-compatible partitioner; the sticky partitioner;
// ApiVersions negotiation; bootstrap list parsing; splitting input into lines; output formats;
// kafka-configs.sh-style config lists.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import fc from "fast-check";
import kafkajs from "kafkajs";
import { ApiVersionTable, DefaultPartitioner, UnsupportedApiError, murmur2, parseBootstrapServers, partitionForKey } from "../../src/client/index.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { TimestampType } from "../../src/protocol/records/index.js";
import { readLines } from "../../src/cli/line-reader.js";
import { compileFormat, kafkaStyleFormat, renderRecord, FormatError } from "../../src/cli/record-format.js";
import { parseAddConfig, splitConfigList } from "../../src/cli/configs.js";
import { parseTimestamp } from "../../src/cli/consume.js";
import type { FetchedRecord } from "../../src/client/index.js";

test("murmur2 gives the values of Kafka's UtilsTest", () => {
  const cases: [string, number][] = [
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ];
  for (const [text, expected] of cases) assert.equal(murmur2(Buffer.from(text)), expected, text);
});

test("keyed partitioning agrees with kafkajs' Java-compatible default partitioner", () => {
  const kafkajsPartitioner = kafkajs.Partitioners.DefaultPartitioner();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 200 }), (key, partitionCount) => {
      const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1] }));
      const theirs = kafkajsPartitioner({ topic: "t", partitionMetadata, message: { key: Buffer.from(key), value: null } });
      assert.equal(partitionForKey(key, partitionCount), theirs);
    }),
    { numRuns: 500 },
  );
});

test("unkeyed records stick to one partition until its batch is full, then move on", () => {
  const partitioner = new DefaultPartitioner(() => 0.5);
  assert.equal(partitioner.partition("t", null, 4), 2);
  assert.equal(partitioner.partition("t", null, 4), 2);
  partitioner.onBatchFull("t", 1, 4);
  assert.equal(partitioner.partition("t", null, 4), 2, "a full batch of another partition changes nothing");
  partitioner.onBatchFull("t", 2, 4);
  assert.equal(partitioner.partition("t", null, 4), 3);
  partitioner.onBatchFull("t", 3, 4);
  assert.equal(partitioner.partition("t", null, 4), 0);
  assert.equal(partitioner.partition("t", Buffer.from("foobar"), 4), partitionForKey(Buffer.from("foobar"), 4));
});

test("ApiVersions negotiation picks the top of the overlap and names both ranges when there is none", () => {
  const table = new ApiVersionTable(
    [
      { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 9 },
      { apiKey: ApiKey.Fetch, minVersion: 0, maxVersion: 3 },
      { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 40 },
    ],
    "broker:9092",
  );
  assert.equal(table.version(ApiKey.Produce), 9);
  assert.equal(table.version(ApiKey.Metadata), 12, "never above what this client speaks");
  assert.equal(table.supports(ApiKey.Fetch), false);
  assert.throws(() => table.version(ApiKey.Fetch), (error: unknown) => error instanceof UnsupportedApiError && /offers Fetch v0-3, but this client speaks v4-17/.test(error.message));
  assert.throws(() => table.version(ApiKey.CreateTopics), /does not support CreateTopics/);
});

test("bootstrap server lists parse like Kafka's", () => {
  assert.deepEqual(parseBootstrapServers("a:1, b:2"), [
    { host: "a", port: 1 },
    { host: "b", port: 2 },
  ]);
  assert.deepEqual(parseBootstrapServers("PLAINTEXT://[::1]:9093,localhost"), [
    { host: "::1", port: 9093 },
    { host: "localhost", port: 9092 },
  ]);
  for (const bad of ["", "host:port", "host:0", "host:70000", "::1:9092", "[::1"]) assert.throws(() => parseBootstrapServers(bad), bad);
});

async function collectLines(chunks: readonly (string | Buffer)[], maxLineBytes = 1_000): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of readLines(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), maxLineBytes)) {
    for (const line of batch) lines.push(line.toString("latin1"));
  }
  return lines;
}

test("input splits into lines at \\n only, across chunks, with a final line without \\n", async () => {
  assert.deepEqual(await collectLines(["ab", "c\nd\r\n\n", "e"]), ["abc", "d\r", "", "e"]);
  assert.deepEqual(await collectLines(["x\n"]), ["x"]);
  assert.deepEqual(await collectLines([]), []);
  await assert.rejects(collectLines(["a".repeat(20)], 10), /longer than 10 bytes/);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 5 }), async (arrays, cuts) => {
      const lines = arrays.map((bytes) => Buffer.from(bytes.map((byte) => (byte === 0x0a ? 0x0b : byte))));
      const joined = Buffer.concat(lines.flatMap((line) => [line, Buffer.from("\n")]));
      const points = [...new Set(cuts.map((cut) => cut % (joined.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let start = 0;
      for (const point of [...points, joined.length]) {
        if (point > start) chunks.push(joined.subarray(start, point));
        start = Math.max(start, point);
      }
      assert.deepEqual(await collectLines(chunks, 100), lines.map((line) => line.toString("latin1")));
    }),
    { numRuns: 200 },
  );
});

const RECORD: FetchedRecord = {
  topic: "orders",
  partition: 3,
  offset: 42,
  timestamp: 1_700_000_000_000,
  timestampType: TimestampType.CreateTime,
  leaderEpoch: 0,
  key: Buffer.from("k1"),
  value: Buffer.from([0xff, 0x00, 0x41]),
  headers: [
    { key: "a", value: Buffer.from("1") },
    { key: "b", value: null },
  ],
};

function render(format: ReturnType<typeof compileFormat>, record: FetchedRecord = RECORD): Buffer {
  const out: Buffer[] = [];
  renderRecord(out, record, format);
  return Buffer.concat(out);
}

test("--format placeholders render every field, values as raw bytes", () => {
  const format = compileFormat("%t/%p/%o %T %K:%k %S:%s [%h] 100%%\\t\\x41\\n");
  assert.ok(render(format).equals(Buffer.concat([Buffer.from("orders/3/42 1700000000000 2:k1 3:"), Buffer.from([0xff, 0x00, 0x41]), Buffer.from(" [a=1,b=] 100%\tA\n")])));
  assert.equal(render(compileFormat("%k|%s|%K|%S"), { ...RECORD, key: null, value: null }).toString(), "||-1|-1");
  for (const bad of ["%x", "50%", "\\q", "\\x4", "\\xff"]) assert.throws(() => compileFormat(bad), FormatError, bad);
});

test("--print-* flags print what Kafka's console consumer prints", () => {
  const all = kafkaStyleFormat({ printTimestamp: true, printPartition: true, printOffset: true, printHeaders: true, printKey: true, separator: "\t" });
  assert.equal(render(all, { ...RECORD, value: Buffer.from("v") }).toString(), "CreateTime:1700000000000\tPartition:3\tOffset:42\ta:1,b:null\tk1\tv\n");
  const keyOnly = kafkaStyleFormat({ printTimestamp: false, printPartition: false, printOffset: false, printHeaders: true, printKey: true, separator: " | " });
  assert.equal(render(keyOnly, { ...RECORD, key: null, value: Buffer.from("v"), headers: [], timestampType: TimestampType.LogAppendTime }).toString(), "NO_HEADERS | null | v\n");
});

test("config lists split like kafka-configs.sh, brackets grouping list values", () => {
  assert.deepEqual(splitConfigList("a=1, b=[x,y],c=2"), ["a=1", "b=[x,y]", "c=2"]);
  assert.deepEqual([...parseAddConfig("retention.ms=1000,cleanup.policy=[compact,delete]")], [
    ["retention.ms", "1000"],
    ["cleanup.policy", "compact,delete"],
  ]);
  assert.throws(() => parseAddConfig("novalue"), /expected key=value/);
  assert.throws(() => parseAddConfig("a=1,a=2"), /twice/);
});

test("timestamps are milliseconds or ISO-8601 dates", () => {
  assert.equal(parseTimestamp("1700000000000"), 1_700_000_000_000);
  assert.equal(parseTimestamp("2023-11-14T22:13:20Z"), 1_700_000_000_000);
  assert.equal(parseTimestamp("2023-11-14T22:13:20.000+00:00"), 1_700_000_000_000);
  for (const bad of ["yesterday", "-5", "2023-13-45T99:00:00Z"]) assert.throws(() => parseTimestamp(bad), bad);
});
