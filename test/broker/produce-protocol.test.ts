// Produce, ListOffsets and OffsetForLeaderEpoch at the protocol level, for the edges no installed
// client reaches: Kafka 4's answer to Produce v0-v2, invalid acks, checksum and shape errors,
// oversized batches, timestamps out of bounds, min.insync.replicas, LogAppendTime, and the
// special ListOffsets timestamps.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import type { ListOffsetsResponse } from "../../src/protocol/generated/list-offsets.js";
import type { OffsetForLeaderEpochResponse } from "../../src/protocol/generated/offset-for-leader-epoch.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { ErrorCode } from "../../src/protocol/error-codes.js";
import { encodeRecordBatch } from "../../src/protocol/records/index.js";

type Records = Buffer | null;

async function createTopic(client: KafkaConnection, name: string, configs: Record<string, string> = {}): Promise<void> {
  const response = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(response.topics[0].errorCode, ErrorCode.NONE, response.topics[0].errorMessage ?? "");
}

async function produce(client: KafkaConnection, topic: string, records: Records, options: { version?: number; acks?: number } = {}) {
  const response = await client.send<ProduceResponse>(ApiKey.Produce, options.version ?? 9, {
    ...ProduceRequestCodec.create(),
    acks: options.acks ?? 1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return response.responses[0].partitionResponses[0];
}

function batchOf(values: string[], timestamp = Date.now()): Buffer {
  return encodeRecordBatch({ records: values.map((value) => ({ timestamp, key: null, value: Buffer.from(value) })) });
}

async function withClient(run: (client: KafkaConnection) => Promise<void>, config: Record<string, string> = {}): Promise<void> {
  await withBroker(
    async (broker) => {
      const client = await KafkaConnection.connect(broker.listeners[0].host, broker.listeners[0].port);
      try {
        await run(client);
      } finally {
        await client.close();
      }
    },
    { config },
  );
}

test("Produce v0-v2 are advertised but answered with UNSUPPORTED_VERSION, like Kafka 4", async () => {
  await withClient(async (client) => {
    await createTopic(client, "old");
    for (const version of [0, 1, 2]) {
      const result = await produce(client, "old", batchOf(["x"]), { version });
      assert.equal(result.errorCode, ErrorCode.UNSUPPORTED_VERSION, `v${version}`);
    }
  });
});

test("Produce rejects invalid acks, bad checksums, several batches and missing records per partition", async () => {
  await withClient(async (client) => {
    await createTopic(client, "edges");
    assert.equal((await produce(client, "edges", batchOf(["a"]), { acks: 2 })).errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
    const corrupt = batchOf(["b"]);
    corrupt[corrupt.length - 1] ^= 0xff;
    assert.equal((await produce(client, "edges", corrupt)).errorCode, ErrorCode.CORRUPT_MESSAGE);
    const two = Buffer.concat([batchOf(["c"]), batchOf(["d"])]);
    assert.equal((await produce(client, "edges", two)).errorCode, ErrorCode.INVALID_RECORD);
    assert.equal((await produce(client, "edges", null)).errorCode, ErrorCode.INVALID_RECORD);
    assert.equal((await produce(client, "edges", Buffer.alloc(10))).errorCode, ErrorCode.INVALID_RECORD);
    assert.equal((await produce(client, "missing", batchOf(["e"]))).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // Nothing of the refused batches was written: the next append gets offset 0.
    const ok = await produce(client, "edges", batchOf(["f"]));
    assert.equal(ok.errorCode, ErrorCode.NONE);
    assert.equal(ok.baseOffset, 0);
  }, { "auto.create.topics.enable": "false" });
});

test("Produce enforces max.message.bytes, timestamp bounds and min.insync.replicas", async () => {
  await withClient(async (client) => {
    await createTopic(client, "small", { "max.message.bytes": "300" });
    const big = await produce(client, "small", batchOf(["x".repeat(1000)]));
    assert.equal(big.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    await createTopic(client, "timely", { "message.timestamp.after.max.ms": "60000", "message.timestamp.before.max.ms": "60000" });
    const future = await produce(client, "timely", batchOf(["x"], Date.now() + 3_600_000));
    assert.equal(future.errorCode, ErrorCode.INVALID_TIMESTAMP);
    const past = await produce(client, "timely", batchOf(["x"], Date.now() - 3_600_000));
    assert.equal(past.errorCode, ErrorCode.INVALID_TIMESTAMP);
    await createTopic(client, "strict", { "min.insync.replicas": "2" });
    assert.equal((await produce(client, "strict", batchOf(["x"]), { acks: -1 })).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    assert.equal((await produce(client, "strict", batchOf(["x"]), { acks: 1 })).errorCode, ErrorCode.NONE);
  });
});

test("LogAppendTime topics stamp the broker's time and report it", async () => {
  await withClient(async (client) => {
    await createTopic(client, "stamped", { "message.timestamp.type": "LogAppendTime" });
    const before = Date.now();
    const result = await produce(client, "stamped", batchOf(["x"], 1_000));
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.ok(result.logAppendTimeMs >= before && result.logAppendTimeMs <= Date.now());
  });
});

test("ListOffsets answers earliest, latest, max timestamp and by timestamp with leader epochs", async () => {
  await withClient(async (client) => {
    await createTopic(client, "offsets");
    await produce(client, "offsets", batchOf(["a", "b"], 1_000_000));
    await produce(client, "offsets", batchOf(["c"], 3_000_000));
    await produce(client, "offsets", batchOf(["d"], 2_000_000));
    const list = async (timestamp: number, version = 7) => {
      const response = await client.send<ListOffsetsResponse>(ApiKey.ListOffsets, version, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: "offsets", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
        timeoutMs: 5000,
      });
      return response.topics[0].partitions[0];
    };
    assert.deepEqual(
      [(await list(-2)).offset, (await list(-1)).offset, (await list(-3)).offset, (await list(-3)).timestamp],
      [0, 4, 2, 3_000_000],
    );
    const byTime = await list(1_500_000);
    assert.equal(byTime.offset, 2);
    assert.equal(byTime.timestamp, 3_000_000);
    assert.equal(byTime.leaderEpoch, 0);
    assert.equal((await list(9_000_000)).offset, -1, "nothing at or after that time");
    assert.equal((await list(-1, 1)).offset, 4, "v1");
  });
});

test("OffsetForLeaderEpoch gives the end offset of an epoch, and fences stale leader epochs", async () => {
  await withClient(async (client) => {
    await createTopic(client, "epochs");
    await produce(client, "epochs", batchOf(["a", "b", "c"]));
    const ask = async (leaderEpoch: number, currentLeaderEpoch: number) => {
      const response = await client.send<OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, 4, {
        replicaId: -1,
        topics: [{ topic: "epochs", partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }],
      });
      return response.topics[0].partitions[0];
    };
    const current = await ask(0, 0);
    assert.deepEqual([current.errorCode, current.leaderEpoch, current.endOffset], [ErrorCode.NONE, 0, 3]);
    assert.equal((await ask(0, 5)).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  });
});
