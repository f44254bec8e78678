// `tributary groups describe` against a live kafkajs consumer: the per-partition table shows the
// committed offset, the log end offset and the lag while the consumer is paused and more is
// produced, and the lag drops to 0 once it resumes; --members and --state show the member and
// the group as kafka-consumer-groups.sh does.

import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { KafkaClient, Producer, fetchCommittedOffsets, parseBootstrapServers } from "../../src/client/index.js";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";
import { createTopicWith, describeResult, runCli } from "./cli-runner.js";

const TOPIC = "orders";
const GROUP = "lagging";
const CLIENT_ID = "lag-reader";
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

/** The rows of a table (header first), each split at runs of spaces. */
function rows(output: Buffer): string[][] {
  return output
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(/ +/));
}

async function committed(client: KafkaClient): Promise<string> {
  const offsets = await fetchCommittedOffsets(client, GROUP);
  return offsets.map((offset) => `${offset.topic}-${offset.partition}@${offset.offset}`).join(" ");
}

test("groups describe shows the lag of a paused consumer, its member and the group state", { timeout: 60_000 }, async () => {
  await withBroker(async (broker) => {
    const records = [0, 1].flatMap((partition) =>
      Array.from({ length: RECORDS_PER_PARTITION }, (_, index) => ({ topic: TOPIC, partition, value: Buffer.from(`p${partition}-${index}`) })),
    );
    await createTopicWith(broker.bootstrap, TOPIC, 2, records);
    const client = await KafkaClient.connect({ bootstrapServers: parseBootstrapServers(broker.bootstrap) });
    const consumer = kafkaClient(broker.bootstrap, CLIENT_ID).consumer({ groupId: GROUP, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    try {
      let consumed = 0;
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async () => {
          consumed++;
        },
      });
      const group = await broker.waitForGroupAssignment(GROUP, { members: 1, partitions: 2, timeoutMs: WAIT_MS });
      const memberId = group.members[0].memberId;
      await until("everything is consumed and committed", async () => consumed === 2 * RECORDS_PER_PARTITION && (await committed(client)) === "orders-0@10 orders-1@10");

      consumer.pause([{ topic: TOPIC }]);
      const producer = new Producer(client, { lingerMs: 0 });
      for (let index = 0; index < 5; index++) await producer.send({ topic: TOPIC, partition: 0, value: Buffer.from(`late-0-${index}`) });
      for (let index = 0; index < 3; index++) await producer.send({ topic: TOPIC, partition: 1, value: Buffer.from(`late-1-${index}`) });
      await producer.close();

      const bootstrap = ["--bootstrap-server", broker.bootstrap];
      const described = await runCli(["groups", "describe", "--group", GROUP, ...bootstrap]);
      assert.equal(described.code, 0, describeResult(described));
      assert.equal(described.stderr, "");
      assert.deepEqual(rows(described.stdout), [
        ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"],
        [GROUP, TOPIC, "0", "10", "15", "5", memberId, "/127.0.0.1", CLIENT_ID],
        [GROUP, TOPIC, "1", "10", "13", "3", memberId, "/127.0.0.1", CLIENT_ID],
      ]);
      // Kafka's column layout: the name columns at least 15 wide, PARTITION 10, the offsets 15.
      const [header] = described.stdout.toString("utf8").split("\n");
      assert.equal(header.indexOf("TOPIC"), 16);
      assert.equal(header.indexOf("PARTITION"), 32);
      assert.equal(header.indexOf("CURRENT-OFFSET"), 43);
      assert.equal(header.indexOf("LOG-END-OFFSET"), 59);
      assert.equal(header.indexOf("LAG"), 75);
      assert.equal(header.indexOf("CONSUMER-ID"), 91);

      const members = await runCli(["groups", "describe", "--group", GROUP, "--members", ...bootstrap]);
      assert.equal(members.code, 0, describeResult(members));
      assert.deepEqual(rows(members.stdout), [
        ["GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"],
        [GROUP, memberId, "/127.0.0.1", CLIENT_ID, "2"],
      ]);
      const verbose = await runCli(["groups", "describe", "--group", GROUP, "--members", "--verbose", ...bootstrap]);
      assert.equal(verbose.code, 0, describeResult(verbose));
      assert.deepEqual(rows(verbose.stdout)[1], [GROUP, memberId, "/127.0.0.1", CLIENT_ID, "2", "-", "orders:0,1", "-", "-"]);

      const state = await runCli(["groups", "describe", "--group", GROUP, "--state", ...bootstrap]);
      assert.equal(state.code, 0, describeResult(state));
      const stateLines = state.stdout.toString("utf8").split("\n");
      assert.match(stateLines[0], /^GROUP +COORDINATOR \(ID\) +ASSIGNMENT-STRATEGY +STATE +#MEMBERS$/);
      assert.equal(stateLines[1], `${GROUP.padEnd(15)} ${`${broker.bootstrap}  (${broker.nodeId})`.padEnd(25)} ${"RoundRobinAssigner".padEnd(20)} ${"Stable".padEnd(20)} 1`);

      consumer.resume([{ topic: TOPIC }]);
      await until("the late records are committed", async () => (await committed(client)) === "orders-0@15 orders-1@13");
      const caughtUp = await runCli(["groups", "describe", "--group", GROUP, ...bootstrap]);
      assert.equal(caughtUp.code, 0, describeResult(caughtUp));
      assert.deepEqual(
        rows(caughtUp.stdout).slice(1).map((row) => row.slice(2, 6)),
        [
          ["0", "15", "15", "0"],
          ["1", "13", "13", "0"],
        ],
      );

      // Once the consumer has left, the offsets stay, without a member; the CLI notes the group is empty.
      await consumer.disconnect();
      await broker.waitForGroupState(GROUP, "Empty", { timeoutMs: WAIT_MS });
      const empty = await runCli(["groups", "describe", "--group", GROUP, ...bootstrap]);
      assert.equal(empty.code, 0, describeResult(empty));
      assert.equal(empty.stderr, `tributary: consumer group '${GROUP}' has no active members.\n`);
      assert.deepEqual(rows(empty.stdout).slice(1), [
        [GROUP, TOPIC, "0", "15", "15", "0", "-", "-", "-"],
        [GROUP, TOPIC, "1", "13", "13", "0", "-", "-", "-"],
      ]);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await client.close();
    }
  });
});
