// A full disk seen through the broker: produce answers KAFKA_STORAGE_ERROR and the broker keeps
// serving reads; once space returns, produce works again and nothing half-written shows up.
// An I/O error (EIO) takes the log directory offline: its partitions answer KAFKA_STORAGE_ERROR.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { MemoryFileSystem } from "../../src/storage/index.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import { FetchRequestCodec, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { encodeRecordBatch, recordBatches } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";

async function produce(client: KafkaConnection, value: string): Promise<{ errorCode: number; baseOffset: number }> {
  const records = encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value: Buffer.from(value) }] });
  const response = await client.send<ProduceResponse>(ApiKey.Produce, 9, {
    ...ProduceRequestCodec.create(),
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: "disk", partitionData: [{ index: 0, records }] }],
  });
  return response.responses[0].partitionResponses[0];
}

async function countRecords(client: KafkaConnection): Promise<{ errorCode: number; batches: number; highWatermark: number }> {
  const response = await client.send<FetchResponse>(ApiKey.Fetch, 11, {
    ...FetchRequestCodec.create(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic: "disk", topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
  });
  const partition = response.responses[0].partitions[0];
  const bytes = Buffer.isBuffer(partition.records) ? partition.records : Buffer.concat(partition.records ?? []);
  return { errorCode: partition.errorCode, batches: [...recordBatches(bytes)].length, highWatermark: partition.highWatermark };
}

test("a full disk fails appends with KAFKA_STORAGE_ERROR, keeps reads going, and recovers when space returns", async () => {
  const fs = new MemoryFileSystem();
  await withBroker(
    async (broker) => {
      const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
      try {
        const created = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
          topics: [{ name: "disk", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
          timeoutMs: 5000,
          validateOnly: false,
        });
        assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
        assert.equal((await produce(client, "before")).errorCode, ErrorCode.NONE);

        fs.setCapacityBytes(fs.usedDataBytes);
        assert.equal((await produce(client, "while full")).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
        const duringFull = await countRecords(client);
        assert.deepEqual(duringFull, { errorCode: ErrorCode.NONE, batches: 1, highWatermark: 1 });

        fs.setCapacityBytes(null);
        const after = await produce(client, "after");
        assert.equal(after.errorCode, ErrorCode.NONE);
        assert.equal(after.baseOffset, 1, "the failed append left nothing behind");
        assert.deepEqual(await countRecords(client), { errorCode: ErrorCode.NONE, batches: 2, highWatermark: 2 });
      } finally {
        await client.close();
      }
    },
    { fileSystem: fs },
  );
});

test("an I/O error takes the log directory offline; its partitions answer KAFKA_STORAGE_ERROR", async () => {
  const fs = new MemoryFileSystem();
  await withBroker(
    async (broker) => {
      const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
      try {
        await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
          topics: [{ name: "disk", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
          timeoutMs: 5000,
          validateOnly: false,
        });
        fs.injectFault({ code: "EIO", pathPrefix: "/data" });
        assert.equal((await produce(client, "x")).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
        fs.clearFaults();
        // Offline stays offline until restart, as in Kafka.
        assert.equal((await produce(client, "y")).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
        assert.equal((await countRecords(client)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      } finally {
        await client.close();
      }
    },
    { fileSystem: fs, config: { "log.dirs": "/data" } },
  );
});
