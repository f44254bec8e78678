// Metadata edges: topics by id only from v12 (v10-v11 refuse them with INVALID_REQUEST, as
// Kafka does), unknown ids, invalid names, and v0's empty list meaning "all topics".

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { MetadataRequestTopic, MetadataResponse } from "../../src/protocol/generated/metadata.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";

test("Metadata by topic id: v12 resolves it, v10-v11 refuse it, unknown ids are reported", async () => {
  await withBroker(async (broker) => {
    const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
    try {
      const created = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
        topics: [{ name: "by-id", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      const topicId = created.topics[0].topicId;
      const ask = (version: number, topics: MetadataRequestTopic[] | null) =>
        client.send<MetadataResponse>(ApiKey.Metadata, version, {
          topics,
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
      const byId = await ask(12, [{ topicId, name: null }]);
      assert.equal(byId.topics[0].errorCode, ErrorCode.NONE);
      assert.equal(byId.topics[0].name, "by-id");
      assert.equal(byId.topics[0].partitions.length, 2);
      const unknown = await ask(12, [{ topicId: "AAAAAAAAAAAAAAAAAAAAAQ", name: null }]);
      assert.equal(unknown.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
      for (const version of [10, 11]) {
        const refused = await ask(version, [{ topicId, name: null }]);
        assert.equal(refused.topics[0].errorCode, ErrorCode.INVALID_REQUEST, `v${version}`);
      }
      const invalid = await ask(9, [{ topicId: ZERO_UUID, name: "bad name!" }]);
      assert.equal(invalid.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
      const all = await ask(0, []);
      assert.deepEqual(all.topics.map((topic) => topic.name), ["by-id"]);
      const none = await ask(1, []);
      assert.deepEqual(none.topics, []);
    } finally {
      await client.close();
    }
  });
});
