// kafka-python 2.0.2: KafkaProducer (Produce v7, magic 2) and a KafkaConsumer without a group
// (Fetch v4, ListOffsets v1): assign + seek_to_beginning, and seeking by offsets_for_times.

import { test } from "node:test";
import assert from "node:assert/strict";
import { withBroker } from "../helpers/broker.js";
import { describeFailure, runPython } from "../helpers/processes.js";

const SCRIPT = `
import json, sys, time
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bootstrap, topic = sys.argv[1], sys.argv[2]
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
sent = []
for i in range(500):
    meta = producer.send(topic, key=b"k%d" % (i % 7), value=b"value-%d" % i, partition=i % 2,
                         headers=[("h", b"%d" % i)]).get(timeout=30)
    sent.append([meta.partition, meta.offset])
producer.flush()
middle = int(time.time() * 1000)
time.sleep(0.05)
for i in range(500, 510):
    producer.send(topic, value=b"value-%d" % i, partition=0).get(timeout=30)
producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000)
partitions = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
consumer.assign(partitions)
consumer.seek_to_beginning()
values, headers = [], 0
for message in consumer:
    values.append(message.value.decode())
    headers += len(message.headers)
found = consumer.offsets_for_times({TopicPartition(topic, 0): middle})
position = found[TopicPartition(topic, 0)]
consumer.seek(TopicPartition(topic, 0), position.offset)
after = [m.value.decode() for m in consumer]
end_offsets = consumer.end_offsets(partitions)
consumer.close()
print(json.dumps({"sent": sent, "values": sorted(values), "headers": headers, "after": after,
                  "end": [end_offsets[p] for p in partitions], "seek": position.offset}))
`;

test("kafka-python produces and consumes with assign, seek_to_beginning and offsets_for_times", async () => {
  await withBroker(async (broker) => {
    const result = await runPython(SCRIPT, [broker.bootstrap, "py-data"], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, describeFailure(result));
    const output = JSON.parse(result.stdout.trim().split("\n").pop()!) as {
      sent: [number, number][];
      values: string[];
      headers: number;
      after: string[];
      end: number[];
      seek: number;
    };
    // Offsets are dense per partition and in send order.
    const perPartition = [0, 0];
    for (const [partition, offset] of output.sent) assert.equal(offset, perPartition[partition]++);
    assert.equal(output.values.length, 510);
    assert.deepEqual(output.values, Array.from({ length: 510 }, (_, i) => `value-${i}`).sort());
    assert.equal(output.headers, 500);
    assert.deepEqual(output.end, [260, 250]);
    assert.equal(output.seek, 250);
    assert.deepEqual(output.after, Array.from({ length: 10 }, (_, i) => `value-${500 + i}`));
  }, { config: { "num.partitions": "2" } });
});
