// Fetch responses are sent as views of the buffers the broker read the log into, and those
// buffers are pooled: they go back once the response has been handed to the kernel. A client that
// reads its response slowly keeps part of it queued in the broker, still pointing into those
// buffers, while other connections fetch; if a buffer went back too early, the next read would
// overwrite what the slow client has yet to receive. This test holds a large response unread,
// runs fetches of other data on a second connection, then reads the first response and checks
// every byte.

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import { FetchRequestCodec, FetchResponseCodec, type FetchRequest, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { decodeRecordBatch, encodeRecordBatch, recordBatches } from "../../src/protocol/records/index.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { readResponseHeader, writeRequestHeader } from "../../src/protocol/headers.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";

const TOPIC = "reuse";
const FETCH_VERSION = 12;
const BATCHES_PER_PARTITION = 50;
const RECORDS_PER_BATCH = 10;
const VALUE_BYTES = 10_000;
/**
 * 5 MB per partition, each read into its own pooled buffer (within the pool's idle bound, so it
 * can be reused); the slow client asks for three, more than the kernel's loopback socket buffers
 * hold, so the last stays queued in the broker.
 */
const SLOW_PARTITIONS = [0, 1, 2];
const FAST_PARTITION = 3;

function valueOf(partition: number, offset: number): Buffer {
  const value = Buffer.alloc(VALUE_BYTES);
  for (let index = 0; index < VALUE_BYTES; index += 4) value.writeUInt32BE(((partition + 1) * 2_654_435_761 + offset * 40_503 + index) >>> 0, index);
  return value;
}

function fetchRequest(partitions: readonly number[], fetchOffset: number): FetchRequest {
  return {
    ...FetchRequestCodec.create(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 64 << 20,
    sessionEpoch: -1,
    topics: [
      {
        topic: TOPIC,
        topicId: ZERO_UUID,
        partitions: partitions.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 8 << 20, replicaDirectoryId: ZERO_UUID })),
      },
    ],
  };
}

/** Checks that a fetched partition holds exactly what was produced from fetchOffset on; returns the records seen. */
function checkRecords(response: FetchResponse, partition: number, fetchOffset: number): number {
  const data = response.responses[0].partitions.find((candidate) => candidate.partitionIndex === partition)!;
  assert.equal(data.errorCode, ErrorCode.NONE);
  const chunks = data.records === null ? [] : Buffer.isBuffer(data.records) ? [data.records] : data.records;
  let seen = 0;
  for (const chunk of chunks) {
    for (const slice of recordBatches(chunk)) {
      const batch = decodeRecordBatch(slice.batch, { maxDecompressedBytes: 1 << 24 });
      for (const record of batch.records) {
        const offset = batch.header.baseOffset + record.offsetDelta;
        if (offset < fetchOffset) continue;
        assert.ok(record.value?.equals(valueOf(partition, offset)), `partition ${partition} offset ${offset} arrived intact`);
        seen++;
      }
    }
  }
  return seen;
}

/** A Fetch request written on a raw socket, whose answer is read only when the test says so. */
function sendRawFetch(socket: Socket, request: FetchRequest): void {
  const writer = new Writer();
  writer.int32(0);
  writeRequestHeader(writer, { requestApiKey: ApiKey.Fetch, requestApiVersion: FETCH_VERSION, correlationId: 7, clientId: "slow-reader" });
  FetchRequestCodec.encode(writer, FETCH_VERSION, request);
  const frame = writer.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  socket.write(frame);
}

function readRawResponse(socket: Socket): Promise<FetchResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const whole = Buffer.concat(chunks);
      const size = whole.readInt32BE(0);
      if (whole.length < 4 + size) return;
      socket.off("data", onData);
      const reader = new Reader(whole.subarray(4, 4 + size));
      readResponseHeader(reader, ApiKey.Fetch, FETCH_VERSION);
      resolve(FetchResponseCodec.decode(reader, FETCH_VERSION));
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.resume();
  });
}

test("a fetch response still queued for a slow client is not overwritten by other fetches", async () => {
  await withBroker(async (broker) => {
    const { host, port } = broker.listeners[0];
    const client = await KafkaConnection.connect(host, port);
    try {
      const created = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
        topics: [{ name: TOPIC, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
      for (let batch = 0; batch < BATCHES_PER_PARTITION; batch++) {
        const response = await client.send<ProduceResponse>(ApiKey.Produce, 9, {
          ...ProduceRequestCodec.create(),
          acks: 1,
          timeoutMs: 5000,
          topicData: [
            {
              name: TOPIC,
              partitionData: [0, 1, 2, 3].map((partition) => ({
                index: partition,
                records: encodeRecordBatch({
                  records: Array.from({ length: RECORDS_PER_BATCH }, (_, record) => ({ timestamp: Date.now(), key: null, value: valueOf(partition, batch * RECORDS_PER_BATCH + record) })),
                }),
              })),
            },
          ],
        });
        for (const partition of response.responses[0].partitionResponses) assert.equal(partition.errorCode, ErrorCode.NONE);
      }

      // The slow client asks for all of three partitions and does not read the answer yet.
      const slow = connect({ host, port });
      await new Promise<void>((resolve) => slow.once("connect", () => resolve()));
      slow.pause();
      sendRawFetch(slow, fetchRequest(SLOW_PARTITIONS, 0));
      // Its response is read into pooled buffers and written as far as the kernel takes it; the
      // rest waits in the broker. Other fetches now read another partition, again and again.
      for (let round = 0; round < 10; round++) {
        const fetched = await client.send<FetchResponse>(ApiKey.Fetch, FETCH_VERSION, fetchRequest([FAST_PARTITION], round * 7));
        assert.equal(checkRecords(fetched, FAST_PARTITION, round * 7), BATCHES_PER_PARTITION * RECORDS_PER_BATCH - round * 7);
      }
      const slowResponse = await readRawResponse(slow);
      for (const partition of SLOW_PARTITIONS) assert.equal(checkRecords(slowResponse, partition, 0), BATCHES_PER_PARTITION * RECORDS_PER_BATCH, `all of partition ${partition}`);
      slow.destroy();
    } finally {
      await client.close();
    }
  });
});
