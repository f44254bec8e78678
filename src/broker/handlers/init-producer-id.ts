// InitProducerId v0-5 (flexible from v2). For an idempotent producer (transactional id null) it
// hands out a producer id never used before, with epoch 0, from the broker's ProducerIdManager:
// exactly Kafka's TransactionCoordinator.handleInitProducerId, which "blindly accepts" such a
// request. That includes the v3+ form carrying the current producer id and epoch (KIP-360): for
// a producer without a transactional id Kafka answers it with a fresh producer id at epoch 0 too,
// and so do we. Clients take whatever id and epoch come back, and the id/epoch pair is then new
// to every partition, which is all the bump is for (the Java client bumps an idempotent
// producer's epoch locally and only asks again when the epoch is exhausted; librdkafka sends no
// producer id for a non-transactional producer). Bumping the sent id's epoch instead would let any
// client fence any other producer id without proof of owning it.
// A producer id given without an epoch (or the reverse) is INVALID_REQUEST, an empty
// transactional id INVALID_REQUEST, as in Kafka's KafkaApis.
// Advertised from v0 like Kafka: librdkafka before 2.11 enables its idempotent producer only when
// InitProducerId 0 is in the advertised range.
//
// Not done: transactions. A transactional id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED, chosen
// because every client treats it as final at once with a message naming the transactional id:
// the Java client raises TransactionalIdAuthorizationException (fatal), librdkafka 2.x makes it
// a fatal error (rd_kafka_idemp_check_error), kafkajs throws it (not retriable). Retriable codes
// such as COORDINATOR_NOT_AVAILABLE would make them retry until their timeouts with no hint why.
// Also not done: authorization (IDEMPOTENT_WRITE on the cluster).

import {
  InitProducerIdRequestCodec,
  InitProducerIdResponseCodec,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from "../../protocol/generated/init-producer-id.js";
import { ErrorCode } from "../../protocol/error-codes.js";
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from "../../protocol/records/batch-header.js";
import { ProducerIdAllocationError } from "../../coordinator/txn/index.js";
import { defineHandler } from "../handler.js";

function answer(errorCode: number, producerId = NO_PRODUCER_ID, producerEpoch = NO_PRODUCER_EPOCH): InitProducerIdResponse {
  return { ...InitProducerIdResponseCodec.create(), errorCode, producerId, producerEpoch };
}

export const initProducerIdHandler = defineHandler({
  request: InitProducerIdRequestCodec,
  response: InitProducerIdResponseCodec,
  minVersion: 0,
  maxVersion: 5,
  async handle(context, request: InitProducerIdRequest) {
    const givesProducerId = request.producerId !== NO_PRODUCER_ID;
    const givesEpoch = request.producerEpoch !== NO_PRODUCER_EPOCH;
    if (givesProducerId !== givesEpoch) return answer(ErrorCode.INVALID_REQUEST);
    if (request.transactionalId === "") return answer(ErrorCode.INVALID_REQUEST);
    if (request.transactionalId !== null) return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    try {
      return answer(ErrorCode.NONE, await context.broker.producerIds.generateProducerId(), 0);
    } catch (error) {
      context.logger.error({ err: error }, "no producer id could be allocated");
      // A store that failed may work on the next try (Kafka answers COORDINATOR_LOAD_IN_PROGRESS
      // while it waits for a block); a record we cannot trust will not get better.
      return answer(error instanceof ProducerIdAllocationError ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
  },
  errorResponse(_request, errorCode) {
    return answer(errorCode);
  },
});
