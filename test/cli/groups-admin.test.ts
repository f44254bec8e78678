// `tributary groups list` (plain, with --state and --type, with a state filter) and
// `groups delete` (empty groups go, an active one is refused with NON_EMPTY_GROUP, an unknown one
// is GROUP_ID_NOT_FOUND); every groups command exits 1 when the broker is unreachable and 2 on
// bad usage, decided before connecting.

import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaClient, commitGroupOffsets, parseBootstrapServers } from "../../src/client/index.js";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";
import { closedPort, createTopicWith, describeResult, mapConcurrently, runCli } from "./cli-runner.js";

const TOPIC = "jobs";
const WAIT_MS = 20_000;
/** CLI processes started at once. */
const CONCURRENCY = 4;

function lines(output: Buffer): string[] {
  return output.toString("utf8").split("\n").filter((line) => line !== "");
}

function rows(output: Buffer): string[][] {
  return lines(output).map((line) => line.split(/ +/));
}

test("groups list with states and types, and delete: empty groups go, an active one stays", { timeout: 60_000 }, async () => {
  await withBroker(async (broker) => {
    await createTopicWith(broker.bootstrap, TOPIC, 2, [{ topic: TOPIC, partition: 0, value: Buffer.from("a") }]);
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    const client = await KafkaClient.connect({ bootstrapServers: parseBootstrapServers(broker.bootstrap) });
    const active = kafkaClient(broker.bootstrap, "active-reader").consumer({ groupId: "active", heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    const departed = kafkaClient(broker.bootstrap, "departed-reader").consumer({ groupId: "departed", heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    try {
      const none = await runCli(["groups", "list", ...bootstrap]);
      assert.equal(none.code, 0, describeResult(none));
      assert.equal(none.stdout.length, 0);

      for (const consumer of [active, departed]) {
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        await consumer.run({ eachMessage: async () => undefined });
      }
      await broker.waitForGroupAssignment("active", { members: 1, partitions: 2, timeoutMs: WAIT_MS });
      await broker.waitForGroupAssignment("departed", { members: 1, partitions: 2, timeoutMs: WAIT_MS });
      await departed.disconnect();
      await broker.waitForGroupState("departed", "Empty", { timeoutMs: WAIT_MS });
      // A group that only holds offsets (committed by an admin, never joined): protocol type "".
      const [outcome] = await commitGroupOffsets(client, "offsets-only", [{ topic: TOPIC, partition: 0, offset: 1 }]);
      assert.equal(outcome.error, null);

      const listed = await runCli(["groups", "list", ...bootstrap]);
      assert.equal(listed.code, 0, describeResult(listed));
      assert.deepEqual(lines(listed.stdout), ["active", "departed", "offsets-only"]);

      const withStates = await runCli(["groups", "list", "--state", ...bootstrap]);
      assert.equal(withStates.code, 0, describeResult(withStates));
      assert.deepEqual(lines(withStates.stdout), [
        `${"GROUP".padEnd(25)} STATE`,
        `${"active".padEnd(25)} Stable`,
        `${"departed".padEnd(25)} Empty`,
        `${"offsets-only".padEnd(25)} Empty`,
      ]);
      const empty = await runCli(["groups", "list", "--state", "empty", ...bootstrap]);
      assert.equal(empty.code, 0, describeResult(empty));
      assert.deepEqual(rows(empty.stdout), [["GROUP", "STATE"], ["departed", "Empty"], ["offsets-only", "Empty"]]);
      const stable = await runCli(["groups", "list", "--state", "Stable,PreparingRebalance", "--type", ...bootstrap]);
      assert.equal(stable.code, 0, describeResult(stable));
      assert.deepEqual(rows(stable.stdout), [["GROUP", "TYPE", "STATE"], ["active", "classic", "Stable"]]);
      const consumerType = await runCli(["groups", "list", "--type", "consumer", ...bootstrap]);
      assert.equal(consumerType.code, 0, describeResult(consumerType));
      assert.deepEqual(rows(consumerType.stdout), [["GROUP", "TYPE"]]);

      const refused = await runCli(["groups", "delete", "--group", "active", ...bootstrap]);
      assert.equal(refused.code, 1, describeResult(refused));
      assert.match(refused.stderr, /^tributary: deletion of some consumer groups failed:\n\* Group 'active' could not be deleted due to: NON_EMPTY_GROUP: The group is not empty\.\n/);
      assert.doesNotMatch(refused.stderr, /\n\s+at /, "no stack trace");

      const deleted = await runCli(["groups", "delete", "--group", "departed", "--group", "offsets-only", ...bootstrap]);
      assert.equal(deleted.code, 0, describeResult(deleted));
      assert.equal(deleted.stdout.toString("utf8"), "Deletion of requested consumer groups ('departed', 'offsets-only') was successful.\n");
      await broker.waitForGroupState("departed", "Dead", { timeoutMs: WAIT_MS });

      const mixed = await runCli(["groups", "delete", "--group", "active", "--group", "never-existed", ...bootstrap]);
      assert.equal(mixed.code, 1, describeResult(mixed));
      assert.match(mixed.stderr, /\* Group 'active' could not be deleted due to: NON_EMPTY_GROUP/);
      assert.match(mixed.stderr, /\* Group 'never-existed' could not be deleted due to: GROUP_ID_NOT_FOUND/);

      const after = await runCli(["groups", "list", ...bootstrap]);
      assert.deepEqual(lines(after.stdout), ["active"]);
      const gone = await runCli(["groups", "describe", "--group", "departed", ...bootstrap]);
      assert.equal(gone.code, 1, describeResult(gone));
      assert.equal(gone.stderr, "tributary: consumer group 'departed' does not exist.\n");
      const all = await runCli(["groups", "describe", "--all-groups", "--state", ...bootstrap]);
      assert.equal(all.code, 0, describeResult(all));
      assert.deepEqual(rows(all.stdout).map((row) => row[0]), ["GROUP", "active"]);
    } finally {
      await active.disconnect().catch(() => undefined);
      await departed.disconnect().catch(() => undefined);
      await client.close();
    }
  });
});

test("groups commands: an unreachable broker exits 1, bad usage exits 2", async () => {
  const port = await closedPort();
  const address = `127.0.0.1:${port}`;
  const unreachable: string[][] = [
    ["groups", "list"],
    ["groups", "list", "--state", "Stable"],
    ["groups", "describe", "--group", "g"],
    ["groups", "describe", "--all-groups", "--members"],
    ["groups", "delete", "--group", "g"],
    ["groups", "reset-offsets", "--group", "g", "--all-topics", "--to-earliest", "--execute"],
  ];
  const failed = await mapConcurrently(unreachable, CONCURRENCY, (args) => runCli([...args, "--bootstrap-server", address]));
  unreachable.forEach((args, index) => {
    const result = failed[index];
    assert.equal(result.code, 1, `${args.join(" ")}: ${describeResult(result)}`);
    assert.equal(result.stderr, `tributary: cannot connect to ${address}: ECONNREFUSED\n`, args.join(" "));
    assert.equal(result.stdout.length, 0);
  });

  const server = ["--bootstrap-server", address];
  const usage: string[][] = [
    ["groups"],
    ["groups", "frobnicate"],
    ["groups", "list", ...server, "--state", "Sleeping"],
    ["groups", "list", ...server, "--type", "share"],
    ["groups", "describe", ...server],
    ["groups", "describe", ...server, "--group", "g", "--all-groups"],
    ["groups", "describe", ...server, "--group", "g", "--members", "--state"],
    ["groups", "delete", ...server],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--to-earliest"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t", "--all-topics", "--to-earliest"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t", "--to-earliest", "--to-latest"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t", "--to-offset", "-1"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t", "--shift-by", "two"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t", "--to-datetime", "yesterday"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t", "--by-duration", "1 hour"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t:x", "--to-earliest"],
    ["groups", "reset-offsets", ...server, "--group", "g", "--topic", "t", "--to-earliest", "--dry-run", "--execute"],
  ];
  const results = await mapConcurrently(usage, CONCURRENCY, (args) => runCli(args));
  usage.forEach((args, index) => {
    const result = results[index];
    assert.equal(result.code, 2, `${args.join(" ")}: ${describeResult(result)}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${args.join(" ")}: no stack trace`);
    assert.doesNotMatch(result.stderr, /ECONNREFUSED/, `${args.join(" ")}: decided before connecting`);
  });
});
