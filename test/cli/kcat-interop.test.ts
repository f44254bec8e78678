// The CLI against a real client (kcat, librdkafka): what `tributary produce` writes, kcat reads
// back byte for byte (keys, values and headers); what kcat produces, `tributary consume` reads
// back; and keyed records land in the partitions librdkafka's murmur2 partitioner (the Java
// client's default) picks, in both directions.

import { test } from "node:test";
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import { describeFailure, runKcat } from "../helpers/processes.js";
import { partitionForKey } from "../../src/client/index.js";
import { describeResult, joinLines, randomLines, runCli } from "./cli-runner.js";
import { withBroker } from "../helpers/broker.js";

const TAB = 0x09;
const KCAT_TIMEOUT_MS = 30_000;

test("kcat reads back, byte for byte, what tributary produce wrote", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    assert.equal((await runCli(["topics", "create", ...bootstrap, "--topic", "to-kcat", "--partitions", "1"])).code, 0);
    const keys = randomLines(5_000, 16, 7, [TAB]);
    const values = randomLines(5_000, 80, 8, [TAB]);
    const lines = keys.map((key, index) => Buffer.concat([key, Buffer.from("\t"), values[index]]));
    const produced = await runCli(["produce", ...bootstrap, "--topic", "to-kcat", "--key-separator", "\\t", "--compression", "lz4", "--header", "origin=tributary"], joinLines(lines));
    assert.equal(produced.code, 0, describeResult(produced));

    const read = await kcatBytes(["-b", broker.bootstrap, "-C", "-t", "to-kcat", "-o", "beginning", "-e", "-q", "-f", "%k\\t%s\\t%h\\n"]);
    assert.equal(read.code, 0, read.stderr);
    const expected = Buffer.concat(keys.map((key, index) => Buffer.concat([key, Buffer.from("\t"), values[index], Buffer.from("\torigin=tributary\n")])));
    assert.ok(read.stdout.equals(expected), "kcat's bytes differ from what was produced");
  });
});

/** Runs kcat and keeps its stdout as bytes (runKcat decodes UTF-8, which would alter invalid sequences). */
function kcatBytes(args: readonly string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("kcat", args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), KCAT_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr });
    });
  });
}

test("tributary consume reads back, byte for byte, what kcat produced", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    assert.equal((await runCli(["topics", "create", ...bootstrap, "--topic", "from-kcat", "--partitions", "1"])).code, 0);
    // kcat skips empty lines, so every line has a key and a value of at least one byte.
    const keys = randomLines(5_000, 16, 11, [TAB]).map((key, index) => Buffer.concat([Buffer.from(`k${index}-`), key]));
    const values = randomLines(5_000, 80, 12, [TAB]).map((value) => Buffer.concat([Buffer.from("v"), value]));
    const input = joinLines(keys.map((key, index) => Buffer.concat([key, Buffer.from("\t"), values[index]])));
    const produced = await runKcat(["-b", broker.bootstrap, "-P", "-t", "from-kcat", "-K", "\t", "-z", "snappy"], { input, timeoutMs: 30_000 });
    assert.equal(produced.code, 0, describeFailure(produced));

    const consumed = await runCli(["consume", ...bootstrap, "--topic", "from-kcat", "--format", "%k\\t%s\\n"]);
    assert.equal(consumed.code, 0, describeResult(consumed));
    assert.ok(consumed.stdout.equals(input), "tributary's bytes differ from what kcat produced");
  });
});

test("keyed records land where librdkafka's murmur2 partitioner puts them, both ways", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    const partitionCount = 8;
    assert.equal((await runCli(["topics", "create", ...bootstrap, "--topic", "hashed", "--partitions", String(partitionCount)])).code, 0);
    const keys = Array.from({ length: 200 }, (_, index) => `customer-${index * 7919}`);

    const kcatInput = keys.map((key) => `${key}:from-kcat`).join("\n") + "\n";
    const byKcat = await runKcat(["-b", broker.bootstrap, "-P", "-t", "hashed", "-K", ":", "-X", "partitioner=murmur2"], { input: kcatInput, timeoutMs: 30_000 });
    assert.equal(byKcat.code, 0, describeFailure(byKcat));
    const ours = await runCli(["produce", ...bootstrap, "--topic", "hashed", "--key-separator", ":"], keys.map((key) => `${key}:from-tributary`).join("\n"));
    assert.equal(ours.code, 0, describeResult(ours));

    const consumed = await runCli(["consume", ...bootstrap, "--topic", "hashed", "--format", "%p %k %s\\n"]);
    assert.equal(consumed.code, 0, describeResult(consumed));
    const rows = consumed.stdout.toString().trimEnd().split("\n").map((line) => line.split(" "));
    assert.equal(rows.length, 2 * keys.length);
    const partitionsUsed = new Set<string>();
    for (const [partition, key, origin] of rows) {
      assert.equal(Number(partition), partitionForKey(Buffer.from(key), partitionCount), `${origin}: key ${key}`);
      partitionsUsed.add(partition);
    }
    assert.equal(partitionsUsed.size, partitionCount);

    const seenByKcat = await runKcat(["-b", broker.bootstrap, "-C", "-t", "hashed", "-o", "beginning", "-e", "-q", "-f", "%p %k %s\\n"], { timeoutMs: 30_000 });
    assert.equal(seenByKcat.code, 0, describeFailure(seenByKcat));
    const kcatRows = seenByKcat.stdout.trimEnd().split("\n").map((line) => line.split(" "));
    assert.equal(kcatRows.length, 2 * keys.length);
    for (const [partition, key] of kcatRows) assert.equal(Number(partition), partitionForKey(Buffer.from(key), partitionCount), key);
  });
});
