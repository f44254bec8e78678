// Dynamic configs take effect without a restart: kafkajs alters a topic's segment.bytes and the
// partition rolls small segments from its next append; it then sets retention.ms and retention
// deletes the closed segments, which kafkajs sees as a higher earliest offset. A cluster-wide
// broker default (log.segment.bytes, set with IncrementalAlterConfigs on the broker resource "")
// reaches every topic without its own value. Segments are counted in the broker's in-memory file
// system, where the partition directories are.

import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";
import { MemoryFileSystem } from "../../src/storage/index.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { IncrementalAlterConfigsResponse } from "../../src/protocol/generated/incremental-alter-configs.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";

const LOG_DIR = "/data";
const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;
const SET = 0;
/** Each record's value: one record per batch, so a batch is a bit over 1 KiB. */
const VALUE = "x".repeat(1000);
/** How long the test waits for retention to act before it fails (the check runs every 50 ms). */
const RETENTION_WAIT_MS_MAX = 20_000;

async function segmentCount(fs: MemoryFileSystem, topic: string): Promise<number> {
  return (await fs.readdir(`${LOG_DIR}/${topic}-0`)).filter((name) => name.endsWith(".log")).length;
}

test("altered topic and broker configs change how partitions roll and retain, without a restart", async () => {
  const fs = new MemoryFileSystem();
  await withBroker(
    async (broker) => {
      const kafka = kafkaClient(broker.bootstrap);
      const admin = kafka.admin();
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await admin.connect();
      await producer.connect();
      const produce = async (topic: string, count: number): Promise<void> => {
        for (let index = 0; index < count; index++) await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: VALUE }] });
      };
      try {
        await admin.createTopics({ topics: [{ topic: "rolling", numPartitions: 1 }, { topic: "inheriting", numPartitions: 1 }], waitForLeaders: true });
        await produce("rolling", 10);
        assert.equal(await segmentCount(fs, "rolling"), 1);

        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: TOPIC_RESOURCE, name: "rolling", configEntries: [{ name: "segment.bytes", value: "2048" }] }],
        });
        await produce("rolling", 10);
        const rolled = await segmentCount(fs, "rolling");
        assert.ok(rolled >= 6, `segment.bytes=2048 rolls about one segment per 1 KiB batch pair, got ${rolled} segments`);
        const [before] = await admin.fetchTopicOffsets("rolling");
        assert.deepEqual([before.low, before.high], ["0", "20"]);

        // The legacy API replaces all overrides, so segment.bytes is given again.
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: TOPIC_RESOURCE,
              name: "rolling",
              configEntries: [
                { name: "segment.bytes", value: "2048" },
                { name: "retention.ms", value: "1" },
              ],
            },
          ],
        });
        const deadline = Date.now() + RETENTION_WAIT_MS_MAX;
        let low = "0";
        while (low === "0" && Date.now() < deadline) {
          await sleep(50);
          [{ low }] = await admin.fetchTopicOffsets("rolling");
        }
        assert.ok(Number(low) > 0, "retention.ms=1 deleted the closed segments and moved the log start offset");
        assert.equal(await segmentCount(fs, "rolling"), 1, "only the active segment is left");

        // A cluster-wide broker default reaches the topic that has no segment.bytes of its own.
        const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
        try {
          const altered = await client.send<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, {
            resources: [{ resourceType: BROKER_RESOURCE, resourceName: "", configs: [{ name: "log.segment.bytes", configOperation: SET, value: "2048" }] }],
            validateOnly: false,
          });
          assert.deepEqual(
            altered.responses.map((response) => [response.errorCode, response.errorMessage]),
            [[ErrorCode.NONE, null]],
          );
        } finally {
          await client.close();
        }
        await produce("inheriting", 6);
        assert.ok((await segmentCount(fs, "inheriting")) >= 3, "log.segment.bytes=2048 applies to topics without an override");
      } finally {
        await producer.disconnect();
        await admin.disconnect();
      }
    },
    { fileSystem: fs, config: { "log.dirs": LOG_DIR, "log.retention.check.interval.ms": "50" } },
  );
});
