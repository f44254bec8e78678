// The engine of `tributary perf produce` (Kafka's ProducerPerformance, made to measure the
// broker rather than itself): records are written straight into reusable record batch builders,
// one batch per partition per request, several requests in flight on one connection per leader.
// Latency is per record, from the moment the record is appended to the moment its batch is
// acknowledged, kept in a histogram.

import { ApiKey } from "../../protocol/generated/api-keys.js";
import { ProduceRequestCodec, type ProduceResponse } from "../../protocol/generated/produce.js";
import type { CompressionType} from "../../protocol/records/index.js";
import { RecordBatchBuilder } from "../../protocol/records/index.js";
import { LatencyHistogram } from "../../lib/latency-histogram.js";
import type { KafkaClient } from "../kafka-client.js";
import { ClientUsageError, KafkaProtocolError } from "../errors.js";

export interface PerfProduceOptions {
  readonly topic: string;
  /** Stop after this many records... */
  readonly recordCount: number;
  /** ...or after this long, whichever comes first (Infinity: no time limit). */
  readonly durationMs: number;
  readonly recordSizeBytes: number;
  /** Records per second to aim for; 0 or less: as fast as possible. */
  readonly targetRecordsPerSecond: number;
  readonly acks: -1 | 0 | 1;
  /** Bytes per batch (one batch per partition per request). */
  readonly batchSizeBytes: number;
  /** How long a batch may wait for more records when rate-limited. */
  readonly lingerMs: number;
  readonly compression: CompressionType;
  /** Requests awaiting their response per connection. */
  readonly maxInFlight: number;
  /** Called about every reportIntervalMs with the figures of the last interval. */
  readonly onProgress?: (progress: PerfProgress) => void;
  readonly reportIntervalMs?: number;
}

export interface PerfProgress {
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly latencyAvgMs: number;
  readonly latencyMaxMs: number;
}

export interface PerfProduceResult {
  readonly records: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly latency: LatencyHistogram;
}

interface Leader {
  readonly partitions: number[];
  inFlight: number;
  /** Builders free for the next request: a batch's bytes are sent by reference, so a builder is
   * reused only once its request has been answered (and so fully written). */
  readonly freeBuilders: RecordBatchBuilder[][];
}

const PAYLOAD_VARIANTS = 64;
const REPORT_INTERVAL_MS = 5_000;

/** Payloads like Kafka's ProducerPerformance: random uppercase letters (compressible like text). */
function makePayloads(sizeBytes: number): Buffer[] {
  const payloads: Buffer[] = [];
  for (let index = 0; index < PAYLOAD_VARIANTS; index++) {
    const payload = Buffer.allocUnsafe(sizeBytes);
    for (let byte = 0; byte < sizeBytes; byte++) payload[byte] = 65 + Math.floor(Math.random() * 26);
    payloads.push(payload);
  }
  return payloads;
}

export async function runPerfProduce(client: KafkaClient, options: PerfProduceOptions): Promise<PerfProduceResult> {
  const metadata = await client.metadata([options.topic], { allowAutoTopicCreation: true });
  const topic = metadata.topics.get(options.topic);
  if (topic === undefined || topic.errorCode !== 0 || topic.partitions.length === 0) {
    throw new KafkaProtocolError(topic?.errorCode ?? 3, `topic ${options.topic}`);
  }
  const byLeader = new Map<number, Leader>();
  for (const partition of topic.partitions) {
    let leader = byLeader.get(partition.leaderId);
    if (leader === undefined) {
      leader = { partitions: [], inFlight: 0, freeBuilders: [] };
      byLeader.set(partition.leaderId, leader);
    }
    leader.partitions.push(partition.partition);
  }
  const payloads = makePayloads(options.recordSizeBytes);
  const recordsPerBatch = Math.max(1, Math.floor(options.batchSizeBytes / (options.recordSizeBytes + 12)));
  const histogram = new LatencyHistogram();
  let interval = new LatencyHistogram();
  const started = performance.now();
  const deadline = started + options.durationMs;
  let appended = 0;
  let acknowledged = 0;
  let acknowledgedBytes = 0;
  let failure: Error | null = null;
  let lastReport = started;
  let lastReportRecords = 0;
  const reportIntervalMs = options.reportIntervalMs ?? REPORT_INTERVAL_MS;
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };

  const report = (now: number): void => {
    if (options.onProgress === undefined || now - lastReport < reportIntervalMs) return;
    const seconds = (now - lastReport) / 1000;
    const records = acknowledged - lastReportRecords;
    options.onProgress({
      records,
      recordsPerSecond: records / seconds,
      megabytesPerSecond: (records * options.recordSizeBytes) / seconds / 1e6,
      latencyAvgMs: interval.meanMicros / 1000,
      latencyMaxMs: interval.maxMicros / 1000,
    });
    lastReport = now;
    lastReportRecords = acknowledged;
    interval = new LatencyHistogram();
  };

  const sendOne = async (nodeId: number, leader: Leader): Promise<void> => {
    const builders = leader.freeBuilders.pop() ?? leader.partitions.map(() => new RecordBatchBuilder({ compression: options.compression, capacityBytes: options.batchSizeBytes + 1024 }));
    const now = performance.now();
    // How many records may go now: all that are due by the target rate, one batch per partition at most.
    const dueTotal =
      options.targetRecordsPerSecond > 0 ? Math.floor(((now - started) / 1000) * options.targetRecordsPerSecond) : Number.POSITIVE_INFINITY;
    let budget = Math.min(options.recordCount - appended, dueTotal - appended);
    const partitionData: { index: number; records: Buffer }[] = [];
    const appendTimes: { count: number; atMs: number }[] = [];
    const timestampMs = Date.now();
    for (let index = 0; index < leader.partitions.length && budget > 0; index++) {
      const builder = builders[index];
      builder.reset();
      const count = Math.min(recordsPerBatch, budget);
      for (let record = 0; record < count; record++) builder.append(timestampMs, null, payloads[(appended + record) % PAYLOAD_VARIANTS]);
      appended += count;
      budget -= count;
      partitionData.push({ index: leader.partitions[index], records: builder.build() });
      appendTimes.push({ count, atMs: now });
    }
    if (partitionData.length === 0) {
      leader.freeBuilders.push(builders);
      return;
    }
    leader.inFlight++;
    const request = { ...ProduceRequestCodec.create(), acks: options.acks, timeoutMs: 30_000, topicData: [{ name: options.topic, partitionData }] };
    try {
      if (options.acks === 0) {
        const target = await client.connectionTo(nodeId);
        target.connection.sendWithoutResponse(ApiKey.Produce, target.versions.version(ApiKey.Produce), request);
        await target.connection.whenWritten();
      } else {
        const response = await client.request<ProduceResponse>(nodeId, ApiKey.Produce, () => request);
        for (const topicResponse of response.responses) {
          for (const partition of topicResponse.partitionResponses) {
            if (partition.errorCode !== 0) throw new KafkaProtocolError(partition.errorCode, `produce to ${options.topic}-${partition.index}`);
          }
        }
      }
      const ackedAt = performance.now();
      for (const { count, atMs } of appendTimes) {
        histogram.record((ackedAt - atMs) * 1000, count);
        interval.record((ackedAt - atMs) * 1000, count);
        acknowledged += count;
        acknowledgedBytes += count * options.recordSizeBytes;
      }
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      leader.inFlight--;
      leader.freeBuilders.push(builders);
      signal();
    }
  };

  const pending = new Set<Promise<void>>();
  while (failure === null && appended < options.recordCount && performance.now() < deadline) {
    let sentAny = false;
    for (const [nodeId, leader] of byLeader) {
      if (leader.inFlight >= options.maxInFlight) continue;
      const before = appended;
      const sending = sendOne(nodeId, leader);
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
      if (appended > before) sentAny = true;
    }
    report(performance.now());
    if (!sentAny) {
      // Wait for a response or, when rate-limited, for the next records to fall due.
      const waitMs = options.targetRecordsPerSecond > 0 ? Math.max(1, Math.min(options.lingerMs, 1000 / options.targetRecordsPerSecond)) : 50;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(signal, waitMs);
      });
    }
  }
  await Promise.all(pending);
  if (failure !== null) throw failure;
  if (appended === 0) throw new ClientUsageError("no record was sent");
  const elapsedMs = performance.now() - started;
  return {
    records: acknowledged,
    bytes: acknowledgedBytes,
    elapsedMs,
    recordsPerSecond: acknowledged / (elapsedMs / 1000),
    megabytesPerSecond: acknowledgedBytes / (elapsedMs / 1000) / 1e6,
    latency: histogram,
  };
}
