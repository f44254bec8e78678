// `tributary configs describe|alter` as a user runs it against an in-process broker, for a topic,
// one broker and the cluster-wide broker defaults, with kafka-configs.sh's output.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeResult, runCli } from "./cli-runner.js";

function lines(output: Buffer): string[] {
  return output.toString("utf8").split("\n").filter((line) => line !== "");
}

test("configs describe and alter a topic, a broker and the broker defaults", async () => {
  await withBroker(async (broker) => {
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    assert.equal((await runCli(["topics", "create", ...bootstrap, "--topic", "events", "--partitions", "1"])).code, 0);

    const empty = await runCli(["configs", "describe", ...bootstrap, "--topic", "events"]);
    assert.equal(empty.code, 0, describeResult(empty));
    assert.equal(empty.stdout.toString(), "Dynamic configs for topic events are:\n");

    const added = await runCli(["configs", "alter", ...bootstrap, "--topic", "events", "--add-config", "retention.ms=60000,cleanup.policy=[compact,delete]"]);
    assert.equal(added.code, 0, describeResult(added));
    assert.equal(added.stdout.toString(), "Completed updating config for topic events.\n");
    const afterAdd = await runCli(["configs", "describe", ...bootstrap, "--topic", "events"]);
    const entries = lines(afterAdd.stdout);
    assert.equal(entries[0], "Dynamic configs for topic events are:");
    assert.ok(entries.includes("  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000, DEFAULT_CONFIG:log.retention.hours=168}"), entries.join("\n"));
    assert.ok(entries.some((line) => line.startsWith("  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete")), entries.join("\n"));

    const removed = await runCli(["configs", "alter", ...bootstrap, "--topic", "events", "--delete-config", "retention.ms"]);
    assert.equal(removed.code, 0, describeResult(removed));
    const afterDelete = lines((await runCli(["configs", "describe", ...bootstrap, "--topic", "events"])).stdout);
    assert.ok(!afterDelete.some((line) => line.startsWith("  retention.ms=")), afterDelete.join("\n"));
    assert.ok(afterDelete.some((line) => line.startsWith("  cleanup.policy=")), afterDelete.join("\n"));

    const allConfigs = await runCli(["configs", "describe", ...bootstrap, "--topic", "events", "--all"]);
    assert.equal(allConfigs.code, 0, describeResult(allConfigs));
    const allLines = lines(allConfigs.stdout);
    assert.equal(allLines[0], "All configs for topic events are:");
    assert.ok(allLines.some((line) => line.startsWith("  segment.bytes=")), "--all lists default configs too");

    const invalid = await runCli(["configs", "alter", ...bootstrap, "--topic", "events", "--add-config", "retention.ms=later"]);
    assert.equal(invalid.code, 1, describeResult(invalid));
    assert.match(invalid.stderr, /INVALID_CONFIG/);
    const unknownTopic = await runCli(["configs", "describe", ...bootstrap, "--topic", "nope"]);
    assert.equal(unknownTopic.code, 1, describeResult(unknownTopic));
    assert.match(unknownTopic.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);

    const brokerAlter = await runCli(["configs", "alter", ...bootstrap, "--broker", String(broker.nodeId), "--add-config", "log.retention.ms=7200000"]);
    assert.equal(brokerAlter.code, 0, describeResult(brokerAlter));
    assert.equal(brokerAlter.stdout.toString(), `Completed updating config for broker ${broker.nodeId}.\n`);
    const brokerDescribe = await runCli(["configs", "describe", ...bootstrap, "--broker", String(broker.nodeId)]);
    assert.equal(brokerDescribe.code, 0, describeResult(brokerDescribe));
    const brokerLines = lines(brokerDescribe.stdout);
    assert.equal(brokerLines[0], `Dynamic configs for broker ${broker.nodeId} are:`);
    assert.ok(brokerLines.some((line) => line.startsWith("  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=7200000")), brokerLines.join("\n"));

    const defaultsAlter = await runCli(["configs", "alter", ...bootstrap, "--broker-defaults", "--add-config", "log.retention.ms=3600000"]);
    assert.equal(defaultsAlter.code, 0, describeResult(defaultsAlter));
    assert.equal(defaultsAlter.stdout.toString(), "Completed updating default config for brokers in the cluster.\n");
    const defaults = await runCli(["configs", "describe", ...bootstrap, "--broker-defaults"]);
    const defaultLines = lines(defaults.stdout);
    assert.equal(defaultLines[0], "Default configs for brokers in the cluster are:");
    assert.ok(defaultLines.some((line) => line.startsWith("  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000")), defaultLines.join("\n"));

    const twoEntities = await runCli(["configs", "describe", ...bootstrap, "--topic", "events", "--broker", "1"]);
    assert.equal(twoEntities.code, 2, describeResult(twoEntities));
    const nothing = await runCli(["configs", "alter", ...bootstrap, "--topic", "events"]);
    assert.equal(nothing.code, 2, describeResult(nothing));
  });
});
