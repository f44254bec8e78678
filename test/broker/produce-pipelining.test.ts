// Produce requests pipelined on one connection against a broker on disk: the broker overlaps
// them (a request starts once the appends of the one before it are queued) and reuses the
// buffers large request frames were assembled in once their appends are written. What a client
// must see: offsets in request order, sequence numbers checked in that order, responses in that
// order, and every stored byte equal to what was sent, even though the next frames were received
// into reused buffers while earlier writes were still in flight.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import { FetchRequestCodec, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import type { InitProducerIdResponse } from "../../src/protocol/generated/init-producer-id.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { decodeRecordBatch, encodeRecordBatch, recordBatches } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";

const TOPIC = "pipelined";
const REQUESTS = 60;
const RECORDS_PER_BATCH = 20;
/** ~10 KB values: 200 KB batches, so every request frame spans many socket reads and is pooled. */
const VALUE_BYTES = 10_000;

/** A value no other record shares: request, record and a position-dependent fill. */
function valueOf(request: number, record: number): Buffer {
  const value = Buffer.alloc(VALUE_BYTES);
  for (let index = 0; index < VALUE_BYTES; index += 4) value.writeUInt32BE(((request * 1_000_003) ^ (record * 7_919) ^ index) >>> 0, index);
  return value;
}

test("pipelined Produce requests keep their order, their sequences and every byte", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "tributary-pipelined-"));
  try {
    await withBroker(
      async (broker) => {
        const { host, port } = broker.listeners[0];
        const client = await KafkaConnection.connect(host, port);
        try {
          const created = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
            topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
            timeoutMs: 5000,
            validateOnly: false,
          });
          assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
          const producer = await client.send<InitProducerIdResponse>(ApiKey.InitProducerId, 4, {
            transactionalId: null,
            transactionTimeoutMs: 60_000,
            producerId: -1,
            producerEpoch: -1,
          });
          assert.equal(producer.errorCode, ErrorCode.NONE);

          // Every request sent before any is answered; acks alternate between 1 and all.
          const responses = Array.from({ length: REQUESTS }, (_, request) =>
            client.send<ProduceResponse>(ApiKey.Produce, 9, {
              ...ProduceRequestCodec.create(),
              acks: request % 2 === 0 ? 1 : -1,
              timeoutMs: 30_000,
              topicData: [
                {
                  name: TOPIC,
                  partitionData: [
                    {
                      index: 0,
                      records: encodeRecordBatch({
                        producerId: Number(producer.producerId),
                        producerEpoch: producer.producerEpoch,
                        baseSequence: request * RECORDS_PER_BATCH,
                        records: Array.from({ length: RECORDS_PER_BATCH }, (_, record) => ({ timestamp: Date.now(), key: null, value: valueOf(request, record) })),
                      }),
                    },
                  ],
                },
              ],
            }),
          );
          const answered = await Promise.all(responses);
          answered.forEach((response, request) => {
            const partition = response.responses[0].partitionResponses[0];
            assert.equal(partition.errorCode, ErrorCode.NONE, `request ${request}: ${partition.errorMessage ?? ""}`);
            assert.equal(Number(partition.baseOffset), request * RECORDS_PER_BATCH, `request ${request} got the offsets after the request before it`);
          });

          let offset = 0;
          while (offset < REQUESTS * RECORDS_PER_BATCH) {
            const fetched = await client.send<FetchResponse>(ApiKey.Fetch, 12, {
              ...FetchRequestCodec.create(),
              replicaId: -1,
              maxWaitMs: 0,
              minBytes: 1,
              maxBytes: 4 << 20,
              sessionEpoch: -1,
              topics: [{ topic: TOPIC, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 4 << 20, replicaDirectoryId: ZERO_UUID }] }],
            });
            const data = fetched.responses[0].partitions[0];
            assert.equal(data.errorCode, ErrorCode.NONE);
            const chunk = data.records as Buffer;
            assert.ok(chunk !== null && chunk.length > 0, `records at offset ${offset}`);
            for (const slice of recordBatches(chunk)) {
              const batch = decodeRecordBatch(slice.batch, { maxDecompressedBytes: 1 << 24 });
              for (const record of batch.records) {
                const recordOffset = batch.header.baseOffset + record.offsetDelta;
                if (recordOffset < offset) continue;
                const request = Math.floor(recordOffset / RECORDS_PER_BATCH);
                assert.ok(record.value?.equals(valueOf(request, recordOffset % RECORDS_PER_BATCH)), `offset ${recordOffset} holds what request ${request} sent`);
                offset = recordOffset + 1;
              }
            }
          }
          assert.equal(offset, REQUESTS * RECORDS_PER_BATCH);
        } finally {
          await client.close();
        }
      },
      { storage: "disk", dataDir },
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
