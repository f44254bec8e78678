// Several listeners: each is bound (port 0 picks a free port), each advertises its own endpoint
// (advertised.listeners, or the bound address), and Metadata answers a client with the brokers'
// endpoints on the listener that client connected to.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { MetadataResponse } from "../../src/protocol/generated/metadata.js";

async function brokersSeenVia(host: string, port: number): Promise<{ host: string; port: number }[]> {
  const client = await KafkaConnection.connect(host, port);
  try {
    const metadata = await client.send<MetadataResponse>(ApiKey.Metadata, 12, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return metadata.brokers.map((broker) => ({ host: broker.host, port: broker.port }));
  } finally {
    await client.close();
  }
}

test("each listener advertises its own endpoint", async () => {
  await withBroker(
    async (broker) => {
      assert.deepEqual(
        broker.listeners.map((listener) => listener.name),
        ["CLIENT", "INTERNAL"],
      );
      const [client, internal] = broker.listeners;
      assert.notEqual(client.port, 0);
      assert.notEqual(internal.port, 0);
      assert.deepEqual(await brokersSeenVia(client.host, client.port), [{ host: "127.0.0.1", port: client.port }]);
      // INTERNAL is advertised under another name, with the bound port since 0 was configured.
      assert.deepEqual(await brokersSeenVia(internal.host, internal.port), [{ host: "localhost", port: internal.port }]);
    },
    {
      config: {
        listeners: "CLIENT://127.0.0.1:0,INTERNAL://127.0.0.1:0",
        "advertised.listeners": "CLIENT://127.0.0.1:0,INTERNAL://localhost:0",
        "listener.security.protocol.map": "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT",
        "inter.broker.listener.name": "INTERNAL",
      },
    },
  );
});
