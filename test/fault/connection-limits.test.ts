// Connection limits on a real broker process, measured from the outside (/proc): 2,000 connections
// against max.connections=500 (the rest refused, the 500 served, memory bounded); per-IP limits
// with max.connections.per.ip.overrides; a client that sends thousands of large-response requests
// and never reads (broker RSS bounded, other clients served); and, in process, queued.max.request.bytes
// wired from config (many large requests at once, all answered).

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrokerChild } from "./broker-child.js";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import type { MetadataResponse } from "../../src/protocol/generated/metadata.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import { FetchRequestCodec } from "../../src/protocol/generated/fetch.js";
import { encodeRecordBatch } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";
import { encodeRequestFrame } from "../fuzz/request-cases.js";

const MIB = 2 ** 20;

function apiVersionsFrame(correlationId: number): Buffer {
  return encodeRequestFrame(ApiKey.ApiVersions, 0, correlationId, "limits", {}).frame;
}

type Fate = "served" | "refused";

/** Connects, sends one ApiVersions request and keeps the socket open if it is answered. */
function probe(port: number, localAddress?: string): Promise<{ fate: Fate; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress });
    let settled = false;
    const settle = (fate: Fate): void => {
      if (settled) return;
      settled = true;
      if (fate === "refused") socket.destroy();
      resolve({ fate, socket });
    };
    socket.on("data", () => settle("served"));
    socket.on("close", () => settle("refused"));
    socket.on("error", () => settle("refused"));
    socket.on("connect", () => socket.write(apiVersionsFrame(1)));
  });
}

async function probeMany(port: number, count: number, localAddress?: string): Promise<{ served: Socket[]; refused: number }> {
  const served: Socket[] = [];
  let refused = 0;
  // Waves keep the listen backlog from overflowing (a dropped SYN is retried a second later).
  const wave = 200;
  for (let start = 0; start < count; start += wave) {
    const results = await Promise.all(Array.from({ length: Math.min(wave, count - start) }, () => probe(port, localAddress)));
    for (const result of results) {
      if (result.fate === "served") served.push(result.socket);
      else refused++;
    }
  }
  return { served, refused };
}

async function metadataWorks(port: number): Promise<void> {
  const client = await KafkaConnection.connect("127.0.0.1", port, { clientId: "good" });
  try {
    const metadata = await client.send<MetadataResponse>(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    assert.equal(metadata.brokers.length, 1);
  } finally {
    await client.close();
  }
}

async function withBrokerChild(config: Record<string, string>, run: (broker: BrokerChild) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-limits-"));
  const broker = new BrokerChild({ dataDir, config });
  try {
    await broker.start();
    await run(broker);
    assert.equal(broker.unexpectedExit, null);
    assert.equal(await broker.stop(), 0);
  } finally {
    await broker.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test("2,000 connections against max.connections=500: 500 served, the rest refused, memory bounded", { timeout: 120_000 }, async () => {
  await withBrokerChild({ "max.connections": "500" }, async (broker) => {
    const before = broker.procStatus();
    const { served, refused } = await probeMany(broker.port, 2000);
    const during = broker.procStatus();
    console.log(
      `${served.length} served, ${refused} refused; broker RSS ${(before.rssBytes / MIB).toFixed(0)} -> ${(during.rssBytes / MIB).toFixed(0)} MiB, ` +
        `${before.fdCount} -> ${during.fdCount} file descriptors`,
    );
    assert.equal(served.length, 500);
    assert.equal(refused, 1500);
    assert.ok(during.rssBytes - before.rssBytes < 128 * MIB, "connections cost a bounded amount of memory each");
    assert.ok(during.fdCount < before.fdCount + 520, "refused connections leave no file descriptors behind");
    assert.ok(broker.logLines().some((line) => line.includes("max.connections reached")), "refusals are logged");
    // The connections held are still served, and a freed slot takes a new client.
    const again = await Promise.all(
      served.slice(0, 50).map(
        (socket, index) =>
          new Promise<boolean>((resolve) => {
            socket.once("data", () => resolve(true));
            socket.once("close", () => resolve(false));
            socket.write(apiVersionsFrame(100 + index));
          }),
      ),
    );
    assert.ok(again.every(Boolean), "accepted connections keep being served");
    for (const socket of served.splice(0, 100)) socket.destroy();
    // The broker frees the slots as it sees the closes; a new client gets one then.
    let accepted: Socket | null = null;
    for (let attempt = 0; attempt < 200 && accepted === null; attempt++) {
      const result = await probe(broker.port);
      if (result.fate === "served") accepted = result.socket;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(accepted !== null, "a freed slot takes a new client");
    accepted.destroy();
    for (const socket of served) socket.destroy();
  });
});

test("max.connections.per.ip with max.connections.per.ip.overrides", { timeout: 60_000 }, async () => {
  await withBrokerChild({ "max.connections.per.ip": "20", "max.connections.per.ip.overrides": "127.0.0.2:50" }, async (broker) => {
    const fromDefault = await probeMany(broker.port, 40, "127.0.0.1");
    const fromOverride = await probeMany(broker.port, 60, "127.0.0.2");
    console.log(`127.0.0.1: ${fromDefault.served.length} served; 127.0.0.2 (override 50): ${fromOverride.served.length} served`);
    assert.equal(fromDefault.served.length, 20);
    assert.equal(fromOverride.served.length, 50);
    for (const socket of [...fromDefault.served, ...fromOverride.served]) socket.destroy();
  });
});

test("a client that asks for gigabytes of responses and never reads them: broker memory stays bounded", { timeout: 120_000 }, async () => {
  await withBrokerChild({}, async (broker) => {
    const topic = "big-responses";
    const admin = await KafkaConnection.connect("127.0.0.1", broker.port);
    const created = await admin.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
    const value = Buffer.alloc(900 * 1024, "x");
    for (let batch = 0; batch < 4; batch++) {
      const produced = await admin.send<ProduceResponse>(ApiKey.Produce, 9, {
        ...ProduceRequestCodec.create(),
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value }] }) }] }],
      });
      assert.equal(produced.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE);
    }
    await admin.close();

    const before = broker.procStatus();
    const requestCount = 2000;
    const fetch = {
      ...FetchRequestCodec.create(),
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 4 * MIB,
      topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 4 * MIB, replicaDirectoryId: ZERO_UUID }] }],
    };
    const frames = Buffer.concat(Array.from({ length: requestCount }, (_, index) => encodeRequestFrame(ApiKey.Fetch, 11, index, "never-reads", fetch).frame));
    const greedy = connect({ host: "127.0.0.1", port: broker.port });
    greedy.on("error", () => undefined);
    await new Promise<void>((resolve) => greedy.once("connect", () => resolve()));
    greedy.pause();
    greedy.write(frames); // ~7 GiB of responses asked for
    // Sample the broker until its memory stops moving.
    let peak = 0;
    let last = -1;
    let stableRounds = 0;
    while (stableRounds < 10) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const rss = broker.procStatus().rssBytes;
      peak = Math.max(peak, rss);
      stableRounds = Math.abs(rss - last) < MIB ? stableRounds + 1 : 0;
      last = rss;
    }
    console.log(`${requestCount} fetches of ~3.5 MiB each asked by a client that does not read: broker RSS ${(before.rssBytes / MIB).toFixed(0)} -> peak ${(peak / MIB).toFixed(0)} MiB`);
    assert.ok(peak - before.rssBytes < 128 * MIB, `broker RSS grew by ${peak - before.rssBytes} bytes`);
    await metadataWorks(broker.port);
    greedy.destroy();
  });
});

test("queued.max.request.bytes from config: many large requests at once are all answered", { timeout: 60_000 }, async () => {
  await withBroker(
    async (broker) => {
      const { host, port } = broker.listeners[0];
      const admin = await KafkaConnection.connect(host, port);
      await admin.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
        topics: [{ name: "pooled", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      await admin.close();
      const value = Buffer.alloc(700 * 1024, "p");
      const clients = await Promise.all(Array.from({ length: 12 }, () => KafkaConnection.connect(host, port)));
      const results = await Promise.all(
        clients.flatMap((client) =>
          [0, 1, 2].map(() =>
            client.send<ProduceResponse>(ApiKey.Produce, 9, {
              ...ProduceRequestCodec.create(),
              acks: 1,
              timeoutMs: 5000,
              topicData: [{ name: "pooled", partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ timestamp: Date.now(), key: null, value }] }) }] }],
            }),
          ),
        ),
      );
      assert.ok(results.every((response) => response.responses[0].partitionResponses[0].errorCode === ErrorCode.NONE));
      await Promise.all(clients.map((client) => client.close()));
    },
    { config: { "queued.max.request.bytes": String(2 * MIB), "socket.request.max.bytes": String(MIB) } },
  );
});
