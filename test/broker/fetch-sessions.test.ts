// Incremental fetch sessions (KIP-227) and topic ids in Fetch v13+, driven at the protocol level
// the way the Java client uses them: a full fetch opens a session, incremental fetches carry only
// changes, and responses carry only partitions with news.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { FetchRequestCodec, type FetchRequest, type FetchResponse, type FetchTopic } from "../../src/protocol/generated/fetch.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import type { MetadataResponse } from "../../src/protocol/generated/metadata.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { encodeRecordBatch } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";

function fetchTopic(topic: string, topicId: string, offsets: number[]): FetchTopic {
  return {
    topic,
    topicId,
    partitions: offsets.map((fetchOffset, partition) => ({
      partition,
      currentLeaderEpoch: -1,
      fetchOffset,
      lastFetchedEpoch: -1,
      logStartOffset: -1,
      partitionMaxBytes: 65536,
      replicaDirectoryId: ZERO_UUID,
    })),
  };
}

function fetchRequest(sessionId: number, sessionEpoch: number, topics: FetchTopic[]): FetchRequest {
  return { ...FetchRequestCodec.create(), replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId, sessionEpoch, topics };
}

async function produce(client: KafkaConnection, topic: string, partition: number, value: string): Promise<void> {
  const batch = encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from(value) }] });
  const response = await client.send<ProduceResponse>(ApiKey.Produce, 9, {
    ...ProduceRequestCodec.create(),
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  assert.equal(response.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
}

const partitionsOf = (response: FetchResponse): number[] =>
  response.responses.flatMap((topic) => topic.partitions.map((partition) => partition.partitionIndex)).sort();

for (const version of [12, 13, 17]) {
  test(`Fetch v${version}: a session carries only partitions with news`, async () => {
    await withBroker(async (broker) => {
      const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
      try {
        await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
          topics: [{ name: "sessions", numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
          timeoutMs: 5000,
          validateOnly: false,
        });
        const metadata = await client.send<MetadataResponse>(ApiKey.Metadata, 12, {
          topics: [{ topicId: ZERO_UUID, name: "sessions" }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
        const topicId = metadata.topics[0].topicId;
        assert.notEqual(topicId, ZERO_UUID);
        await produce(client, "sessions", 1, "one");

        const full = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(0, 0, [fetchTopic("sessions", topicId, [0, 0, 0])]));
        assert.equal(full.errorCode, ErrorCode.NONE);
        assert.ok(full.sessionId > 0, "a full fetch with epoch 0 opens a session");
        assert.deepEqual(partitionsOf(full), [0, 1, 2], "a full response lists every partition");
        if (version >= 13) assert.equal(full.responses[0].topicId, topicId);

        // The client consumed partition 1's record and says so; nothing else changed: an empty answer.
        const update = fetchTopic("sessions", topicId, []);
        update.partitions.push({ ...fetchTopic("sessions", topicId, [0, 1]).partitions[1] });
        const quiet = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(full.sessionId, 1, [update]));
        assert.equal(quiet.errorCode, ErrorCode.NONE);
        assert.deepEqual(partitionsOf(quiet), []);

        // Partition 2 gets new data: an incremental fetch that names nothing still hears about it.
        await produce(client, "sessions", 2, "two");
        const news = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(full.sessionId, 2, []));
        assert.deepEqual(partitionsOf(news), [2], "only the partition with new records is listed");
        // The session remembered partition 1's new offset: it is not listed again.
        const again = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(full.sessionId, 3, []));
        assert.deepEqual(partitionsOf(again), [2], "partition 2 is still served from offset 0 until the client moves it");

        const stale = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(full.sessionId, 3, []));
        assert.equal(stale.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
        const unknown = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(987654, 1, []));
        assert.equal(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

        // Closing the session (epoch -1) makes it unknown afterwards.
        const closed = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(full.sessionId, -1, []));
        assert.equal(closed.sessionId, 0);
        const gone = await client.send<FetchResponse>(ApiKey.Fetch, version, fetchRequest(full.sessionId, 4, []));
        assert.equal(gone.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      } finally {
        await client.close();
      }
    });
  });
}

test("Fetch v13 with an unknown topic id answers UNKNOWN_TOPIC_ID for it", async () => {
  await withBroker(async (broker) => {
    const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
    try {
      const response = await client.send<FetchResponse>(ApiKey.Fetch, 13, fetchRequest(0, -1, [fetchTopic("", "AAAAAAAAAAAAAAAAAAAAAQ", [0])]));
      assert.equal(response.responses[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    } finally {
      await client.close();
    }
  });
});
