// kill -9 a real broker process at random moments while producers with acks=1 and acks=all send;
// restart it each time. Afterwards every acknowledged record must be in the log exactly once, at
// the offset its acknowledgement named, in order, with dense offsets and valid checksums.
// Records whose request died with the broker may or may not be there (never twice: nothing is
// retried), which is what "acknowledged" promises.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrokerChild } from "./broker-child.js";
import { readPartition, type StoredRecord } from "./data-tools.js";
import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { encodeRecordBatch } from "../../src/protocol/records/index.js";

const KILLS = 5;
const RECORDS_PER_BATCH = 20;

interface Acked {
  readonly baseOffset: number;
  readonly firstSequence: number;
}

/** One producer: sends numbered batches one at a time, remembers what was acknowledged. */
class CountingProducer {
  nextSequence = 0;
  readonly acked: Acked[] = [];
  failures = 0;
  private stopped = false;

  constructor(
    private readonly broker: BrokerChild,
    readonly topic: string,
    private readonly acks: 1 | -1,
  ) {}

  async run(): Promise<void> {
    let connection: KafkaConnection | null = null;
    while (!this.stopped) {
      try {
        connection ??= await KafkaConnection.connect("127.0.0.1", this.broker.port, { connectTimeoutMs: 1000 });
        const firstSequence = this.nextSequence;
        this.nextSequence += RECORDS_PER_BATCH;
        const batch = encodeRecordBatch({
          records: Array.from({ length: RECORDS_PER_BATCH }, (_, index) => ({
            timestamp: Date.now(),
            key: null,
            value: Buffer.from(`${this.topic}-${firstSequence + index}`),
          })),
        });
        const response = await connection.send<ProduceResponse>(ApiKey.Produce, 9, {
          ...ProduceRequestCodec.create(),
          acks: this.acks,
          timeoutMs: 5000,
          topicData: [{ name: this.topic, partitionData: [{ index: 0, records: batch }] }],
        });
        const partition = response.responses[0].partitionResponses[0];
        if (partition.errorCode === 0) this.acked.push({ baseOffset: partition.baseOffset, firstSequence });
        else this.failures++;
      } catch {
        // The broker died under us: this batch is unacknowledged; reconnect once it is back.
        this.failures++;
        await connection?.close().catch(() => undefined);
        connection = null;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await connection?.close();
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Every record of partition 0, read up to the high watermark. */
async function readWholeTopic(bootstrapPort: number, topic: string): Promise<StoredRecord[]> {
  const contents = await readPartition(bootstrapPort, topic);
  assert.equal(contents.errorCode, 0);
  const readEnd = contents.records.length === 0 ? 0 : contents.records[contents.records.length - 1].offset + 1;
  assert.equal(readEnd, contents.highWatermark, "every record below the high watermark was read");
  return contents.records;
}

function verify(producer: CountingProducer, records: { offset: number; value: string }[]): void {
  records.forEach((record, index) => assert.equal(record.offset, index, `offsets must be dense (at ${index})`));
  const sequences = records.map((record) => Number(record.value.slice(producer.topic.length + 1)));
  for (let index = 1; index < sequences.length; index++) {
    assert.ok(sequences[index] > sequences[index - 1], `records out of order or duplicated at offset ${index}`);
  }
  for (const acked of producer.acked) {
    for (let index = 0; index < RECORDS_PER_BATCH; index++) {
      const record = records[acked.baseOffset + index];
      assert.ok(record !== undefined, `acknowledged offset ${acked.baseOffset + index} is missing`);
      assert.equal(record.value, `${producer.topic}-${acked.firstSequence + index}`, "an acknowledged record changed");
    }
  }
}

test("kill -9 during acks=1 and acks=all produce loses no acknowledged record", { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-kill-"));
  const broker = new BrokerChild({ dataDir });
  try {
    await broker.start();
    const admin = await KafkaConnection.connect("127.0.0.1", broker.port);
    const created = await admin.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: ["acks-one", "acks-all"].map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(created.topics.map((topic) => topic.errorCode), [0, 0]);
    await admin.close();

    const producers = [new CountingProducer(broker, "acks-one", 1), new CountingProducer(broker, "acks-all", -1)];
    const running = producers.map((producer) => producer.run());
    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 500));
      await broker.kill();
      await broker.start();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const producer of producers) producer.stop();
    await Promise.all(running);

    for (const producer of producers) {
      const records = await readWholeTopic(broker.port, producer.topic);
      verify(producer, records);
      const ackedRecords = producer.acked.length * RECORDS_PER_BATCH;
      console.log(
        `${producer.topic}: ${ackedRecords} records acknowledged, ${records.length} in the log, ${producer.failures} requests lost to ${KILLS} kills`,
      );
      assert.ok(producer.acked.length > KILLS, "the producer should have made progress between kills");
    }
    assert.equal(await broker.stop(), 0);
  } finally {
    await broker.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
