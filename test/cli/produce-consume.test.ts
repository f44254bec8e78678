// `tributary produce` and `tributary consume` as a user runs them, against an in-process broker:
// 10,000 lines of arbitrary bytes round-trip byte for byte and in order; keys and headers (fixed
// and per line) come back as sent; every compression codec is really used on the wire (the
// stored batches carry its id) and round-trips.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withBroker } from "../helpers/broker.js";
import { KafkaClient, createTopics, parseBootstrapServers } from "../../src/client/index.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { FetchResponse } from "../../src/protocol/generated/fetch.js";
import { compressionOf, recordBatches, CompressionType } from "../../src/protocol/records/index.js";
import { describeResult, joinLines, randomLines, randomSource, runCli } from "./cli-runner.js";

async function createTopic(bootstrap: string, name: string, partitions: number): Promise<void> {
  const client = await KafkaClient.connect({ bootstrapServers: parseBootstrapServers(bootstrap) });
  try {
    const [outcome] = await createTopics(client, [{ name, numPartitions: partitions, replicationFactor: 1, configs: new Map() }]);
    assert.equal(outcome.error, null);
  } finally {
    await client.close();
  }
}

/** The compression codec of every batch stored in partition 0, read with a raw Fetch. */
async function storedCompressions(bootstrap: string, topic: string): Promise<Set<CompressionType>> {
  const client = await KafkaClient.connect({ bootstrapServers: parseBootstrapServers(bootstrap) });
  try {
    const connection = await client.anyConnection();
    const response = await connection.connection.send<FetchResponse>(ApiKey.Fetch, 11, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 64 * 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          topicId: "AAAAAAAAAAAAAAAAAAAAAA",
          partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 64 * 1024 * 1024, replicaDirectoryId: "AAAAAAAAAAAAAAAAAAAAAA" }],
        },
      ],
      forgottenTopicsData: [],
      rackId: "",
    });
    const records = response.responses[0].partitions[0].records;
    assert.ok(Buffer.isBuffer(records));
    const codecs = new Set<CompressionType>();
    for (const slice of recordBatches(records)) codecs.add(compressionOf(slice.header.attributes));
    return codecs;
  } finally {
    await client.close();
  }
}

test("10,000 lines of arbitrary bytes round-trip through produce and consume, byte for byte and in order", async () => {
  await withBroker(async (broker) => {
    await createTopic(broker.bootstrap, "lines", 1);
    // Any byte but "\n": NUL, "\r", tabs, invalid UTF-8 and empty lines included.
    const lines = randomLines(10_000, 120, 0x5eed);
    lines[17] = Buffer.alloc(0);
    lines[18] = Buffer.from("ends with a carriage return\r");
    const input = joinLines(lines);
    const produced = await runCli(["produce", "--bootstrap-server", broker.bootstrap, "--topic", "lines"], input);
    assert.equal(produced.code, 0, describeResult(produced));
    assert.equal(produced.stdout.length, 0);

    const consumed = await runCli(["consume", "--bootstrap-server", broker.bootstrap, "--topic", "lines"]);
    assert.equal(consumed.code, 0, describeResult(consumed));
    assert.ok(consumed.stdout.equals(input), "consumed bytes differ from produced bytes");
  });
});

test("keys, fixed headers and per-line headers come back as produced", async () => {
  await withBroker(async (broker) => {
    await createTopic(broker.bootstrap, "keyed", 1);
    const next = randomSource(42);
    const expected: string[] = [];
    const input: string[] = [];
    for (let index = 0; index < 500; index++) {
      const key = `key-${next() % 50}`;
      const value = `value ${index} ${"x".repeat(next() % 40)}`;
      const trace = `t${next() % 1000}`;
      input.push(`trace:${trace},empty:\t${key}|${value}`);
      expected.push(`env=test,trace=${trace},empty=|${key}|${value}\n`);
    }
    const produced = await runCli(
      ["produce", "--bootstrap-server", broker.bootstrap, "--topic", "keyed", "--key-separator", "|", "--header", "env=test", "--parse-headers"],
      input.join("\n") + "\n",
    );
    assert.equal(produced.code, 0, describeResult(produced));
    const consumed = await runCli(["consume", "--bootstrap-server", broker.bootstrap, "--topic", "keyed", "--format", "%h|%k|%s\\n"]);
    assert.equal(consumed.code, 0, describeResult(consumed));
    assert.equal(consumed.stdout.toString("utf8"), expected.join(""));

    const kafkaStyle = await runCli(
      ["consume", "--bootstrap-server", broker.bootstrap, "--topic", "keyed", "--print-key", "--print-headers", "--print-offset", "--print-partition", "--max-messages", "2"],
    );
    assert.equal(kafkaStyle.code, 0, describeResult(kafkaStyle));
    const firstTrace = /^trace:([^,]+),/.exec(input[0])![1];
    const firstKey = input[0].split("\t")[1].split("|")[0];
    const firstValue = input[0].split("|")[1];
    assert.equal(kafkaStyle.stdout.toString("utf8").split("\n")[0], `Partition:0\tOffset:0\tenv:test,trace:${firstTrace},empty:\t${firstKey}\t${firstValue}`);
  });
});

test("every compression codec is used on the wire and round-trips", async () => {
  await withBroker(async (broker) => {
    const codecs: [string, CompressionType][] = [
      ["gzip", CompressionType.Gzip],
      ["snappy", CompressionType.Snappy],
      ["lz4", CompressionType.Lz4],
      ["zstd", CompressionType.Zstd],
      ["none", CompressionType.None],
    ];
    for (const [name, type] of codecs) {
      const topic = `compressed-${name}`;
      await createTopic(broker.bootstrap, topic, 1);
      // Repetitive lines, so compression has something to do, with a few random bytes in each.
      const lines = randomLines(2_000, 20, type + 7).map((noise, index) => Buffer.concat([Buffer.from(`record ${index} of ${name} `), noise]));
      const input = joinLines(lines);
      const produced = await runCli(["produce", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--compression", name, "--batch-size", "65536"], input);
      assert.equal(produced.code, 0, `${name}: ${describeResult(produced)}`);
      assert.deepEqual(await storedCompressions(broker.bootstrap, topic), new Set([type]), `${name}: stored batches use another codec`);
      const consumed = await runCli(["consume", "--bootstrap-server", broker.bootstrap, "--topic", topic]);
      assert.equal(consumed.code, 0, `${name}: ${describeResult(consumed)}`);
      assert.ok(consumed.stdout.equals(input), `${name}: consumed bytes differ`);
    }
  });
});

test("records spread over partitions: keyed records keep their key's partition and per-partition order", async () => {
  await withBroker(async (broker) => {
    await createTopic(broker.bootstrap, "spread", 4);
    const input: string[] = [];
    for (let index = 0; index < 2_000; index++) input.push(`k${index % 10}:${index}`);
    const produced = await runCli(["produce", "--bootstrap-server", broker.bootstrap, "--topic", "spread", "--key-separator", ":", "--acks", "1", "--linger-ms", "0"], input.join("\n"));
    assert.equal(produced.code, 0, describeResult(produced));
    const consumed = await runCli(["consume", "--bootstrap-server", broker.bootstrap, "--topic", "spread", "--format", "%p %k %s\\n"]);
    assert.equal(consumed.code, 0, describeResult(consumed));
    const rows = consumed.stdout.toString("utf8").trimEnd().split("\n").map((line) => line.split(" "));
    assert.equal(rows.length, 2_000);
    const partitionOfKey = new Map<string, string>();
    const lastValueOfKey = new Map<string, number>();
    for (const [partition, key, value] of rows) {
      assert.equal(partitionOfKey.get(key) ?? partition, partition, `key ${key} in two partitions`);
      partitionOfKey.set(key, partition);
      assert.ok(Number(value) > (lastValueOfKey.get(key) ?? -1), `key ${key} out of order`);
      lastValueOfKey.set(key, Number(value));
    }
    assert.ok(new Set(partitionOfKey.values()).size > 1, "ten keys all hashed to one partition");
  });
});

test("acks 0 sends everything before the command exits", async () => {
  await withBroker(async (broker) => {
    await createTopic(broker.bootstrap, "fire-and-forget", 1);
    const lines = randomLines(3_000, 60, 99);
    const input = joinLines(lines);
    const produced = await runCli(["produce", "--bootstrap-server", broker.bootstrap, "--topic", "fire-and-forget", "--acks", "0"], input);
    assert.equal(produced.code, 0, describeResult(produced));
    // Nothing acknowledges acks=0 writes, so the broker may still be appending: wait for all of them.
    const consumed = await runCli([
      "consume",
      "--bootstrap-server",
      broker.bootstrap,
      "--topic",
      "fire-and-forget",
      "--offset",
      "earliest",
      "--follow",
      "--max-messages",
      "3000",
      "--timeout-ms",
      "10000",
    ]);
    assert.equal(consumed.code, 0, describeResult(consumed));
    assert.ok(consumed.stdout.equals(input), "consumed bytes differ");
  });
});

test("--file reads lines from a file, and a record the broker rejects fails with Kafka's error name", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    const created = await runCli(["topics", "create", ...bootstrap, "--topic", "small", "--partitions", "1", "--config", "max.message.bytes=1000"]);
    assert.equal(created.code, 0, describeResult(created));
    const directory = mkdtempSync(join(tmpdir(), "tributary-produce-"));
    try {
      const path = join(directory, "lines.txt");
      writeFileSync(path, "first\nsecond\nthird");
      const fromFile = await runCli(["produce", ...bootstrap, "--topic", "small", "--file", path]);
      assert.equal(fromFile.code, 0, describeResult(fromFile));
      const consumed = await runCli(["consume", ...bootstrap, "--topic", "small"]);
      assert.equal(consumed.stdout.toString(), "first\nsecond\nthird\n");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const tooLarge = await runCli(["produce", ...bootstrap, "--topic", "small"], "x".repeat(2_000) + "\n");
    assert.equal(tooLarge.code, 1, describeResult(tooLarge));
    assert.match(tooLarge.stderr, /^tributary: produce to small-0: MESSAGE_TOO_LARGE/);
    assert.doesNotMatch(tooLarge.stderr, /\n\s+at /, "no stack trace");
  });
});
