// kafkajs 2.2.4 with `idempotent: true` (it requires maxInFlightRequests 1 and acks -1 for that):
// InitProducerId, then sequenced batches to several partitions; every message lands exactly once,
// in order, read back with a kafkajs consumer-free fetch (kcat). A transactional kafkajs producer
// fails at once with the transactional-id error instead of retrying forever.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { createTopicsWithKafkajs, kafkaClient } from "../helpers/kafkajs.js";
import { describeFailure, runKcat } from "../helpers/processes.js";

const PARTITIONS = 3;
const SENDS = 40;
const MESSAGES_PER_SEND = 25;

test("kafkajs idempotent producer: every message lands once, in order, per partition", async () => {
  await withBroker(async (broker) => {
    await createTopicsWithKafkajs(broker.bootstrap, [{ topic: "kjs-idem", numPartitions: PARTITIONS }]);
    const producer = kafkaClient(broker.bootstrap).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let send = 0; send < SENDS; send += 1) {
        const messages = Array.from({ length: MESSAGES_PER_SEND }, (_, index) => {
          const sequence = send * MESSAGES_PER_SEND + index;
          return { partition: sequence % PARTITIONS, value: `m-${sequence}` };
        });
        const metadata = await producer.send({ topic: "kjs-idem", acks: -1, messages });
        for (const partition of metadata) assert.equal(partition.errorCode, 0);
      }
    } finally {
      await producer.disconnect();
    }
    const consumed = await runKcat(["-b", broker.bootstrap, "-C", "-t", "kjs-idem", "-e", "-q", "-f", "%p %o %s\n"]);
    assert.equal(consumed.code, 0, describeFailure(consumed));
    const lines = consumed.stdout.trim().split("\n");
    assert.equal(lines.length, SENDS * MESSAGES_PER_SEND);
    const byPartition = new Map<number, { offset: number; sequence: number }[]>();
    for (const line of lines) {
      const [partition, offset, value] = line.split(" ");
      const list = byPartition.get(Number(partition)) ?? [];
      list.push({ offset: Number(offset), sequence: Number(value.slice(2)) });
      byPartition.set(Number(partition), list);
    }
    const seen = new Set<number>();
    for (const [partition, records] of byPartition) {
      records.forEach((record, index) => {
        assert.equal(record.offset, index, `partition ${partition}: dense offsets`);
        assert.equal(record.sequence % PARTITIONS, partition);
        if (index > 0) assert.ok(record.sequence > records[index - 1].sequence, `partition ${partition}: in order`);
        assert.ok(!seen.has(record.sequence), `m-${record.sequence} twice`);
        seen.add(record.sequence);
      });
    }
    assert.equal(seen.size, SENDS * MESSAGES_PER_SEND);
  });
});

test("a kafkajs transactional producer fails at once with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (no transactions yet)", async () => {
  await withBroker(async (broker) => {
    await createTopicsWithKafkajs(broker.bootstrap, [{ topic: "kjs-tx" }]);
    const producer = kafkaClient(broker.bootstrap).producer({ transactionalId: "orders-tx", idempotent: true, maxInFlightRequests: 1 });
    // connect() initialises kafkajs's idempotent (non-transactional) producer id; transaction() asks for the transactional one.
    await producer.connect();
    try {
      await assert.rejects(producer.transaction(), (error: Error & { type?: string }) => {
        assert.equal(error.type, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", error.message);
        return true;
      });
    } finally {
      await producer.disconnect();
    }
  });
});
