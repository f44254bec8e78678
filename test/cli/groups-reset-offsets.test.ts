// `tributary groups reset-offsets`: refused while the group has members (Kafka's "Assignments can
// only be reset if the group ... is inactive"); on a stopped group a dry run (the default) prints
// the plan and changes nothing, every scenario computes Kafka's offsets (clamped to the log's
// range, a time past the end falls back to the log end), --execute commits, and the next
// consumer of the group starts from the new offsets.

import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { KafkaClient, fetchCommittedOffsets, parseBootstrapServers } from "../../src/client/index.js";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";
import { createTopicWith, describeResult, runCli } from "./cli-runner.js";

const TOPIC = "events";
const OTHER_TOPIC = "audit";
const GROUP = "resetting";
const RECORDS_PER_PARTITION = 10;
const POLL_MS = 25;
const WAIT_MS = 20_000;

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(POLL_MS);
  }
}

function rows(output: Buffer): string[][] {
  return output
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(/ +/));
}

const PLAN_HEADER = ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"];

async function committed(client: KafkaClient): Promise<string> {
  const offsets = await fetchCommittedOffsets(client, GROUP);
  return offsets.map((offset) => `${offset.topic}-${offset.partition}@${offset.offset}`).join(" ");
}

test("reset-offsets: refused while active, dry run by default, --execute commits, the next consumer starts there", { timeout: 60_000 }, async () => {
  await withBroker(async (broker) => {
    const records = [0, 1].flatMap((partition) =>
      Array.from({ length: RECORDS_PER_PARTITION }, (_, index) => ({ topic: TOPIC, partition, value: Buffer.from(`p${partition}-${index}`) })),
    );
    await createTopicWith(broker.bootstrap, TOPIC, 2, records);
    await createTopicWith(broker.bootstrap, OTHER_TOPIC, 1, [{ topic: OTHER_TOPIC, value: Buffer.from("x") }]);
    const client = await KafkaClient.connect({ bootstrapServers: parseBootstrapServers(broker.bootstrap) });
    const bootstrap = ["--bootstrap-server", broker.bootstrap];
    const reset = (...args: string[]) => runCli(["groups", "reset-offsets", "--group", GROUP, ...args, ...bootstrap]);
    try {
      const first = kafkaClient(broker.bootstrap, "first-reader").consumer({ groupId: GROUP, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      try {
        let consumed = 0;
        await first.connect();
        await first.subscribe({ topic: TOPIC, fromBeginning: true });
        await first.run({
          eachMessage: async () => {
            consumed++;
          },
        });
        await until("everything is consumed and committed", async () => consumed === 2 * RECORDS_PER_PARTITION && (await committed(client)) === "events-0@10 events-1@10");

        const active = await reset("--topic", TOPIC, "--to-earliest", "--execute");
        assert.equal(active.code, 1, describeResult(active));
        assert.equal(active.stderr, `tributary: Assignments can only be reset if the group '${GROUP}' is inactive, but the current state is Stable.\n`);
        assert.equal(active.stdout.length, 0);
        assert.equal(await committed(client), "events-0@10 events-1@10");
      } finally {
        await first.disconnect();
      }
      await broker.waitForGroupState(GROUP, "Empty", { timeoutMs: WAIT_MS });

      // Dry runs: the plan of each scenario, nothing committed.
      const dryRun = await reset("--topic", TOPIC, "--to-offset", "4");
      assert.equal(dryRun.code, 0, describeResult(dryRun));
      assert.equal(
        dryRun.stdout.toString("utf8"),
        `${"GROUP".padEnd(15)} ${"TOPIC".padEnd(15)} ${"PARTITION".padEnd(10)} NEW-OFFSET\n` +
          `${GROUP.padEnd(15)} ${TOPIC.padEnd(15)} ${"0".padEnd(10)} 4\n` +
          `${GROUP.padEnd(15)} ${TOPIC.padEnd(15)} ${"1".padEnd(10)} 4\n`,
      );
      assert.equal(await committed(client), "events-0@10 events-1@10");

      const explicitDryRun = await reset("--topic", `${TOPIC}:1`, "--shift-by", "-3", "--dry-run");
      assert.equal(explicitDryRun.code, 0, describeResult(explicitDryRun));
      assert.deepEqual(rows(explicitDryRun.stdout), [PLAN_HEADER, [GROUP, TOPIC, "1", "7"]]);

      const scenarios: [string[], string[]][] = [
        [["--all-topics", "--to-earliest"], ["0", "0"]],
        [["--all-topics", "--to-latest"], ["10", "10"]],
        [["--all-topics", "--to-current"], ["10", "10"]],
        [["--all-topics", "--shift-by", "-25"], ["0", "0"]],
        [["--all-topics", "--to-offset", "99"], ["10", "10"]],
        [["--all-topics", "--by-duration", "P1D"], ["0", "0"]],
        [["--all-topics", "--to-datetime", "2000-01-01T00:00:00.000"], ["0", "0"]],
      ];
      for (const [args, offsets] of scenarios) {
        const result = await reset(...args);
        assert.equal(result.code, 0, `${args.join(" ")}: ${describeResult(result)}`);
        assert.deepEqual(rows(result.stdout), [PLAN_HEADER, [GROUP, TOPIC, "0", offsets[0]], [GROUP, TOPIC, "1", offsets[1]]], args.join(" "));
      }
      const clamped = await reset("--topic", `${TOPIC}:0`, "--to-offset", "99");
      assert.match(clamped.stderr, /^tributary: warning: offset 99 is after the log end offset of events-0: using 10\n$/);
      const future = await reset("--topic", `${TOPIC}:0`, "--to-datetime", "2999-01-01T00:00:00.000Z");
      assert.deepEqual(rows(future.stdout), [PLAN_HEADER, [GROUP, TOPIC, "0", "10"]]);
      assert.match(future.stderr, /warning: events-0 has no record at or after that time: using its log end offset 10/);
      // A topic the group never read has no committed offset to shift (exit 2, as Kafka treats it as usage).
      const noOffset = await reset("--topic", OTHER_TOPIC, "--shift-by", "1");
      assert.equal(noOffset.code, 2, describeResult(noOffset));
      assert.match(noOffset.stderr, /cannot shift the offset of audit-0: the group has no committed offset for it/);
      const unknown = await reset("--topic", `${TOPIC}:7`, "--to-earliest");
      assert.equal(unknown.code, 1, describeResult(unknown));
      assert.match(unknown.stderr, /the partitions "events-7" do not exist/);
      assert.equal(await committed(client), "events-0@10 events-1@10");

      // --execute commits: events-0 to 4, events-1 to 7 (two commands, one partition each).
      const executed = await reset("--topic", `${TOPIC}:0`, "--to-offset", "4", "--execute");
      assert.equal(executed.code, 0, describeResult(executed));
      assert.deepEqual(rows(executed.stdout), [PLAN_HEADER, [GROUP, TOPIC, "0", "4"]]);
      const shifted = await reset("--topic", `${TOPIC}:1`, "--shift-by", "-3", "--execute");
      assert.equal(shifted.code, 0, describeResult(shifted));
      assert.equal(await committed(client), "events-0@4 events-1@7");
      const described = await runCli(["groups", "describe", "--group", GROUP, ...bootstrap]);
      assert.deepEqual(
        rows(described.stdout).slice(1).map((row) => row.slice(2, 6)),
        [
          ["0", "4", "10", "6"],
          ["1", "7", "10", "3"],
        ],
      );

      // The next consumer of the group starts at the new offsets.
      const next = kafkaClient(broker.bootstrap, "next-reader").consumer({ groupId: GROUP, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      const seen: string[] = [];
      try {
        await next.connect();
        await next.subscribe({ topic: TOPIC, fromBeginning: true });
        await next.run({
          eachMessage: async ({ partition, message }) => {
            seen.push(`${partition}@${message.offset}=${message.value?.toString() ?? ""}`);
          },
        });
        // Records come in offset order per partition: a consumer that started anywhere else would
        // have shown other offsets among its first nine.
        await until("the second consumer reads to the end", () => seen.length >= 9);
      } finally {
        await next.disconnect();
      }
      const expected = [
        ...[4, 5, 6, 7, 8, 9].map((offset) => `0@${offset}=p0-${offset}`),
        ...[7, 8, 9].map((offset) => `1@${offset}=p1-${offset}`),
      ];
      assert.deepEqual([...seen].sort(), expected.sort());
    } finally {
      await client.close();
    }
  });
});
