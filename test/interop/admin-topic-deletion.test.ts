// Deleting a topic while consumers read it, and re-creating it: a fetch waiting on the topic is
// answered with UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID for a fetch by topic id) as soon as
// the topic is deleted, and the topic created again under the same name has a new topic id and
// starts empty. Records go in and out with kcat (librdkafka); the admin side is kafkajs; fetches
// and metadata are sent with our protocol client so that error codes and topic ids are visible.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { kafkaClient } from "../helpers/kafkajs.js";
import { describeFailure, runKcat } from "../helpers/processes.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { FetchRequestCodec, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import type { MetadataResponse } from "../../src/protocol/generated/metadata.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";
import type { BrokerHandle } from "../../src/index.js";

const TOPIC = "doomed";
/** Long enough that an answer before it can only come from the deletion. */
const FETCH_MAX_WAIT_MS = 30_000;

async function connect(broker: BrokerHandle): Promise<KafkaConnection> {
  return KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
}

async function topicId(client: KafkaConnection, name: string): Promise<string> {
  const metadata = await client.send<MetadataResponse>(ApiKey.Metadata, 12, {
    topics: [{ topicId: ZERO_UUID, name }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(metadata.topics[0].errorCode, ErrorCode.NONE);
  return metadata.topics[0].topicId;
}

/** A fetch of partition 0 from `offset` that waits up to FETCH_MAX_WAIT_MS for one byte. */
function fetchPartitionZero(client: KafkaConnection, version: number, id: string, offset: number): Promise<FetchResponse> {
  return client.send<FetchResponse>(ApiKey.Fetch, version, {
    ...FetchRequestCodec.create(),
    replicaId: -1,
    maxWaitMs: FETCH_MAX_WAIT_MS,
    minBytes: 1,
    maxBytes: 1 << 20,
    topics: [
      {
        topic: TOPIC,
        topicId: id,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: 1 << 20,
            replicaDirectoryId: ZERO_UUID,
          },
        ],
      },
    ],
  });
}

function partitionError(response: FetchResponse): number {
  assert.equal(response.errorCode, ErrorCode.NONE);
  return response.responses[0].partitions[0].errorCode;
}

async function kcatConsume(broker: BrokerHandle): Promise<string[]> {
  const consumed = await runKcat(["-C", "-b", broker.bootstrap, "-t", TOPIC, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o %s\\n"]);
  assert.equal(consumed.code, 0, describeFailure(consumed));
  return consumed.stdout.split("\n").filter((line) => line !== "");
}

async function kcatProduce(broker: BrokerHandle, lines: readonly string[]): Promise<void> {
  const produced = await runKcat(["-P", "-b", broker.bootstrap, "-t", TOPIC, "-p", "0"], { input: `${lines.join("\n")}\n` });
  assert.equal(produced.code, 0, describeFailure(produced));
}

test("a topic deleted under waiting fetches answers them with its error; re-created, it is new and empty", async () => {
  await withBroker(async (broker) => {
    const admin = kafkaClient(broker.bootstrap).admin();
    await admin.connect();
    const byName = await connect(broker);
    const byId = await connect(broker);
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
      await kcatProduce(broker, ["one", "two", "three"]);
      assert.deepEqual(await kcatConsume(broker), ["0 one", "1 two", "2 three"]);
      const oldId = await topicId(byName, TOPIC);

      // Both fetches wait at the log end for data that will never come.
      const waitingByName = fetchPartitionZero(byName, 12, ZERO_UUID, 3);
      const waitingById = fetchPartitionZero(byId, 13, oldId, 3);
      await admin.deleteTopics({ topics: [TOPIC] });
      assert.equal(partitionError(await waitingByName), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      assert.equal(partitionError(await waitingById), ErrorCode.UNKNOWN_TOPIC_ID);
      assert.equal(partitionError(await fetchPartitionZero(byName, 12, ZERO_UUID, 0)), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
      const newId = await topicId(byName, TOPIC);
      assert.notEqual(newId, oldId);
      assert.notEqual(newId, ZERO_UUID);
      assert.deepEqual(await kcatConsume(broker), [], "the re-created topic starts empty");
      assert.equal(partitionError(await fetchPartitionZero(byId, 13, oldId, 0)), ErrorCode.UNKNOWN_TOPIC_ID, "the old id stays unknown");
      await kcatProduce(broker, ["fresh"]);
      assert.deepEqual(await kcatConsume(broker), ["0 fresh"]);
    } finally {
      await byName.close();
      await byId.close();
      await admin.disconnect();
    }
  });
});
