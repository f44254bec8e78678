// `tributary perf produce | consume | e2e` against a broker: the records they report are really
// in the log (kcat counts them), the summaries have Kafka's shape, and --json is parseable.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runKcat } from "../helpers/processes.js";
import { describeResult, runCli } from "./cli-runner.js";

test("perf produce writes the records it reports, in every partition, with and without compression", async () => {
  await withBroker(async (broker) => {
    const plain = await runCli(["perf", "produce", "--bootstrap-server", broker.bootstrap, "--topic", "perf", "--partitions", "3", "--num-records", "30000", "--record-size", "50"]);
    assert.equal(plain.code, 0, describeResult(plain));
    assert.match(plain.stdout.toString(), /^30000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 95th, [\d.]+ ms 99th, [\d.]+ ms 99\.9th\.\n$/);
    const lz4 = await runCli(["perf", "produce", "--bootstrap-server", broker.bootstrap, "--topic", "perf", "--num-records", "10000", "--compression", "lz4", "--acks", "all", "--json"]);
    assert.equal(lz4.code, 0, describeResult(lz4));
    const summary = JSON.parse(lz4.stdout.toString()) as { records: number; latencyMs: { p99: number } };
    assert.equal(summary.records, 10000);
    assert.ok(summary.latencyMs.p99 >= 0);
    const counted = await runKcat(["-b", broker.bootstrap, "-C", "-t", "perf", "-e", "-q", "-f", "%p\n"]);
    assert.equal(counted.code, 0, describeFailure(counted));
    const partitions = counted.stdout.trim().split("\n");
    assert.equal(partitions.length, 40000);
    assert.deepEqual([...new Set(partitions)].sort(), ["0", "1", "2"]);

    const consumed = await runCli(["perf", "consume", "--bootstrap-server", broker.bootstrap, "--topic", "perf", "--timeout-ms", "500", "--json"]);
    assert.equal(consumed.code, 0, describeResult(consumed));
    const consumeSummary = JSON.parse(consumed.stdout.toString()) as { records: number; bytes: number };
    assert.equal(consumeSummary.records, 40000);
    assert.ok(consumeSummary.bytes >= 30000 * 50 + 10000 * 100);
  });
});

test("perf produce at a target rate keeps to it", async () => {
  await withBroker(async (broker) => {
    const result = await runCli(["perf", "produce", "--bootstrap-server", broker.bootstrap, "--topic", "paced", "--num-records", "2000", "--throughput", "4000", "--json"]);
    assert.equal(result.code, 0, describeResult(result));
    const summary = JSON.parse(result.stdout.toString()) as { records: number; recordsPerSecond: number };
    assert.equal(summary.records, 2000);
    // Rate-limited: never much faster than asked (it may be slower on a loaded machine).
    assert.ok(summary.recordsPerSecond < 6000, `${summary.recordsPerSecond} records/s`);
  });
});

test("perf e2e reports a latency for every record", async () => {
  await withBroker(async (broker) => {
    const result = await runCli(["perf", "e2e", "--bootstrap-server", broker.bootstrap, "--topic", "latency", "--num-records", "3000", "--throughput", "3000", "--json"]);
    assert.equal(result.code, 0, describeResult(result));
    const summary = JSON.parse(result.stdout.toString()) as { records: number; latencyMs: { p50: number; p999: number; max: number } };
    assert.equal(summary.records, 3000);
    assert.ok(summary.latencyMs.p50 > 0 && summary.latencyMs.p50 <= summary.latencyMs.max);
  });
});

test("perf e2e refuses acks 0 and a non-positive rate as usage errors", async () => {
  const result = await runCli(["perf", "e2e", "--topic", "x", "--acks", "0"]);
  assert.equal(result.code, 2, describeResult(result));
});
