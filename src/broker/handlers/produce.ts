// Produce v3-11, advertised from v0: librdkafka before 2.11 only compresses when Produce v0 is in
// the advertised range, so like Kafka 4 we advertise 0-11 and answer v0-v2 (message formats 0
// and 1) with UNSUPPORTED_VERSION for every partition.
// Each partition is appended on its own (one bad partition never fails the others); batches are
// stored exactly as sent with offsets assigned in place. acks=0 gets no response, acks=1 and
// acks=-1 are answered once the append is in the log and (-1) the ISR has it, which on one node
// is at once. min.insync.replicas is checked for acks=-1.
// Idempotent producers: the partition log checks each batch against its producer state. A batch
// the producer already wrote (a retry after a lost answer) is acknowledged with the original
// batch's offsets and not appended again (errorCode NONE; Kafka stopped answering
// DUPLICATE_SEQUENCE_NUMBER); a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER and a fenced epoch
// INVALID_PRODUCER_EPOCH, both carried by the storage errors' kafkaErrorCode (partitionError).
// Pipelining: the dispatcher lets a connection's next Produce request start as soon as handle()
// has returned (dispatcher.ts, PIPELINED_APIS), which keeps offsets in request order only because
// every partition's append is called synchronously inside handle(): nothing may be awaited before
// them. And the records are views of the request frame, which the connection reuses once the
// request is answered, so handle() settles only after every append settled (producePartition
// never rejects).
// Not done yet: transactional batches are stored and sequence-checked like idempotent ones, but
// no transaction state is kept (no InitProducerId for transactional ids, so no client sends them);
// closing the connection after a failed acks=0 produce, as Kafka does.

import {
  ProduceRequestCodec,
  ProduceResponseCodec,
  type PartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type TopicProduceResponse,
} from "../../protocol/generated/produce.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { batchSizeAt } from "../../protocol/records/batch-header.js";
import { DecodeError } from "../../protocol/primitives/decode-error.js";
import { defineHandler, NO_RESPONSE, type RequestContext } from "../handler.js";
import { leaderPartition } from "../partition-lookup.js";
import { partitionError } from "../partition-errors.js";

const FIRST_SUPPORTED_VERSION = 3;

function partitionResult(index: number, errorCode: number, errorMessage: string | null = null): PartitionProduceResponse {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

function everyPartition(request: ProduceRequest, errorCode: number, errorMessage: string | null): ProduceResponse {
  const response = ProduceResponseCodec.create();
  response.responses = request.topicData.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitionData.map((partition) => partitionResult(partition.index, errorCode, errorMessage)),
  }));
  return response;
}

/** Produce v3+ carries exactly one record batch per partition (Kafka's ProduceRequest rule). */
function singleBatchError(records: Buffer): string | null {
  try {
    if (batchSizeAt(records, 0) === records.length) return null;
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
  }
  return "Produce requests with version 3 or later must contain exactly one record batch per partition";
}

/**
 * Appends one partition's batch. Never rejects: every failure becomes this partition's error
 * code, so the request only completes once every partition's append has settled (the records
 * are views of the request frame, which the connection reuses once the handler returns).
 */
async function producePartition(
  context: RequestContext,
  topic: string,
  index: number,
  records: Buffer | readonly Buffer[] | null,
  acks: number,
): Promise<PartitionProduceResponse> {
  try {
    const { broker } = context;
    const lookup = leaderPartition(broker, topic, index);
    if (lookup.hosted === undefined) return partitionResult(index, lookup.errorCode);
    const hosted = lookup.hosted;
    if (records === null || !Buffer.isBuffer(records) || records.length === 0) {
      return partitionResult(index, ErrorCode.INVALID_RECORD, "the partition's records are missing");
    }
    const shapeError = singleBatchError(records);
    if (shapeError !== null) return partitionResult(index, ErrorCode.INVALID_RECORD, shapeError);
    if (acks === -1) {
      const minInsyncReplicas = broker.replicas.topicConfig(topic).minInsyncReplicas;
      if (hosted.state.isr.length < minInsyncReplicas) {
        return partitionResult(
          index,
          ErrorCode.NOT_ENOUGH_REPLICAS,
          `The size of the current ISR ${hosted.state.isr.length} is insufficient to satisfy the min.isr requirement of ${minInsyncReplicas} for partition ${topic}-${index}`,
        );
      }
    }
    const appended = await hosted.log.append(records, { leaderEpoch: hosted.state.leaderEpoch, assignOffsets: true });
    broker.replicas.advanceHighWatermark(hosted);
    const result = partitionResult(index, ErrorCode.NONE);
    result.baseOffset = appended.firstOffset;
    result.logAppendTimeMs = appended.logAppendTimeMs;
    result.logStartOffset = appended.logStartOffset;
    return result;
  } catch (error) {
    const failure = partitionError(error);
    if (!failure.expected) context.logger.error({ topic, partition: index, err: error }, "append failed unexpectedly");
    const result = partitionResult(index, failure.errorCode, failure.message);
    const batchIndex = typeof error === "object" && error !== null ? (error as { batchIndex?: unknown }).batchIndex : undefined;
    if (typeof batchIndex === "number" && batchIndex >= 0) {
      result.recordErrors = [{ batchIndex, batchIndexErrorMessage: failure.message }];
    }
    return result;
  }
}

export const produceHandler = defineHandler({
  request: ProduceRequestCodec,
  response: ProduceResponseCodec,
  minVersion: FIRST_SUPPORTED_VERSION,
  maxVersion: 11,
  advertisedMinVersion: 0,
  async handle(context, request) {
    if (context.apiVersion < FIRST_SUPPORTED_VERSION) {
      return everyPartition(request, ErrorCode.UNSUPPORTED_VERSION, "Produce v0-v2 (message formats 0 and 1) are not supported");
    }
    const acks = request.acks;
    if (acks !== 0 && acks !== 1 && acks !== -1) {
      return everyPartition(request, ErrorCode.INVALID_REQUIRED_ACKS, null);
    }
    const responses: TopicProduceResponse[] = await Promise.all(
      request.topicData.map(async (topic) => ({
        name: topic.name,
        partitionResponses: await Promise.all(
          topic.partitionData.map((partition) => producePartition(context, topic.name, partition.index, partition.records, acks)),
        ),
      })),
    );
    if (acks === 0) return NO_RESPONSE;
    const response = ProduceResponseCodec.create();
    response.responses = responses;
    return response;
  },
  errorResponse(request: ProduceRequest, errorCode, errorMessage) {
    return everyPartition(request, errorCode, errorMessage);
  },
});
