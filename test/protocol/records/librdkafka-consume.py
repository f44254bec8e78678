#!/usr/bin/python3
# Helper of librdkafka-reads-ours.test.ts: makes librdkafka (python3-confluent-kafka, Debian's
# /usr/bin/python3) consume record batches that we encoded, so a real client decompresses our
# snappy, lz4 and zstd. Reads one hex batch per line on stdin; prints the consumed records as
# JSON on stdout.
#
# A Producer with test.mock.num.brokers=1 hosts librdkafka's mock cluster in this process. The
# batches go to its broker untouched in hand-written Produce v3 requests (the mock broker stores
# batches byte for byte), then a Consumer fetches them from offset 0.

import json
import os
import socket
import struct
import sys

from confluent_kafka import Consumer, Producer, TopicPartition

TOPIC = "records-interop"
# confluent-kafka-python 1.7 returns None from Message.headers() without taking a reference, so
# each call on a record without headers drops one reference to None until the interpreter dies
# ("none_dealloc"). Holding plenty of references ourselves keeps None alive for this short run,
# and main() leaves with os._exit, before interpreter shutdown could drop them and still crash.
NONE_REFERENCES = [None] * 1_000_000
POLL_TIMEOUT_S = 10


def int16(value):
    return struct.pack(">h", value)


def int32(value):
    return struct.pack(">i", value)


def string(text):
    data = text.encode()
    return int16(len(data)) + data


def read_exactly(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def produce(connection, correlation_id, batch):
    body = (
        int16(-1)  # transactional_id: null
        + int16(1)  # acks
        + int32(5000)  # timeout_ms
        + int32(1)
        + string(TOPIC)
        + int32(1)
        + int32(0)  # partition
        + int32(len(batch))
        + batch
    )
    request = int16(0) + int16(3) + int32(correlation_id) + string("records-interop") + body
    connection.sendall(int32(len(request)) + request)
    size = struct.unpack(">i", read_exactly(connection, 4))[0]
    response = read_exactly(connection, size)
    position = 4 + 4  # correlation_id, topics count
    (topic_length,) = struct.unpack_from(">h", response, position)
    position += 2 + topic_length + 4  # topic name, partitions count
    _partition, error_code = struct.unpack_from(">ih", response, position)
    if error_code != 0:
        raise RuntimeError("produce failed with error code %d" % error_code)


def main():
    batches = [bytes.fromhex(line) for line in sys.stdin.read().split()]
    expected_count = int(sys.argv[1])
    producer = Producer({"test.mock.num.brokers": 1, "log_level": 3})
    metadata = producer.list_topics(TOPIC, timeout=POLL_TIMEOUT_S)  # auto-creates the topic
    broker = next(iter(metadata.brokers.values()))
    with socket.create_connection((broker.host, broker.port)) as connection:
        for index, batch in enumerate(batches):
            produce(connection, index + 1, batch)
    consumer = Consumer(
        {
            "bootstrap.servers": "%s:%d" % (broker.host, broker.port),
            "group.id": "records-interop",
            "enable.auto.commit": False,
            "log_level": 3,
        }
    )
    consumer.assign([TopicPartition(TOPIC, 0, 0)])
    records = []
    while len(records) < expected_count:
        message = consumer.poll(POLL_TIMEOUT_S)
        if message is None:
            break
        if message.error():
            raise RuntimeError(str(message.error()))
        key = message.key()
        value = message.value()
        records.append(
            {
                "offset": message.offset(),
                "timestamp": message.timestamp()[1],
                "key": None if key is None else key.hex(),
                "value": None if value is None else value.hex(),
                "headers": [[name, None if data is None else data.hex()] for name, data in (message.headers() or [])],
            }
        )
    consumer.close()
    sys.stdout.write(json.dumps(records))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
