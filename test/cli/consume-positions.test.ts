// Where `tributary consume` starts and stops: an explicit partition and offset, a timestamp (ms
// or ISO-8601, via ListOffsets), --max-messages, --follow with long polling and --timeout-ms.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { withBroker } from "../helpers/broker.js";
import type { ProducerRecord } from "../../src/client/index.js";
import { createTopicWith, describeResult, runCli } from "./cli-runner.js";

const BIN = new URL("../../../bin/tributary.js", import.meta.url).pathname;

function numbered(prefix: string, from: number, count: number): string {
  let text = "";
  for (let index = from; index < from + count; index++) text += `${prefix}${index}\n`;
  return text;
}

function records(topic: string, partition: number, prefix: string, count: number): ProducerRecord[] {
  return Array.from({ length: count }, (_, index) => ({ topic, partition, value: Buffer.from(`${prefix}${index}`) }));
}

test("consume from an offset of one partition, with --max-messages", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    await createTopicWith(broker.bootstrap, "positions", 2, [...records("positions", 0, "p0-", 100), ...records("positions", 1, "p1-", 50)]);

    const fromOffset = await runCli(["consume", ...bootstrap, "--topic", "positions", "--partition", "0", "--offset", "90"]);
    assert.equal(fromOffset.code, 0, describeResult(fromOffset));
    assert.equal(fromOffset.stdout.toString(), numbered("p0-", 90, 10));

    const limited = await runCli(["consume", ...bootstrap, "--topic", "positions", "--partition", "1", "--from-beginning", "--max-messages", "5", "--print-offset"]);
    assert.equal(limited.code, 0, describeResult(limited));
    assert.equal(limited.stdout.toString(), [0, 1, 2, 3, 4].map((offset) => `Offset:${offset}\tp1-${offset}\n`).join(""));

    const everything = await runCli(["consume", ...bootstrap, "--topic", "positions", "--format", "%p:%o:%s\\n"]);
    assert.equal(everything.code, 0, describeResult(everything));
    const rows = everything.stdout.toString().trimEnd().split("\n");
    assert.equal(rows.length, 150);
    assert.deepEqual(rows.filter((row) => row.startsWith("1:")), Array.from({ length: 50 }, (_, offset) => `1:${offset}:p1-${offset}`));

    const atEnd = await runCli(["consume", ...bootstrap, "--topic", "positions", "--offset", "latest"]);
    assert.equal(atEnd.code, 0, describeResult(atEnd));
    assert.equal(atEnd.stdout.length, 0);

    const outOfRange = await runCli(["consume", ...bootstrap, "--topic", "positions", "--partition", "1", "--offset", "51"]);
    assert.equal(outOfRange.code, 1, describeResult(outOfRange));
    assert.match(outOfRange.stderr, /offset 51 is out of range for positions-1 \(earliest 0, latest 50\)/);

    const noPartition = await runCli(["consume", ...bootstrap, "--topic", "positions", "--partition", "7"]);
    assert.equal(noPartition.code, 1, describeResult(noPartition));
    assert.match(noPartition.stderr, /partition 7 does not exist/);
    const noTopic = await runCli(["consume", ...bootstrap, "--topic", "missing"]);
    assert.equal(noTopic.code, 1, describeResult(noTopic));
    assert.match(noTopic.stderr, /topic missing does not exist/);
    const producePartition = await runCli(["produce", ...bootstrap, "--topic", "positions", "--partition", "9"], "x\n");
    assert.notEqual(producePartition.code, 0, describeResult(producePartition));
    assert.match(producePartition.stderr, /partition 9 is out of range/);
  });
});

test("consume from a timestamp, in milliseconds or as an ISO-8601 date", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    await createTopicWith(broker.bootstrap, "timeline", 1, records("timeline", 0, "before-", 20));
    // Records get CreateTime from the producer's clock; wait until that clock has moved past them.
    const boundaryMs = Date.now() + 2;
    while (Date.now() <= boundaryMs) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal((await runCli(["produce", ...bootstrap, "--topic", "timeline"], numbered("after-", 0, 20))).code, 0);

    const byMs = await runCli(["consume", ...bootstrap, "--topic", "timeline", "--timestamp", String(boundaryMs)]);
    assert.equal(byMs.code, 0, describeResult(byMs));
    assert.equal(byMs.stdout.toString(), numbered("after-", 0, 20));

    const byDate = await runCli(["consume", ...bootstrap, "--topic", "timeline", "--timestamp", new Date(boundaryMs).toISOString()]);
    assert.equal(byDate.code, 0, describeResult(byDate));
    assert.equal(byDate.stdout.toString(), numbered("after-", 0, 20));

    const withTimestamps = await runCli(["consume", ...bootstrap, "--topic", "timeline", "--timestamp", String(boundaryMs), "--format", "%T\\n", "--max-messages", "1"]);
    assert.ok(Number(withTimestamps.stdout.toString()) >= boundaryMs, describeResult(withTimestamps));

    const future = await runCli(["consume", ...bootstrap, "--topic", "timeline", "--timestamp", String(Date.now() + 3_600_000)]);
    assert.equal(future.code, 0, describeResult(future));
    assert.equal(future.stdout.length, 0);
  });
});

test("--follow waits for new records (long polling) and --timeout-ms ends an idle wait", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    await createTopicWith(broker.bootstrap, "live", 2);

    const idle = await runCli(["consume", ...bootstrap, "--topic", "live", "--follow", "--timeout-ms", "300"]);
    assert.equal(idle.code, 0, describeResult(idle));
    assert.equal(idle.stdout.length, 0);

    // Start at offset 0 of the empty topic, so the records produced next are seen however the
    // start-up of the two processes interleaves.
    const follower = spawn(process.execPath, [BIN, "consume", ...bootstrap, "--topic", "live", "--follow", "--offset", "earliest", "--max-messages", "6"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: Buffer[] = [];
    let errors = "";
    follower.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    follower.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follower.on("close", (code) => resolve(code)));
    const produced = await runCli(["produce", ...bootstrap, "--topic", "live", "--key-separator", ":"], "a:1\nb:2\nc:3\nd:4\ne:5\nf:6\n");
    assert.equal(produced.code, 0, describeResult(produced));
    assert.equal(await exited, 0, errors);
    assert.deepEqual(Buffer.concat(output).toString().trimEnd().split("\n").sort(), ["1", "2", "3", "4", "5", "6"]);
  });
});

test("a topic deleted while --follow reads it ends the command with Kafka's error name", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    await createTopicWith(broker.bootstrap, "doomed", 1, [{ topic: "doomed", value: Buffer.from("one") }]);
    const follower = spawn(process.execPath, [BIN, "consume", ...bootstrap, "--topic", "doomed", "--follow", "--offset", "earliest"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let errors = "";
    const exited = new Promise<number | null>((resolve) => follower.on("close", (code) => resolve(code)));
    // Delete only once the follower has printed the record, so it is surely reading.
    await new Promise<void>((resolve) => {
      follower.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("one\n")) resolve();
      });
    });
    follower.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    assert.equal((await runCli(["topics", "delete", ...bootstrap, "--topic", "doomed"])).code, 0);
    assert.equal(await exited, 1, errors);
    assert.match(errors, /^tributary: fetch from doomed-0 at offset 1: UNKNOWN_TOPIC_(OR_PARTITION|ID)/);
  });
});
