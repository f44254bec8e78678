// Pipelined requests are answered in order on each connection; a client that stops reading its
// responses gets no more of its requests read (backpressure) but loses nothing; idle connections
// are closed after connections.max.idle.ms.

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { withBroker } from "../helpers/broker.js";
import { createTopicsWithKafkajs } from "../helpers/kafkajs.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { writeRequestHeader } from "../../src/protocol/headers.js";
import { MetadataRequestCodec } from "../../src/protocol/generated/metadata.js";

const TOPIC_NAMES = Array.from({ length: 60 }, (_, index) => `pipelined-topic-with-a-long-name-${index}`);

/** A Metadata v1 request naming every test topic: a few KB per request and per response. */
function metadataFrame(correlationId: number): Buffer {
  const writer = new Writer();
  writer.int32(0);
  writeRequestHeader(writer, { requestApiKey: ApiKey.Metadata, requestApiVersion: 1, correlationId, clientId: "pipeline" });
  const topics = TOPIC_NAMES.map((name) => ({ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name }));
  MetadataRequestCodec.encode(writer, 1, { ...MetadataRequestCodec.create(), topics });
  const frame = writer.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

test("a client that does not read its responses is paused, then served in order", async () => {
  await withBroker(async (broker) => {
    const { host, port } = broker.listeners[0];
    // Thousands of requests and responses of a few KB: far more than the sockets' kernel buffers hold.
    await createTopicsWithKafkajs(broker.bootstrap, TOPIC_NAMES.map((topic) => ({ topic, numPartitions: 2 })));
    const requestCount = 5_000;
    const socket = connect({ host, port });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.pause();
    // Queue all requests at once: far more than the broker reads before it pauses the connection.
    const frames: Buffer[] = [];
    for (let id = 1; id <= requestCount; id++) frames.push(metadataFrame(id));
    socket.write(Buffer.concat(frames));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // While we do not read, the broker must stop reading too, so our requests wait in our buffers.
    assert.ok(socket.writableLength > 0, "the broker should have stopped reading from a client that does not read");

    const correlationIds: number[] = [];
    let pending = Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      socket.on("data", (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const size = pending.readInt32BE(0);
          correlationIds.push(pending.readInt32BE(4));
          pending = pending.subarray(4 + size);
        }
        if (correlationIds.length === requestCount) resolve();
      });
      socket.on("error", reject);
      socket.resume();
    });
    socket.destroy();
    assert.equal(correlationIds.length, requestCount);
    for (let index = 0; index < requestCount; index++) assert.equal(correlationIds[index], index + 1);
  });
});

test("connections idle for connections.max.idle.ms are closed", async () => {
  await withBroker(
    async (broker) => {
      const { host, port } = broker.listeners[0];
      const socket = connect({ host, port });
      const closedAfterMs = await new Promise<number>((resolve) => {
        const begin = Date.now();
        socket.on("close", () => resolve(Date.now() - begin));
        socket.on("error", () => undefined);
      });
      assert.ok(closedAfterMs >= 100, `closed after ${closedAfterMs} ms`);
    },
    { config: { "connections.max.idle.ms": "200" } },
  );
});
