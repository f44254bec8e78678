// Small, exact client operations the fault tests and scripts verify data with: create topics,
// produce numbered records (acks=all), read a whole partition back (offsets, values, the error
// code where reading stopped), ListOffsets by timestamp. Our own protocol client, so offsets and
// error codes are seen as the broker sends them.

import { KafkaConnection } from "../../src/client/connection.js";
import { ApiKey } from "../../src/protocol/generated/index.js";
import type { CreateTopicsResponse } from "../../src/protocol/generated/create-topics.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../src/protocol/generated/produce.js";
import { FetchRequestCodec, type FetchResponse } from "../../src/protocol/generated/fetch.js";
import type { ListOffsetsResponse } from "../../src/protocol/generated/list-offsets.js";
import { ErrorCode, errorName } from "../../src/protocol/error-codes.js";
import { CompressionType, decodeRecordBatch, encodeRecordBatch, recordBatches } from "../../src/protocol/records/index.js";
import { ZERO_UUID } from "../../src/lib/uuid.js";

export interface TopicSpec {
  readonly name: string;
  readonly partitions?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export async function createTopics(port: number, topics: readonly TopicSpec[]): Promise<void> {
  const client = await KafkaConnection.connect("127.0.0.1", port, { clientId: "fault-tools" });
  try {
    const response = await client.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: topics.map((topic) => ({
        name: topic.name,
        numPartitions: topic.partitions ?? 1,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: 10_000,
      validateOnly: false,
    });
    for (const created of response.topics) {
      if (created.errorCode !== ErrorCode.NONE) throw new Error(`creating ${created.name}: ${errorName(created.errorCode)} ${created.errorMessage ?? ""}`);
    }
  } finally {
    await client.close();
  }
}

/** Produces one batch of values (acks=all); resolves to the base offset, or throws with the error. */
export async function produceValues(client: KafkaConnection, topic: string, partition: number, values: readonly string[], compression = CompressionType.None): Promise<number> {
  const now = Date.now();
  const response = await client.send<ProduceResponse>(ApiKey.Produce, 9, {
    ...ProduceRequestCodec.create(),
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: encodeRecordBatch({ compression, records: values.map((value) => ({ timestamp: now, key: null, value: Buffer.from(value) })) }) }] }],
  });
  const result = response.responses[0].partitionResponses[0];
  if (result.errorCode !== ErrorCode.NONE) throw new ProduceError(result.errorCode, `${errorName(result.errorCode)}: ${result.errorMessage ?? ""}`);
  return result.baseOffset;
}

export class ProduceError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface StoredRecord {
  readonly offset: number;
  readonly value: string;
}

export interface PartitionContents {
  readonly records: StoredRecord[];
  /** NONE when everything up to the high watermark was read; else the error that stopped reading. */
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
}

/** Reads a partition from `fromOffset` to its high watermark (or until an error). */
export async function readPartition(port: number, topic: string, partition = 0, fromOffset = 0): Promise<PartitionContents> {
  const client = await KafkaConnection.connect("127.0.0.1", port, { clientId: "fault-reader" });
  const records: StoredRecord[] = [];
  try {
    let fetchOffset = fromOffset;
    for (;;) {
      const response = await client.send<FetchResponse>(ApiKey.Fetch, 11, {
        ...FetchRequestCodec.create(),
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 8 << 20,
        topics: [{ topic, topicId: ZERO_UUID, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 8 << 20, replicaDirectoryId: ZERO_UUID }] }],
      });
      const result = response.responses[0].partitions[0];
      if (result.errorCode !== ErrorCode.NONE) return { records, errorCode: result.errorCode, highWatermark: result.highWatermark, logStartOffset: result.logStartOffset };
      const bytes = Buffer.isBuffer(result.records) ? result.records : Buffer.concat(result.records ?? []);
      let progressed = false;
      for (const slice of recordBatches(bytes)) {
        const decoded = decodeRecordBatch(slice.batch, { maxDecompressedBytes: 64 << 20 });
        for (const record of decoded.records) {
          const offset = decoded.header.baseOffset + record.offsetDelta;
          if (offset < fetchOffset) continue;
          records.push({ offset, value: record.value?.toString("utf8") ?? "" });
          fetchOffset = offset + 1;
          progressed = true;
        }
        // A batch whose records were all compacted away still moves the position.
        fetchOffset = Math.max(fetchOffset, decoded.header.baseOffset + decoded.header.lastOffsetDelta + 1);
      }
      if (!progressed && fetchOffset >= result.highWatermark) return { records, errorCode: ErrorCode.NONE, highWatermark: result.highWatermark, logStartOffset: result.logStartOffset };
      if (!progressed) return { records, errorCode: ErrorCode.NONE, highWatermark: result.highWatermark, logStartOffset: result.logStartOffset };
    }
  } finally {
    await client.close();
  }
}

/** ListOffsets v7: the first offset with timestamp >= `timestamp` (-1 latest, -2 earliest). */
export async function offsetForTimestamp(port: number, topic: string, timestamp: number, partition = 0): Promise<{ errorCode: number; offset: number }> {
  const client = await KafkaConnection.connect("127.0.0.1", port, { clientId: "fault-tools" });
  try {
    const response = await client.send<ListOffsetsResponse>(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
      timeoutMs: 5000,
    });
    const result = response.topics[0].partitions[0];
    return { errorCode: result.errorCode, offset: result.offset };
  } finally {
    await client.close();
  }
}
