// A real broker process restarted under a running kafkajs idempotent producer: killed with
// SIGKILL (kill -9) several times at random moments and stopped once with SIGTERM, restarted each
// time. kafkajs (idempotent, one request in flight, unlimited retries) resends whatever did not
// get an answer with the same producer id, epoch and sequence. Afterwards every message is in the
// log exactly once, in send order, with dense offsets.
//
// What this rests on: an append is acknowledged only once written to the OS, so a process crash
// loses nothing acknowledged; the producer state after a restart (last snapshot + the log
// replayed after it) always holds the producer's newest batch, which with one request in flight
// is the only one a retry can repeat. So for process crashes the guarantee is exactly once. Not
// covered here: power loss (unsynced data can go, as in Kafka with its default flush settings),
// and clients with several requests in flight (librdkafka: up to 5), whose retries after an
// unclean restart can reach back further than the batches recovered as retained (a snapshot
// keeps one batch per producer, as Kafka's does); those get OUT_OF_ORDER_SEQUENCE_NUMBER, never a
// duplicate.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { BrokerChild } from "../fault/broker-child.js";
import { describeFailure, runKcat } from "../helpers/processes.js";

const { Kafka, logLevel } = kafkajs;

const KILLS = 4;
const MESSAGES_PER_SEND = 10;
const TOPIC = "idem-restart";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("kafkajs idempotent producer across kill -9 and SIGTERM restarts: nothing lost, nothing duplicated", { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-idem-restart-"));
  const broker = new BrokerChild({ dataDir });
  try {
    await broker.start();
    const kafka = new Kafka({
      clientId: "idem-restart",
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 5000,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 1000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    // Small segments: rolls (and their producer snapshots) happen during the run. flush.messages=1
    // puts an fsync between the write and the answer, so kills often land after a batch was
    // written but before it was acknowledged, and the retry must be recognised as a duplicate (the
    // same run with a non-idempotent producer ends with duplicates every time).
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, configEntries: [{ name: "segment.bytes", value: "16384" }, { name: "flush.messages", value: "1" }] }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: Number.MAX_SAFE_INTEGER } });
    await producer.connect();
    let sent = 0;
    let stop = false;
    const sending = (async () => {
      while (!stop) {
        const messages = Array.from({ length: MESSAGES_PER_SEND }, (_, index) => ({ value: `m-${sent + index}` }));
        // Never fails for good: kafkajs retries until the broker is back.
        await producer.send({ topic: TOPIC, acks: -1, messages });
        sent += MESSAGES_PER_SEND;
      }
    })();

    for (let restart = 0; restart <= KILLS; restart += 1) {
      await sleep(300 + Math.random() * 700);
      const before = sent;
      if (restart === KILLS) assert.equal(await broker.stop(), 0, "graceful stop");
      else await broker.kill();
      await broker.start();
      // Let the producer get through at least one more send before the next restart.
      for (let waited = 0; sent === before && waited < 300; waited += 1) await sleep(50);
      assert.ok(sent > before, `the producer made progress after restart ${restart + 1}`);
    }
    stop = true;
    await sending;
    await producer.disconnect();

    const consumed = await runKcat(["-b", broker.bootstrap, "-C", "-t", TOPIC, "-e", "-q", "-f", "%o %s\n"], { timeoutMs: 60_000 });
    assert.equal(consumed.code, 0, describeFailure(consumed));
    const lines = consumed.stdout.trim().split("\n");
    assert.equal(lines.length, sent, `${sent} messages sent and acknowledged`);
    lines.forEach((line, index) => assert.equal(line, `${index} m-${index}`));
    console.log(`${sent} messages across ${KILLS} kills and 1 graceful restart, each exactly once`);
    assert.equal(await broker.stop(), 0);
  } finally {
    await broker.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
