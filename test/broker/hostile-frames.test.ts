// Bad frames never hurt the broker: random bytes, truncated frames, frames claiming 2 GB, unknown
// api keys and unsupported versions either get UNSUPPORTED_VERSION (ApiVersions) or close only
// the offending connection; a well-behaved client connected at the same time keeps being served,
// and memory does not grow with what bad frames claim.

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import type { ApiVersionsResponse } from "../../src/protocol/generated/api-versions.js";
import type { MetadataResponse } from "../../src/protocol/generated/metadata.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { ApiVersionsResponseCodec } from "../../src/protocol/generated/api-versions.js";

interface RawOutcome {
  readonly closedByBroker: boolean;
  readonly received: Buffer;
}

/** Sends raw bytes on a fresh socket and waits until the broker closes it or answers. */
function sendRaw(host: string, port: number, bytes: Buffer, options: { endAfterWrite?: boolean; waitMs?: number } = {}): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    const received: Buffer[] = [];
    let settled = false;
    const finish = (closedByBroker: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByBroker, received: Buffer.concat(received) });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 2_000);
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") finish(true);
      else if (!settled) reject(error);
    });
    socket.on("connect", () => {
      socket.write(bytes);
      if (options.endAfterWrite === true) socket.end();
    });
  });
}

function requestFrame(apiKey: number, apiVersion: number, body: Buffer = Buffer.alloc(0), flexibleHeader = false): Buffer {
  const writer = new Writer();
  writer.int32(0).int16(apiKey).int16(apiVersion).int32(7).nullableString("hostile");
  if (flexibleHeader) writer.unsignedVarint(0);
  writer.raw(body);
  const frame = writer.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

async function assertStillServing(client: KafkaConnection): Promise<void> {
  const versions = await client.send<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: "test", clientSoftwareVersion: "1" });
  assert.equal(versions.errorCode, ErrorCode.NONE);
  const metadata = await client.send<MetadataResponse>(ApiKey.Metadata, 12, {
    topics: null,
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(metadata.brokers.length, 1);
}

test("malformed frames close only their own connection", async () => {
  await withBroker(async (broker) => {
    const { host, port } = broker.listeners[0];
    const good = await KafkaConnection.connect(host, port, { clientId: "good" });
    try {
      await assertStillServing(good);

      const sizeOnly = (size: number): Buffer => {
        const bytes = Buffer.alloc(4);
        bytes.writeInt32BE(size);
        return bytes;
      };
      const cases: [string, Buffer, { endAfterWrite?: boolean }][] = [
        ["a frame claiming 2 GB", Buffer.concat([sizeOnly(0x7fff_ffff), randomBytes(64)]), {}],
        ["a negative frame size", Buffer.concat([sizeOnly(-5), randomBytes(16)]), {}],
        ["an unknown api key", requestFrame(9999, 0), {}],
        ["an unsupported Metadata version", requestFrame(ApiKey.Metadata, 99), {}],
        ["an unsupported CreateTopics version", requestFrame(ApiKey.CreateTopics, 0), {}],
        ["a header shorter than the api key and version", Buffer.from([0, 0, 0, 2, 0, 3]), {}],
        ["a Metadata body cut short", requestFrame(ApiKey.Metadata, 1, Buffer.from([0, 0, 0, 5, 0])), {}],
        ["an array count of two billion", requestFrame(ApiKey.Metadata, 1, Buffer.from([0x7f, 0xff, 0xff, 0xff])), {}],
        ["a truncated frame then end of stream", Buffer.concat([sizeOnly(100), randomBytes(20)]), { endAfterWrite: true }],
      ];
      for (const [description, bytes, options] of cases) {
        const outcome = await sendRaw(host, port, bytes, options);
        assert.equal(outcome.closedByBroker, true, `${description}: the broker should close the connection`);
        assert.equal(outcome.received.length, 0, `${description}: no response expected`);
        await assertStillServing(good);
      }
    } finally {
      await good.close();
    }
  });
});

test("an unsupported ApiVersions version is answered in v0 with UNSUPPORTED_VERSION", async () => {
  await withBroker(async (broker) => {
    const { host, port } = broker.listeners[0];
    // A future client sends a flexible request header (v2): client id, then an empty tag section.
    const outcome = await sendRaw(host, port, requestFrame(ApiKey.ApiVersions, 77, Buffer.from([0]), true), { waitMs: 500 });
    assert.ok(outcome.received.length > 4, "expected a response");
    const reader = new Reader(outcome.received, 4);
    assert.equal(reader.int32(), 7, "correlation id");
    const response = ApiVersionsResponseCodec.decode(reader, 0);
    assert.equal(response.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(response.apiKeys, [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }]);
  });
});

test("random frames leave memory flat and the broker serving", async () => {
  await withBroker(async (broker) => {
    const { host, port } = broker.listeners[0];
    const good = await KafkaConnection.connect(host, port, { clientId: "good" });
    try {
      const heapBeforeBytes = process.memoryUsage().heapUsed;
      const rounds = 300;
      for (let round = 0; round < rounds; round++) {
        const body = randomBytes(1 + (round % 200));
        // Half the frames claim a size far beyond what is sent, half are random bodies of a known api.
        const frame =
          round % 2 === 0
            ? Buffer.concat([Buffer.from([0x40, 0, 0, 0]), body])
            : requestFrame(round % 70, round % 13, body);
        await sendRaw(host, port, frame, { endAfterWrite: true, waitMs: 300 });
        if (round % 50 === 0) await assertStillServing(good);
      }
      await assertStillServing(good);
      const growthBytes = process.memoryUsage().heapUsed - heapBeforeBytes;
      console.log(`heap growth after ${rounds} hostile connections: ${(growthBytes / 1024 / 1024).toFixed(1)} MiB`);
      // A broker that allocated what frames claim would have tried to allocate ~1 GiB per frame.
      assert.ok(growthBytes < 64 * 1024 * 1024, `heap grew by ${growthBytes} bytes`);
    } finally {
      await good.close();
    }
  });
});
