// The engine of `tributary perf consume` (Kafka's ConsumerPerformance): read a topic from its
// earliest offsets as fast as the broker serves it, one fetch in flight per leader, and count
// records and bytes. Records are checked as a real consumer checks them (every batch's checksum
// verified, every record walked and its lengths checked) unless told to count batch headers
// only; they are walked with visitRecords, which makes decodeRecordBatch's checks without
// building an object per record, so the tool measures the broker rather than our allocator.
// Defaults follow Kafka's consumer-perf-test: --fetch-size (max.partition.fetch.bytes) 1 MiB,
// and the consumer's fetch.max.bytes 50 MiB.

import { ApiKey } from "../../protocol/generated/api-keys.js";
import { FetchRequestCodec, type FetchResponse, type FetchTopic } from "../../protocol/generated/fetch.js";
import { RECORD_COUNT_OFFSET, recordBatches, visitRecords, type RecordView } from "../../protocol/records/index.js";
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
  /** Check and walk every record (default); false counts from batch headers only. */
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

/** Kafka's consumer-perf-test --fetch-size default, which it passes as max.partition.fetch.bytes. */
export const PERF_CONSUME_DEFAULT_PARTITION_MAX_BYTES = 1_048_576;
/** The Java consumer's fetch.max.bytes default. */
export const PERF_CONSUME_DEFAULT_FETCH_MAX_BYTES = 52_428_800;

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

  // One visitor for the whole run (no closure per batch): counts the records at or past the
  // offset asked for (an answer starts at the batch holding it).
  let countFrom = 0;
  const countRecord = (record: RecordView): void => {
    if (record.offset < countFrom) return;
    records++;
    bytes += (record.valueLength > 0 ? record.valueLength : 0) + (record.keyLength > 0 ? record.keyLength : 0);
  };

  const fetchLoop = async (nodeId: number, partitions: readonly number[]): Promise<void> => {
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
    const send = (): Promise<FetchResponse> => {
      const request = client.request<FetchResponse>(
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
      // A prefetch left behind by a failed walk must not become an unhandled rejection.
      request.catch(() => undefined);
      return request;
    };
    let pending = send();
    for (;;) {
      const response = await pending;
      fetches++;
      // Pass 1, batch headers only: errors, the batches to walk, each partition's next offset.
      const batches: Buffer[] = [];
      const countFroms: number[] = [];
      let recordsAtMost = 0;
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
              batches.push(slice.batch);
              countFroms.push(fetchOffset);
              recordsAtMost += slice.header.recordCount;
              next = lastOffset + 1;
            }
          }
          if (next > fetchOffset) {
            offsets.set(partition.partitionIndex, next);
            lastDataAt = performance.now();
          }
        }
      }
      // Ask for the next answer before walking this one, so the broker reads and sends while we
      // check (librdkafka's consumer prefetches the same way). Nothing is counted before it is walked.
      const prefetch = records + recordsAtMost >= options.recordCount || done() ? null : send();
      // Pass 2: every record walked and checked (or, headers only, counted from headers).
      for (let index = 0; index < batches.length; index++) {
        const batch = batches[index];
        if (options.decode) {
          countFrom = countFroms[index];
          visitRecords(batch, { maxDecompressedBytes: DECOMPRESSED_BYTES_MAX }, countRecord);
        } else {
          records += batch.readInt32BE(RECORD_COUNT_OFFSET);
          bytes += batch.length;
        }
      }
      if (prefetch !== null) {
        pending = prefetch;
      } else if (done()) {
        return;
      } else {
        pending = send();
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
