// The engine of `tributary perf consume` (Kafka's ConsumerPerformance): read a topic from its
// earliest offsets as fast as the broker serves it, one fetch in flight per leader, and count
// records and bytes. Records are decoded (checksums verified, every record walked) as a real
// consumer would, unless told to count batch headers only.

import { ApiKey } from "../../protocol/generated/index.js";
import { FetchRequestCodec, type FetchResponse, type FetchTopic } from "../../protocol/generated/fetch.js";
import { decodeRecordBatch, recordBatches } from "../../protocol/records/index.js";
import { ZERO_UUID } from "../../lib/uuid.js";
import type { KafkaClient } from "../kafka-client.js";
import { KafkaProtocolError } from "../errors.js";
import { OffsetSpec, listOffsets } from "../list-offsets.js";

export interface PerfConsumeOptions {
  readonly topic: string;
  /** Stop after this many records. */
  readonly recordCount: number;
  /** Stop when no record arrives for this long. */
  readonly idleTimeoutMs: number;
  /** fetch.max.bytes and max.partition.fetch.bytes of a consumer. */
  readonly fetchMaxBytes: number;
  readonly partitionMaxBytes: number;
  /** Decode every record (default); false counts from batch headers only. */
  readonly decode: boolean;
}

export interface PerfConsumeResult {
  readonly records: number;
  readonly bytes: number;
  readonly fetches: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
}

/** Decompressed bytes one batch may expand to: far above any real batch, bounded for safety. */
const DECOMPRESSED_BYTES_MAX = 256 * 1024 * 1024;
const FIRST_TOPIC_ID_VERSION = 13;

export async function runPerfConsume(client: KafkaClient, options: PerfConsumeOptions): Promise<PerfConsumeResult> {
  const metadata = await client.metadata([options.topic]);
  const topic = metadata.topics.get(options.topic);
  if (topic === undefined || topic.errorCode !== 0) throw new KafkaProtocolError(topic?.errorCode ?? 3, `topic ${options.topic}`);
  const earliest = await listOffsets(
    client,
    topic.partitions.map((partition) => ({ topic: options.topic, partition: partition.partition, timestamp: OffsetSpec.EARLIEST })),
  );
  const offsets = new Map<number, number>(earliest.map((answer) => [answer.partition, answer.offset]));
  const byLeader = new Map<number, number[]>();
  for (const partition of topic.partitions) {
    const list = byLeader.get(partition.leaderId) ?? [];
    list.push(partition.partition);
    byLeader.set(partition.leaderId, list);
  }
  let records = 0;
  let bytes = 0;
  let fetches = 0;
  const started = performance.now();
  let lastDataAt = started;
  const done = (): boolean => records >= options.recordCount || performance.now() - lastDataAt > options.idleTimeoutMs;

  const fetchLoop = async (nodeId: number, partitions: readonly number[]): Promise<void> => {
    while (!done()) {
      const fetchTopic = (version: number): FetchTopic => ({
        topic: options.topic,
        // Fetch v13+ names topics by id only.
        topicId: version >= FIRST_TOPIC_ID_VERSION ? topic.topicId : ZERO_UUID,
        partitions: partitions.map((partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: offsets.get(partition)!,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: options.partitionMaxBytes,
          replicaDirectoryId: ZERO_UUID,
        })),
      });
      const response = await client.request<FetchResponse>(
        nodeId,
        ApiKey.Fetch,
        (version) => ({
          ...FetchRequestCodec.create(),
          replicaId: -1,
          maxWaitMs: 100,
          minBytes: 1,
          maxBytes: options.fetchMaxBytes,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [fetchTopic(version)],
        }),
        { timeoutMs: 30_000 },
      );
      fetches++;
      for (const topicResponse of response.responses) {
        for (const partition of topicResponse.partitions) {
          if (partition.errorCode !== 0) throw new KafkaProtocolError(partition.errorCode, `fetch from ${options.topic}-${partition.partitionIndex}`);
          const data = partition.records;
          const chunks = data === null ? [] : Buffer.isBuffer(data) ? [data] : data;
          const fetchOffset = offsets.get(partition.partitionIndex)!;
          let next = fetchOffset;
          for (const chunk of chunks) {
            for (const slice of recordBatches(chunk)) {
              const lastOffset = slice.header.baseOffset + slice.header.lastOffsetDelta;
              if (lastOffset < fetchOffset) continue;
              if (options.decode) {
                const decoded = decodeRecordBatch(slice.batch, { maxDecompressedBytes: DECOMPRESSED_BYTES_MAX });
                for (const record of decoded.records) {
                  if (decoded.header.baseOffset + record.offsetDelta < fetchOffset) continue;
                  records++;
                  bytes += (record.value?.length ?? 0) + (record.key?.length ?? 0);
                }
              } else {
                records += slice.header.recordCount;
                bytes += slice.batch.length;
              }
              next = lastOffset + 1;
            }
          }
          if (next > fetchOffset) {
            offsets.set(partition.partitionIndex, next);
            lastDataAt = performance.now();
          }
        }
      }
    }
  };
  await Promise.all([...byLeader].map(([nodeId, partitions]) => fetchLoop(nodeId, partitions)));
  // A run that ended by waiting out the idle timeout is measured up to its last record.
  const endedAt = records >= options.recordCount ? performance.now() : lastDataAt;
  const elapsedMs = Math.max(1, endedAt - started);
  return {
    records,
    bytes,
    fetches,
    elapsedMs,
    recordsPerSecond: records / (elapsedMs / 1000),
    megabytesPerSecond: bytes / (elapsedMs / 1000) / 1e6,
  };
}
