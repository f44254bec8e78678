// A long-polling fetch is answered by the append that satisfies it, not by its timeout and not by
// a polling timer. The delay between the produce acknowledgement and the fetch answer is printed
// for the record; only the loose bound "long before max_wait_ms" is asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { FetchRequestCodec, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { encodeRecordBatch } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";

const MAX_WAIT_MS = 5_000;

test("a fetch waiting up to 5 s returns as soon as a produce lands", async () => {
  await withBroker(async (broker) => {
    const { host, port } = broker.listeners[0];
    const consumer = await KafkaConnection.connect(host, port, { clientId: "long-poll-consumer" });
    const producer = await KafkaConnection.connect(host, port, { clientId: "long-poll-producer" });
    try {
      const created = await producer.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
        topics: [{ name: "long-poll", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5_000,
        validateOnly: false,
      });
      assert.equal(created.topics[0].errorCode, 0);

      const fetchStartMs = performance.now();
      const fetched = consumer.send<FetchResponse>(ApiKey.Fetch, 11, {
        ...FetchRequestCodec.create(),
        replicaId: -1,
        maxWaitMs: MAX_WAIT_MS,
        minBytes: 1,
        maxBytes: 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: "long-poll",
            topicId: ZERO_UUID,
            partitions: [
              { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024 * 1024, replicaDirectoryId: ZERO_UUID },
            ],
          },
        ],
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const batch = encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from("wake up") }] });
      const produced = await producer.send<ProduceResponse>(ApiKey.Produce, 9, {
        ...ProduceRequestCodec.create(),
        acks: 1,
        timeoutMs: 5_000,
        topicData: [{ name: "long-poll", partitionData: [{ index: 0, records: batch }] }],
      });
      const producedAtMs = performance.now();
      assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
      const response = await fetched;
      const answeredAtMs = performance.now();
      const partition = response.responses[0].partitions[0];
      assert.equal(partition.errorCode, 0);
      assert.equal(partition.highWatermark, 1);
      assert.ok(Buffer.isBuffer(partition.records) && partition.records.length > 0, "the fetch carries the new batch");
      const waitedMs = answeredAtMs - fetchStartMs;
      console.log(`fetch answered ${(answeredAtMs - producedAtMs).toFixed(1)} ms after the produce ack (waited ${waitedMs.toFixed(0)} ms)`);
      assert.ok(waitedMs < MAX_WAIT_MS - 1_000, `the fetch waited ${waitedMs} ms, close to its ${MAX_WAIT_MS} ms timeout`);
    } finally {
      await consumer.close();
      await producer.close();
    }
  });
});

test("a fetch with nothing to return waits max_wait_ms and returns empty records, not null", async () => {
  await withBroker(async (broker) => {
    const { host, port } = broker.listeners[0];
    const client = await KafkaConnection.connect(host, port);
    try {
      await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
        topics: [{ name: "quiet", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5_000,
        validateOnly: false,
      });
      const startMs = performance.now();
      const response = await client.send<FetchResponse>(ApiKey.Fetch, 4, {
        ...FetchRequestCodec.create(),
        replicaId: -1,
        maxWaitMs: 300,
        minBytes: 1,
        maxBytes: 1024,
        topics: [
          {
            topic: "quiet",
            topicId: ZERO_UUID,
            partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024, replicaDirectoryId: ZERO_UUID }],
          },
        ],
      });
      assert.ok(performance.now() - startMs >= 250, "the fetch should have waited for data");
      const partition = response.responses[0].partitions[0];
      assert.equal(partition.errorCode, 0);
      assert.ok(Buffer.isBuffer(partition.records) && partition.records.length === 0, "empty records, not null");
    } finally {
      await client.close();
    }
  });
});
