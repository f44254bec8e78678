// FindCoordinator v0-6: which broker coordinates a group (key type 0) or a transactional id
// (key type 1). v4+ asks for several keys at once. On a single broker every __consumer_offsets
// partition is led here, so the answer is this broker's endpoint on the listener the client
// used, once the group coordinator is running (COORDINATOR_NOT_AVAILABLE before). Transactions
// are coordinated here too (the transaction coordinator comes later; it will answer for itself).
// Key type 2 (share groups, v6) gets INVALID_REQUEST: there is no share coordinator.
// Not done: authorization (GROUP / TRANSACTIONAL_ID describe); multi-broker leadership of the
// offsets partitions (the leader of partitionFor(key) should answer then).

import {
  FindCoordinatorRequestCodec,
  FindCoordinatorResponseCodec,
  type Coordinator,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from "../../protocol/generated/find-coordinator.js";
import { ErrorCode, errorInfo } from "../../protocol/error-codes.js";
import { defineHandler, type RequestContext } from "../handler.js";

const FIRST_BATCHED_VERSION = 4;
const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

interface Located {
  readonly errorCode: number;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

const NO_NODE = { nodeId: -1, host: "", port: -1 };

async function locate(context: RequestContext, keyType: number): Promise<Located> {
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) return { errorCode: ErrorCode.INVALID_REQUEST, ...NO_NODE };
  // The first lookup of a group coordinator creates __consumer_offsets, as in Kafka.
  if (keyType === KEY_TYPE_GROUP && !(await context.broker.ensureGroupCoordinator())) {
    return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, ...NO_NODE };
  }
  const nodeId = context.broker.nodeId;
  const endpoint = context.broker.image.broker(nodeId)?.endpoints.find((candidate) => candidate.listenerName === context.listenerName);
  if (endpoint === undefined) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, ...NO_NODE };
  return { errorCode: ErrorCode.NONE, nodeId, host: endpoint.host, port: endpoint.port };
}

function messageOf(errorCode: number): string | null {
  return errorCode === ErrorCode.NONE ? null : errorInfo(errorCode).description;
}

export const findCoordinatorHandler = defineHandler({
  request: FindCoordinatorRequestCodec,
  response: FindCoordinatorResponseCodec,
  minVersion: 0,
  maxVersion: 6,
  async handle(context, request) {
    const response = FindCoordinatorResponseCodec.create();
    if (context.apiVersion >= FIRST_BATCHED_VERSION) {
      const located = await locate(context, request.keyType);
      response.coordinators = request.coordinatorKeys.map((key): Coordinator => ({ key, ...located, errorMessage: messageOf(located.errorCode) }));
      return response;
    }
    const located = await locate(context, request.keyType);
    return { ...response, ...located, errorMessage: messageOf(located.errorCode) };
  },
  errorResponse(request: FindCoordinatorRequest, errorCode, errorMessage): FindCoordinatorResponse {
    const response = FindCoordinatorResponseCodec.create();
    response.errorCode = errorCode;
    response.errorMessage = errorMessage;
    response.nodeId = -1;
    response.port = -1;
    response.coordinators = request.coordinatorKeys.map((key) => ({ key, errorCode, errorMessage, ...NO_NODE }));
    return response;
  },
});
