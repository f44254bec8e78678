// The engine of `tributary perf e2e` (Kafka's EndToEndLatency, open loop): a producer sends
// records at a steady rate to one partition, a consumer long-polls the same partition on its own
// connection, and each record's latency is the time from its send to its arrival at the
// consumer. The send time travels in the record (8 bytes, a float64 of performance.now()), so
// producer and consumer share one clock.
//
// The tool allocates little per record or request, because its own garbage collection pauses
// would show up as latency: records are walked in place (visitRecords), the fetch request is
// built once and only its offset changes, and batch builders are reused once their request is
// answered (as the perf producer does). Fetch sizes are the Java consumer's defaults.

import { ApiKey } from "../../protocol/generated/api-keys.js";
import { FetchRequestCodec, type FetchPartition, type FetchRequest, type FetchResponse } from "../../protocol/generated/fetch.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../protocol/generated/produce.js";
import { RecordBatchBuilder, recordBatches, visitRecords, type RecordView } from "../../protocol/records/index.js";
import { LatencyHistogram } from "../../lib/latency-histogram.js";
import { ZERO_UUID } from "../../lib/uuid.js";
import type { KafkaClient } from "../kafka-client.js";
import { KafkaProtocolError } from "../errors.js";
import { KafkaConnection } from "../connection.js";
import { OffsetSpec, listOffsets } from "../list-offsets.js";

export interface PerfEndToEndOptions {
  readonly topic: string;
  readonly recordCount: number;
  readonly recordSizeBytes: number;
  readonly targetRecordsPerSecond: number;
  readonly acks: -1 | 1;
  /** Produce requests awaiting a response at once. */
  readonly maxInFlight: number;
}

export interface PerfEndToEndResult {
  readonly records: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  readonly latency: LatencyHistogram;
}

const SEND_TIME_BYTES = 8;
const BATCH_BYTES_MAX = 256 * 1024;
const PARTITION = 0;
/** A consumer that sees nothing for this long after the last send gives up (lost records). */
const RECEIVE_TIMEOUT_MS = 30_000;
/** The Java consumer's max.partition.fetch.bytes and fetch.max.bytes defaults. */
const PARTITION_MAX_BYTES = 1_048_576;
const FETCH_MAX_BYTES = 52_428_800;
/** How long the broker may hold a fetch with nothing to return (Kafka's fetch.max.wait.ms). */
const FETCH_MAX_WAIT_MS = 500;
/** Upper bound on one batch's decompressed records. */
const DECOMPRESSED_BYTES_MAX = 64 * 1_048_576;

export async function runPerfEndToEnd(client: KafkaClient, options: PerfEndToEndOptions): Promise<PerfEndToEndResult> {
  const metadata = await client.metadata([options.topic], { allowAutoTopicCreation: true });
  const topic = metadata.topics.get(options.topic);
  const partition = topic?.partitions.find((candidate) => candidate.partition === PARTITION);
  if (topic === undefined || topic.errorCode !== 0 || partition === undefined) {
    throw new KafkaProtocolError(topic?.errorCode ?? 3, `topic ${options.topic}`);
  }
  const leader = partition.leaderId;
  const [end] = await listOffsets(client, [{ topic: options.topic, partition: PARTITION, timestamp: OffsetSpec.LATEST }]);
  const payloadBytes = Math.max(SEND_TIME_BYTES, options.recordSizeBytes);
  const histogram = new LatencyHistogram();
  let received = 0;
  let failure: Error | null = null;

  // The consumer: its own connection (not shared with the producer), long polling. Fetch v12
  // names topics, so it works whether or not the broker reports topic ids.
  const node = client.broker(leader);
  if (node === undefined) throw new KafkaProtocolError(5, `leader of ${options.topic}-${PARTITION}`);
  const consumerClient = await KafkaConnection.connect(node.host, node.port, { clientId: `${client.clientId}-e2e-consumer` });
  const fetchVersion = Math.min(12, (await client.connectionTo(leader)).versions.version(ApiKey.Fetch));
  const consume = async (): Promise<void> => {
    const fetchPartition: FetchPartition = {
      partition: PARTITION,
      currentLeaderEpoch: -1,
      fetchOffset: end.offset,
      lastFetchedEpoch: -1,
      logStartOffset: -1,
      partitionMaxBytes: PARTITION_MAX_BYTES,
      replicaDirectoryId: ZERO_UUID,
    };
    // One request object for the whole run: only its fetch offset changes.
    const request: FetchRequest = {
      ...FetchRequestCodec.create(),
      replicaId: -1,
      maxWaitMs: FETCH_MAX_WAIT_MS,
      minBytes: 1,
      maxBytes: FETCH_MAX_BYTES,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: options.topic, topicId: ZERO_UUID, partitions: [fetchPartition] }],
    };
    let arrivedAt = 0;
    let lastReceiveAt = performance.now();
    const onRecord = (record: RecordView): void => {
      const offset = record.offset;
      if (offset < fetchPartition.fetchOffset || record.valueLength < SEND_TIME_BYTES) return;
      histogram.record((arrivedAt - record.bytes.readDoubleBE(record.valuePosition)) * 1000);
      received++;
      fetchPartition.fetchOffset = offset + 1;
      lastReceiveAt = arrivedAt;
    };
    while (received < options.recordCount && failure === null) {
      if (performance.now() - lastReceiveAt > RECEIVE_TIMEOUT_MS) throw new Error(`no record arrived for ${RECEIVE_TIMEOUT_MS} ms`);
      const response = await consumerClient.send<FetchResponse>(ApiKey.Fetch, fetchVersion, request);
      arrivedAt = performance.now();
      const data = response.responses[0]?.partitions[0];
      if (data === undefined) continue;
      if (data.errorCode !== 0) throw new KafkaProtocolError(data.errorCode, `fetch from ${options.topic}-${PARTITION}`);
      const chunks = data.records === null ? [] : Buffer.isBuffer(data.records) ? [data.records] : data.records;
      for (const chunk of chunks) {
        for (const slice of recordBatches(chunk)) visitRecords(slice.batch, { maxDecompressedBytes: DECOMPRESSED_BYTES_MAX }, onRecord);
      }
    }
  };

  // The producer: sends every record that is due, batching what piled up while a request was out.
  const produce = async (): Promise<void> => {
    const started = performance.now();
    let sent = 0;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    const payload = Buffer.alloc(payloadBytes, "e");
    // Records that piled up go in batches of at most BATCH_BYTES_MAX (below max.message.bytes).
    const recordsPerBatchMax = Math.max(1, Math.floor(BATCH_BYTES_MAX / (payloadBytes + 16)));
    // A batch is sent by reference, so its builder is reused only once the request is answered.
    const freeBuilders: RecordBatchBuilder[] = [];
    const wait = (delayMs: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, delayMs));
    while (sent < options.recordCount && failure === null) {
      const due = Math.min(options.recordCount, Math.floor(((performance.now() - started) / 1000) * options.targetRecordsPerSecond) + 1);
      if (due <= sent || inFlight >= options.maxInFlight) {
        const nextDueMs = started + ((sent + 1) / options.targetRecordsPerSecond) * 1000;
        await wait(Math.max(0, Math.min(1, nextDueMs - performance.now())));
        continue;
      }
      const batchEnd = Math.min(due, sent + recordsPerBatchMax);
      const builder = freeBuilders.pop() ?? new RecordBatchBuilder({ capacityBytes: recordsPerBatchMax * (payloadBytes + 16) + 128 });
      builder.reset();
      const now = Date.now();
      for (; sent < batchEnd; sent++) {
        payload.writeDoubleBE(performance.now(), 0);
        builder.append(now, null, payload);
      }
      inFlight++;
      const request = client
        .request<ProduceResponse>(leader, ApiKey.Produce, () => ({
          ...ProduceRequestCodec.create(),
          acks: options.acks,
          timeoutMs: 30_000,
          topicData: [{ name: options.topic, partitionData: [{ index: PARTITION, records: builder.build() }] }],
        }))
        .then((response) => {
          const errorCode = response.responses[0]?.partitionResponses[0]?.errorCode ?? 0;
          if (errorCode !== 0) throw new KafkaProtocolError(errorCode, `produce to ${options.topic}-${PARTITION}`);
          freeBuilders.push(builder);
        })
        .catch((error: unknown) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => {
          inFlight--;
          pending.delete(request);
        });
      pending.add(request);
    }
    await Promise.all(pending);
  };

  const started = performance.now();
  try {
    await Promise.all([consume(), produce()]);
  } finally {
    await consumerClient.close();
  }
  if (failure !== null) throw failure;
  const elapsedMs = performance.now() - started;
  return { records: received, elapsedMs, recordsPerSecond: received / (elapsedMs / 1000), latency: histogram };
}
