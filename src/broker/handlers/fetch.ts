// Fetch v4-17 for consumers: whole stored batches up to the high watermark (or the last stable
// offset for read_committed, the same until transactions exist), never re-encoded; long polling
// (max_wait_ms / min_bytes) woken by appends, not by timers polling; max_bytes and
// partition_max_bytes with at least one whole batch (KIP-74); incremental fetch sessions
// (KIP-227); topic ids from v13. Partitions without data carry empty records, never null
// (librdkafka 2.0 stalls on null).
// Not done yet: follower fetches (replica id >= 0) and diverging epochs, which come with
// replication; aborted transactions (none can exist yet).

import {
  FetchRequestCodec,
  FetchResponseCodec,
  type FetchableTopicResponse,
  type FetchRequest,
  type PartitionData,
} from "../../protocol/generated/fetch.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { EMPTY_BUFFER } from "../../protocol/primitives/runtime.js";
import { ZERO_UUID } from "../../lib/uuid.js";
import { defineHandler, type RequestContext } from "../handler.js";
import { leaderEpochError, leaderPartition } from "../partition-lookup.js";
import { partitionError } from "../partition-errors.js";
import { noteSent, type FetchPartitionRequest, type SessionPartition } from "../fetch-sessions.js";
import type { HostedPartition } from "../replica-manager.js";

const FIRST_TOPIC_ID_VERSION = 13;

interface PartitionRead {
  readonly topicIndex: number;
  readonly data: PartitionData;
  readonly recordBytes: number;
  readonly hosted: HostedPartition | null;
}

function emptyPartition(partition: number, errorCode: number): PartitionData {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY_BUFFER,
  };
}

/** The partitions a request names, with topic ids resolved to names (v13+) or names to ids. */
function requestedPartitions(context: RequestContext, request: FetchRequest): FetchPartitionRequest[] {
  const { image } = context.broker;
  const usesTopicIds = context.apiVersion >= FIRST_TOPIC_ID_VERSION;
  const partitions: FetchPartitionRequest[] = [];
  for (const topic of request.topics) {
    const name = usesTopicIds ? (image.topicById(topic.topicId)?.name ?? "") : topic.topic;
    const topicId = usesTopicIds ? topic.topicId : ZERO_UUID;
    for (const partition of topic.partitions) {
      partitions.push({
        topic: name,
        topicId,
        partition: partition.partition,
        fetchOffset: partition.fetchOffset,
        partitionMaxBytes: partition.partitionMaxBytes,
        currentLeaderEpoch: partition.currentLeaderEpoch,
        lastFetchedEpoch: partition.lastFetchedEpoch,
        logStartOffset: partition.logStartOffset,
      });
    }
  }
  return partitions;
}

function forgottenPartitions(context: RequestContext, request: FetchRequest): { topic: string; topicId: string; partition: number }[] {
  const usesTopicIds = context.apiVersion >= FIRST_TOPIC_ID_VERSION;
  return request.forgottenTopicsData.flatMap((topic) => {
    const name = usesTopicIds ? (context.broker.image.topicById(topic.topicId)?.name ?? "") : topic.topic;
    const topicId = usesTopicIds ? topic.topicId : ZERO_UUID;
    return topic.partitions.map((partition) => ({ topic: name, topicId, partition }));
  });
}

/** Reads every partition once, within the response's byte budget. */
async function readPartitions(
  context: RequestContext,
  partitions: readonly SessionPartition[],
  responseMaxBytes: number,
  readCommitted: boolean,
): Promise<PartitionRead[]> {
  const usesTopicIds = context.apiVersion >= FIRST_TOPIC_ID_VERSION;
  const reads: PartitionRead[] = [];
  let budgetBytes = responseMaxBytes;
  let anyData = false;
  for (let index = 0; index < partitions.length; index++) {
    const requested = partitions[index];
    if (usesTopicIds && requested.topic === "") {
      reads.push({ topicIndex: index, data: emptyPartition(requested.partition, ErrorCode.UNKNOWN_TOPIC_ID), recordBytes: 0, hosted: null });
      continue;
    }
    const lookup = leaderPartition(context.broker, requested.topic, requested.partition);
    if (lookup.hosted === undefined) {
      const errorCode =
        usesTopicIds && lookup.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? ErrorCode.UNKNOWN_TOPIC_ID : lookup.errorCode;
      reads.push({ topicIndex: index, data: emptyPartition(requested.partition, errorCode), recordBytes: 0, hosted: null });
      continue;
    }
    const hosted = lookup.hosted;
    const epochError = leaderEpochError(hosted, requested.currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) {
      reads.push({ topicIndex: index, data: emptyPartition(requested.partition, epochError), recordBytes: 0, hosted });
      continue;
    }
    const log = hosted.log;
    const data = emptyPartition(requested.partition, ErrorCode.NONE);
    data.currentLeader = { leaderId: hosted.state.leader, leaderEpoch: hosted.state.leaderEpoch };
    // Until transactions exist the last stable offset is the high watermark.
    const upperBound = readCommitted ? log.highWatermark : log.highWatermark;
    let recordBytes = 0;
    try {
      const maxBytes = Math.max(0, Math.min(requested.partitionMaxBytes, budgetBytes));
      const result = await log.read(requested.fetchOffset, { maxBytes, maxOffset: upperBound, minOneBatch: !anyData, allocate: context.allocateResponseBuffer });
      if (result.batches.length > 0) {
        data.records = result.batches;
        recordBytes = result.sizeBytes;
        anyData = true;
        budgetBytes -= result.sizeBytes;
      }
      data.highWatermark = result.highWatermark;
      data.lastStableOffset = result.highWatermark;
      data.logStartOffset = result.logStartOffset;
    } catch (error) {
      const failure = partitionError(error);
      if (!failure.expected) context.logger.error({ topic: requested.topic, partition: requested.partition, err: error }, "fetch read failed");
      data.errorCode = failure.errorCode;
      data.highWatermark = log.highWatermark;
      data.lastStableOffset = log.highWatermark;
      data.logStartOffset = log.logStartOffset;
    }
    reads.push({ topicIndex: index, data, recordBytes, hosted });
  }
  return reads;
}

function groupByTopic(partitions: readonly SessionPartition[], reads: readonly PartitionRead[]): FetchableTopicResponse[] {
  const topics: FetchableTopicResponse[] = [];
  let current: FetchableTopicResponse | undefined;
  for (const read of reads) {
    const requested = partitions[read.topicIndex];
    if (current === undefined || current.topic !== requested.topic || current.topicId !== requested.topicId) {
      current = { topic: requested.topic, topicId: requested.topicId, partitions: [] };
      topics.push(current);
    }
    current.partitions.push(read.data);
  }
  return topics;
}

export const fetchHandler = defineHandler({
  request: FetchRequestCodec,
  response: FetchResponseCodec,
  minVersion: 4,
  maxVersion: 17,
  async handle(context, request) {
    const { broker } = context;
    const response = FetchResponseCodec.create();
    const resolution = broker.fetchSessions.resolve({
      sessionId: request.sessionId,
      sessionEpoch: request.sessionEpoch,
      partitions: requestedPartitions(context, request),
      forgotten: forgottenPartitions(context, request),
    });
    if (resolution.kind === "error") {
      response.errorCode = resolution.errorCode;
      return response;
    }
    const partitions = resolution.partitions;
    const responseMaxBytes = Math.min(request.maxBytes, broker.settings().fetchMaxBytes);
    const readCommitted = request.isolationLevel === 1;
    const deadlineMs = broker.clock.monotonicMs() + Math.max(0, request.maxWaitMs);
    let reads: PartitionRead[];
    for (;;) {
      reads = await readPartitions(context, partitions, responseMaxBytes, readCommitted);
      const totalBytes = reads.reduce((sum, read) => sum + read.recordBytes, 0);
      const anyError = reads.some((read) => read.data.errorCode !== ErrorCode.NONE);
      const remainingMs = deadlineMs - broker.clock.monotonicMs();
      if (totalBytes >= request.minBytes || anyError || remainingMs <= 0 || broker.replicas.isShuttingDown) break;
      const waiting = reads.flatMap((read) => (read.hosted === null ? [] : [read.hosted]));
      if (waiting.length === 0) break;
      await new Promise<void>((resolve) => {
        const timer = broker.clock.setTimeout(() => {
          cancel();
          resolve();
        }, remainingMs);
        const cancel = broker.replicas.waitForData(waiting, () => {
          broker.clock.clearTimeout(timer);
          resolve();
        });
      });
    }
    const included: PartitionRead[] = [];
    for (const read of reads) {
      const changed = noteSent(partitions[read.topicIndex], {
        recordBytes: read.recordBytes,
        highWatermark: read.data.highWatermark,
        logStartOffset: read.data.logStartOffset,
        lastStableOffset: read.data.lastStableOffset,
        errorCode: read.data.errorCode,
      });
      if (resolution.kind !== "incremental" || changed) included.push(read);
    }
    response.sessionId = resolution.kind === "sessionless" ? 0 : resolution.session.id;
    response.responses = groupByTopic(partitions, included);
    return response;
  },
});
