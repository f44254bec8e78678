// `tributary topics ...` as a user runs it against an in-process broker: create (with configs,
// --if-not-exists), list, describe in kafka-topics.sh's layout, alter (more partitions), delete
// (--if-exists). Failures exit 1 with the Kafka error name on stderr, bad flags exit 2.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeResult, runCli } from "./cli-runner.js";

function lines(output: Buffer): string[] {
  return output.toString("utf8").split("\n").filter((line) => line !== "");
}

test("topics create, list, describe, alter and delete", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    const created = await runCli(["topics", "create", ...bootstrap, "--topic", "orders", "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=3600000", "--config", "cleanup.policy=compact"]);
    assert.equal(created.code, 0, describeResult(created));
    assert.equal(created.stdout.toString(), "Created topic orders.\n");
    const other = await runCli(["topics", "create", ...bootstrap, "--topic", "audit"]);
    assert.equal(other.code, 0, describeResult(other));

    const again = await runCli(["topics", "create", ...bootstrap, "--topic", "orders", "--partitions", "3"]);
    assert.equal(again.code, 1, describeResult(again));
    assert.match(again.stderr, /^tributary: .*TOPIC_ALREADY_EXISTS/);
    assert.doesNotMatch(again.stderr, /\n\s+at /, "no stack trace");
    const quiet = await runCli(["topics", "create", ...bootstrap, "--topic", "orders", "--if-not-exists"]);
    assert.equal(quiet.code, 0, describeResult(quiet));
    assert.equal(quiet.stdout.length, 0);

    const listed = await runCli(["topics", "list", ...bootstrap]);
    assert.equal(listed.code, 0, describeResult(listed));
    assert.deepEqual(lines(listed.stdout), ["audit", "orders"]);

    const described = await runCli(["topics", "describe", ...bootstrap, "--topic", "orders"]);
    assert.equal(described.code, 0, describeResult(described));
    const [header, ...partitions] = lines(described.stdout);
    const headerMatch = /^Topic: orders\tTopicId: ([A-Za-z0-9_-]{22})\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: (.*)$/.exec(header);
    assert.ok(headerMatch !== null, `unexpected describe header: ${header}`);
    assert.deepEqual(headerMatch[2].split(",").sort(), ["cleanup.policy=compact", "retention.ms=3600000"]);
    assert.deepEqual(partitions, [0, 1, 2].map((partition) => `\tTopic: orders\tPartition: ${partition}\tLeader: ${broker.nodeId}\tReplicas: ${broker.nodeId}\tIsr: ${broker.nodeId}`));

    const all = await runCli(["topics", "describe", ...bootstrap]);
    assert.equal(all.code, 0, describeResult(all));
    assert.deepEqual(lines(all.stdout).filter((line) => line.startsWith("Topic: ")).map((line) => line.split("\t")[0]), ["Topic: audit", "Topic: orders"]);

    const altered = await runCli(["topics", "alter", ...bootstrap, "--topic", "orders", "--partitions", "5"]);
    assert.equal(altered.code, 0, describeResult(altered));
    const afterAlter = await runCli(["topics", "describe", ...bootstrap, "--topic", "orders"]);
    assert.match(lines(afterAlter.stdout)[0], /\tPartitionCount: 5\t/);
    assert.equal(lines(afterAlter.stdout).length, 6);
    const shrink = await runCli(["topics", "alter", ...bootstrap, "--topic", "orders", "--partitions", "2"]);
    assert.equal(shrink.code, 1, describeResult(shrink));
    assert.match(shrink.stderr, /INVALID_PARTITIONS/);

    const deleted = await runCli(["topics", "delete", ...bootstrap, "--topic", "orders"]);
    assert.equal(deleted.code, 0, describeResult(deleted));
    const afterDelete = await runCli(["topics", "list", ...bootstrap]);
    assert.deepEqual(lines(afterDelete.stdout), ["audit"]);
    const deletedAgain = await runCli(["topics", "delete", ...bootstrap, "--topic", "orders"]);
    assert.equal(deletedAgain.code, 1, describeResult(deletedAgain));
    assert.match(deletedAgain.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
    const ifExists = await runCli(["topics", "delete", ...bootstrap, "--topic", "orders", "--if-exists"]);
    assert.equal(ifExists.code, 0, describeResult(ifExists));
    const missing = await runCli(["topics", "describe", ...bootstrap, "--topic", "orders"]);
    assert.equal(missing.code, 1, describeResult(missing));
    assert.match(missing.stderr, /topic orders does not exist/);
  });
});

test("invalid topic requests get Kafka's error names", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    const badName = await runCli(["topics", "create", ...bootstrap, "--topic", "bad/name"]);
    assert.equal(badName.code, 1, describeResult(badName));
    assert.match(badName.stderr, /INVALID_TOPIC_EXCEPTION/);
    const badConfig = await runCli(["topics", "create", ...bootstrap, "--topic", "ok", "--config", "retention.ms=soon"]);
    assert.equal(badConfig.code, 1, describeResult(badConfig));
    assert.match(badConfig.stderr, /INVALID_CONFIG/);
    const badFlag = await runCli(["topics", "create", ...bootstrap, "--topic", "ok", "--config", "no-equals-sign"]);
    assert.equal(badFlag.code, 2, describeResult(badFlag));
    const zero = await runCli(["topics", "create", ...bootstrap, "--topic", "ok", "--partitions", "0"]);
    assert.equal(zero.code, 2, describeResult(zero));
  });
});
