// librdkafka (kcat) with enable.idempotence=true: it gets a producer id (InitProducerId is
// advertised from v0, which librdkafka before 2.11 requires), pipelines up to five sequenced
// batches per partition, and 100,000 messages come back exactly once each, in order. A
// transactional kcat fails at once with the transactional-id error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runKcat } from "../helpers/processes.js";

const MESSAGE_COUNT = 100_000;

test("kcat with enable.idempotence=true: 100,000 messages, each consumed exactly once, in order", { timeout: 120_000 }, async () => {
  await withBroker(async (broker) => {
    const input = Array.from({ length: MESSAGE_COUNT }, (_, index) => `m-${index}`).join("\n") + "\n";
    const produced = await runKcat(["-b", broker.bootstrap, "-P", "-t", "rdk-idem", "-p", "0", "-X", "enable.idempotence=true", "-X", "debug=eos"], {
      input,
      timeoutMs: 90_000,
    });
    assert.equal(produced.code, 0, describeFailure(produced));
    assert.match(produced.stderr, /Acquired PID\{Id:\d+,Epoch:0\}/, "librdkafka ran as an idempotent producer");
    assert.doesNotMatch(produced.stderr, /FATAL|OUT_OF_ORDER|fatal error/i);
    const consumed = await runKcat(["-b", broker.bootstrap, "-C", "-t", "rdk-idem", "-e", "-q", "-f", "%o %s\n"], { timeoutMs: 90_000 });
    assert.equal(consumed.code, 0, describeFailure(consumed));
    const lines = consumed.stdout.trim().split("\n");
    assert.equal(lines.length, MESSAGE_COUNT);
    lines.forEach((line, index) => assert.equal(line, `${index} m-${index}`));
  });
});

test("a transactional kcat fails at once with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (no transactions yet)", async () => {
  await withBroker(async (broker) => {
    const produced = await runKcat(["-b", broker.bootstrap, "-P", "-t", "rdk-tx", "-p", "0", "-X", "transactional.id=orders-tx"], { input: "a\n", timeoutMs: 30_000 });
    assert.notEqual(produced.code, 0);
    assert.match(produced.stderr, /TRANSACTIONAL_ID_AUTHORIZATION_FAILED/, describeFailure(produced));
  });
});
