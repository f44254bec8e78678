// Idempotence over the wire with our own KafkaConnection, for what no client shows directly:
// InitProducerId in every version (v0-1 classic, v2+ flexible, v3+ with producer id/epoch), its
// refusals, ids never handed out twice (also across a restart: blocks are reserved in the
// metadata store), ApiVersions advertising InitProducerId from v0 (librdkafka's feature check),
// and Produce answers: a batch resent with the same producer id, epoch and sequence acknowledged
// with the original offset and stored once, a gap OUT_OF_ORDER_SEQUENCE_NUMBER, a fenced epoch
// INVALID_PRODUCER_EPOCH.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withBroker } from "../helpers/broker.js";
import { startBroker } from "../../src/index.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { ProduceRequestCodec, type PartitionProduceResponse, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import { FetchRequestCodec, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import type { InitProducerIdResponse } from "../../src/protocol/generated/init-producer-id.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { decodeRecordBatch, encodeRecordBatch, recordBatches } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";
import { PRODUCER_ID_BLOCK_SIZE } from "../../src/coordinator/txn/index.js";

async function connect(bootstrap: { host: string; port: number }): Promise<KafkaConnection> {
  return KafkaConnection.connect(bootstrap.host, bootstrap.port);
}

async function initProducerId(
  client: KafkaConnection,
  version: number,
  request: { transactionalId?: string | null; producerId?: number; producerEpoch?: number } = {},
): Promise<InitProducerIdResponse> {
  return client.send<InitProducerIdResponse>(ApiKey.InitProducerId, version, {
    transactionalId: request.transactionalId ?? null,
    transactionTimeoutMs: 60_000,
    producerId: request.producerId ?? -1,
    producerEpoch: request.producerEpoch ?? -1,
  });
}

async function createTopic(client: KafkaConnection, name: string): Promise<void> {
  const response = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(response.topics[0].errorCode, ErrorCode.NONE);
}

function idempotentBatch(producerId: number, producerEpoch: number, baseSequence: number, values: readonly string[]): Buffer {
  return encodeRecordBatch({ producerId, producerEpoch, baseSequence, records: values.map((value) => ({ timestamp: Date.now(), key: null, value: Buffer.from(value) })) });
}

async function produce(client: KafkaConnection, topic: string, records: Buffer, version = 9): Promise<PartitionProduceResponse> {
  const response = await client.send<ProduceResponse>(ApiKey.Produce, version, {
    ...ProduceRequestCodec.create(),
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return response.responses[0].partitionResponses[0];
}

async function readValues(client: KafkaConnection, topic: string): Promise<string[]> {
  const response = await client.send<FetchResponse>(ApiKey.Fetch, 11, {
    ...FetchRequestCodec.create(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID }] }],
  });
  const partition = response.responses[0].partitions[0];
  assert.equal(partition.errorCode, ErrorCode.NONE);
  const bytes = Buffer.isBuffer(partition.records) ? partition.records : Buffer.concat(partition.records ?? []);
  const values: string[] = [];
  for (const slice of recordBatches(bytes)) for (const record of decodeRecordBatch(slice.batch, { maxDecompressedBytes: 1 << 24 }).records) values.push(record.value!.toString("utf8"));
  return values;
}

test("ApiVersions advertises InitProducerId 0-5 (librdkafka < 2.11 needs v0 in the range for idempotence)", async () => {
  await withBroker(async (broker) => {
    const client = await connect(broker.listeners[0]);
    try {
      const versions = await client.send<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: "test", clientSoftwareVersion: "1" });
      const entry = versions.apiKeys.find((key) => key.apiKey === ApiKey.InitProducerId);
      assert.deepEqual(entry && { min: entry.minVersion, max: entry.maxVersion }, { min: 0, max: 5 });
    } finally {
      await client.close();
    }
  });
});

test("InitProducerId v0-5 hands out distinct ids at epoch 0; refusals follow Kafka", async () => {
  await withBroker(async (broker) => {
    const client = await connect(broker.listeners[0]);
    try {
      const seen = new Set<number>();
      for (let version = 0; version <= 5; version += 1) {
        const response = await initProducerId(client, version);
        assert.equal(response.errorCode, ErrorCode.NONE, `v${version}`);
        assert.equal(response.producerEpoch, 0);
        assert.ok(response.producerId >= 0);
        seen.add(response.producerId);
      }
      assert.equal(seen.size, 6);
      // KIP-360 form (v3+) from an idempotent producer: Kafka answers with a fresh id at epoch 0.
      const [known] = seen;
      const bumped = await initProducerId(client, 4, { producerId: known, producerEpoch: 3 });
      assert.equal(bumped.errorCode, ErrorCode.NONE);
      assert.ok(!seen.has(bumped.producerId));
      assert.equal(bumped.producerEpoch, 0);
      // A producer id without its epoch (or the reverse) is malformed.
      assert.equal((await initProducerId(client, 4, { producerId: known })).errorCode, ErrorCode.INVALID_REQUEST);
      assert.equal((await initProducerId(client, 4, { producerEpoch: 2 })).errorCode, ErrorCode.INVALID_REQUEST);
      // Transactions are not served: a clear, final error rather than endless retries.
      const transactional = await initProducerId(client, 1, { transactionalId: "orders-tx" });
      assert.equal(transactional.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      assert.equal(transactional.producerId, -1);
      assert.equal(transactional.producerEpoch, -1);
      assert.equal((await initProducerId(client, 3, { transactionalId: "" })).errorCode, ErrorCode.INVALID_REQUEST);
    } finally {
      await client.close();
    }
  });
});

test("producer ids are never handed out twice, even after a restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-pid-"));
  try {
    const before: number[] = [];
    const first = await startBroker({ port: 0, storage: "disk", dataDir });
    try {
      const client = await connect(first.listeners[0]);
      for (let index = 0; index < 5; index += 1) before.push((await initProducerId(client, 4)).producerId);
      await client.close();
    } finally {
      await first.close();
    }
    const second = await startBroker({ port: 0, storage: "disk", dataDir });
    try {
      const client = await connect(second.listeners[0]);
      const after = (await initProducerId(client, 4)).producerId;
      await client.close();
      assert.ok(after > Math.max(...before), `${after} after ${before.join(",")}`);
      assert.equal(after % PRODUCER_ID_BLOCK_SIZE, 0, "the restart starts a fresh block");
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a batch resent with the same producer id, epoch and sequence is acknowledged with its original offset and stored once", async () => {
  await withBroker(async (broker) => {
    const client = await connect(broker.listeners[0]);
    try {
      await createTopic(client, "dups");
      const { producerId } = await initProducerId(client, 4);
      const first = idempotentBatch(producerId, 0, 0, ["a", "b", "c"]);
      const resend = Buffer.from(first);
      const ack = await produce(client, "dups", first);
      assert.equal(ack.errorCode, ErrorCode.NONE);
      assert.equal(ack.baseOffset, 0);
      assert.equal((await produce(client, "dups", idempotentBatch(producerId, 0, 3, ["d"]))).baseOffset, 3);
      // The same bytes again (a retry after a lost answer), over Produce v9 and v3.
      for (const version of [9, 3]) {
        const again = await produce(client, "dups", Buffer.from(resend), version);
        assert.equal(again.errorCode, ErrorCode.NONE, `v${version}`);
        assert.equal(again.baseOffset, 0, `v${version}`);
      }
      assert.equal((await produce(client, "dups", idempotentBatch(producerId, 0, 4, ["e"]))).baseOffset, 4);
      assert.deepEqual(await readValues(client, "dups"), ["a", "b", "c", "d", "e"]);

      // A gap in the sequence, then a zombie with an older epoch after an epoch bump.
      const gap = await produce(client, "dups", idempotentBatch(producerId, 0, 9, ["x"]));
      assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      assert.equal(gap.baseOffset, -1);
      assert.equal((await produce(client, "dups", idempotentBatch(producerId, 1, 0, ["f"]))).baseOffset, 5);
      const zombie = await produce(client, "dups", idempotentBatch(producerId, 0, 5, ["y"]));
      assert.equal(zombie.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
      assert.deepEqual(await readValues(client, "dups"), ["a", "b", "c", "d", "e", "f"]);
    } finally {
      await client.close();
    }
  });
});
