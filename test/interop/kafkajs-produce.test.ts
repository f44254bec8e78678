// kafkajs 2.2.4 producer with acks -1 and 1, uncompressed and gzip; what it wrote is read back
// with kcat, with keys, values and headers intact.

import { test } from "node:test";
import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";
import { describeFailure, runKcat } from "../helpers/processes.js";

test("kafkajs produces with acks -1 and 1, plain and gzip; kcat reads it all back", async () => {
  await withBroker(async (broker) => {
    const producer = kafkaClient(broker.bootstrap).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      const sends: { acks: number; compression: kafkajs.CompressionTypes; prefix: string }[] = [
        { acks: -1, compression: kafkajs.CompressionTypes.None, prefix: "all-plain" },
        { acks: 1, compression: kafkajs.CompressionTypes.None, prefix: "one-plain" },
        { acks: -1, compression: kafkajs.CompressionTypes.GZIP, prefix: "all-gzip" },
        { acks: 1, compression: kafkajs.CompressionTypes.GZIP, prefix: "one-gzip" },
      ];
      let expectedOffset = 0;
      for (const { acks, compression, prefix } of sends) {
        const messages = Array.from({ length: 250 }, (_, i) => ({
          key: `${prefix}-key-${i}`,
          value: `${prefix}-value-${i}`,
          headers: { source: prefix },
        }));
        const metadata = await producer.send({ topic: "kjs-produce", acks, compression, messages });
        assert.equal(metadata.length, 1);
        assert.equal(metadata[0].errorCode, 0);
        assert.equal(Number(metadata[0].baseOffset), expectedOffset);
        expectedOffset += messages.length;
      }
    } finally {
      await producer.disconnect();
    }
    const consumed = await runKcat(["-b", broker.bootstrap, "-C", "-t", "kjs-produce", "-e", "-q", "-f", "%k|%s|%h|%o\n"]);
    assert.equal(consumed.code, 0, describeFailure(consumed));
    const lines = consumed.stdout.trim().split("\n");
    assert.equal(lines.length, 1000);
    const prefixes = ["all-plain", "one-plain", "all-gzip", "one-gzip"];
    lines.forEach((line, offset) => {
      const prefix = prefixes[Math.floor(offset / 250)];
      const i = offset % 250;
      assert.equal(line, `${prefix}-key-${i}|${prefix}-value-${i}|source=${prefix}|${offset}`);
    });
  });
});

test("kafkajs gets UNKNOWN_TOPIC_OR_PARTITION-class errors and Kafka's codes for bad produce input", async () => {
  await withBroker(
    async (broker) => {
      const producer = kafkaClient(broker.bootstrap).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await producer.connect();
      try {
        await assert.rejects(producer.send({ topic: "does-not-exist", messages: [{ value: "x" }] }));
        const admin = kafkaClient(broker.bootstrap).admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: "small", configEntries: [{ name: "max.message.bytes", value: "200" }] }] });
        await admin.disconnect();
        await assert.rejects(producer.send({ topic: "small", messages: [{ value: "y".repeat(1000) }] }), (error: Error) => {
          assert.match(error.message + String((error as { type?: string }).type), /MESSAGE_TOO_LARGE|too large/i);
          return true;
        });
      } finally {
        await producer.disconnect();
      }
    },
    { config: { "auto.create.topics.enable": "false" } },
  );
});
